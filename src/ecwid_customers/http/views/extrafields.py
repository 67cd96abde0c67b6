"""Customer extra-field definition endpoints (spec 4.8)."""

from __future__ import annotations

import msgspec

from ecwid_customers import errors
from ecwid_customers.domain.catalog import changed_extra_field, new_extra_field, new_extra_field_key
from ecwid_customers.domain.inputs import ExtraFieldDefinitionInput
from ecwid_customers.http.request import Request
from ecwid_customers.http.responses import Response, json_response
from ecwid_customers.http.views.common import DELETED_ONE, UPDATED_ONE, render

_decode_definition = msgspec.json.Decoder(ExtraFieldDefinitionInput)


async def list_fields(request: Request) -> Response:
    return render({"items": await request.storage.list_extra_fields(request.store_id)}, request)


async def get_field(request: Request) -> Response:
    key = request.params["key"]
    definition = await request.storage.get_extra_field(request.store_id, key)
    if definition is None:
        raise errors.extra_field_not_found(key)
    return render(definition, request)


async def create_field(request: Request) -> Response:
    sent = await request.json(_decode_definition)
    now = request.clock.now()
    while True:  # 62^7 keys: a collision is rare, and a retry settles it
        definition = new_extra_field(sent, key=new_extra_field_key(), now=now)
        if await request.storage.create_extra_field(request.store_id, definition, now=now):
            return json_response({"createCount": 1, "key": definition.key})


async def update_field(request: Request) -> Response:
    key = request.params["key"]
    sent = await request.json(_decode_definition)
    now = request.clock.now()
    changed = await request.storage.update_extra_field(
        request.store_id, key, lambda current: changed_extra_field(current, sent, now=now)
    )
    if not changed:
        raise errors.extra_field_not_found(key)
    return json_response(UPDATED_ONE)


async def delete_field(request: Request) -> Response:
    key = request.params["key"]
    if not await request.storage.delete_extra_field(request.store_id, key):
        raise errors.extra_field_not_found(key)
    return json_response(DELETED_ONE)
