"""Customer group endpoints (spec 6)."""

from __future__ import annotations

import msgspec

from ecwid_customers import errors
from ecwid_customers.domain.catalog import changed_group_name, new_group_name
from ecwid_customers.domain.inputs import CustomerGroupInput
from ecwid_customers.domain.search import parse_id_list, parse_page
from ecwid_customers.http.request import Request
from ecwid_customers.http.responses import Response, json_response
from ecwid_customers.http.views.common import (
    DELETED_ONE,
    UPDATED_ONE,
    page_envelope,
    path_id,
    render,
)
from ecwid_customers.storage.base import GroupChange

_decode_group = msgspec.json.Decoder(CustomerGroupInput)


def _group_id(request: Request) -> int:
    group_id = path_id(request, "groupId")
    if group_id is None:
        raise errors.customer_group_not_found(request.params["groupId"])
    return group_id


async def list_groups(request: Request) -> Response:
    page = parse_page(request.query)
    keyword = (request.query("keyword") or "").strip().lower() or None
    # The official client sends customerGroupIds; the docs name customerGroupId.
    ids_param = "customerGroupIds" if request.query("customerGroupIds") else "customerGroupId"
    ids = parse_id_list(ids_param, request.query(ids_param))
    found = await request.storage.list_customer_groups(
        request.store_id, keyword=keyword, ids=ids, page=page
    )
    return render(page_envelope(found.total, page, found.items), request)


async def get_group(request: Request) -> Response:
    group_id = _group_id(request)
    group = await request.storage.get_customer_group(request.store_id, group_id)
    if group is None:
        raise errors.customer_group_not_found(group_id)
    return render(group, request)


async def create_group(request: Request) -> Response:
    sent = await request.json(_decode_group)
    group_id = await request.storage.create_customer_group(
        request.store_id,
        name=new_group_name(sent),
        external_reference_id=sent.external_reference_id,
        now=request.clock.now(),
    )
    return json_response({"id": group_id})


async def update_group(request: Request) -> Response:
    group_id = _group_id(request)
    sent = await request.json(_decode_group)
    name = changed_group_name(group_id, sent)
    change = GroupChange(name=name, external_reference_id=sent.external_reference_id)
    changed = await request.storage.update_customer_group(
        request.store_id,
        group_id,
        change,
        now=request.clock.now(),
        member_events=request.settings.webhook_member_events,
    )
    if not changed:
        raise errors.customer_group_not_found(group_id)
    return json_response(UPDATED_ONE)


async def delete_group(request: Request) -> Response:
    group_id = _group_id(request)
    if group_id == 0:
        raise errors.general_group_is_fixed()
    deleted = await request.storage.delete_customer_group(
        request.store_id,
        group_id,
        now=request.clock.now(),
        member_events=request.settings.webhook_member_events,
    )
    if not deleted:
        raise errors.customer_group_not_found(group_id)
    return json_response(DELETED_ONE)
