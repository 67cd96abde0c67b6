"""Customer endpoints: parse, call the domain and storage, render Ecwid's wire format."""

from __future__ import annotations

import asyncio

import msgspec

from ecwid_customers import errors
from ecwid_customers.domain.create import build_new_customer, password_to_keep
from ecwid_customers.domain.inputs import CustomerInput
from ecwid_customers.domain.passwords import hash_password
from ecwid_customers.http import response_fields
from ecwid_customers.http.request import Request
from ecwid_customers.http.responses import Response, json_response

MAX_ID = 2**31 - 1

_decode_customer_input = msgspec.json.Decoder(CustomerInput)


def _customer_id(request: Request) -> int | None:
    """The id in the path; ``None`` when it is a number too large to belong to anyone."""
    text = request.params["customerId"]
    if not text.isascii() or not text.isdigit():
        raise errors.wrong_parameter("customerId")
    # Compare lengths before converting: int() refuses strings of thousands of digits.
    digits = text.lstrip("0") or "0"
    if len(digits) > len(str(MAX_ID)) or int(digits) > MAX_ID:
        return None
    return int(digits)


def render(value: msgspec.Struct, request: Request) -> Response:
    """``value`` as JSON, cut down to ``responseFields`` when the request names some."""
    fields = request.query("responseFields")
    if fields is None:
        return json_response(value)
    return json_response(
        response_fields.select(msgspec.to_builtins(value), response_fields.parse(fields))
    )


async def create_customer(request: Request) -> Response:
    sent = await request.json(_decode_customer_input)
    store = request.grant.store
    new = build_new_customer(sent, store=store, now=request.clock.now())
    password = password_to_keep(sent, store)
    if password:
        # Only after validation: argon2 costs tens of milliseconds (off the event loop, as it
        # releases the GIL), and an invalid body should not cost anything.
        password_hash = await asyncio.to_thread(hash_password, password)
        new = msgspec.structs.replace(new, password_hash=password_hash)
    customer_id = await request.storage.create_customer(request.store_id, new)
    return json_response({"id": customer_id})


async def get_customer(request: Request) -> Response:
    customer_id = _customer_id(request)
    customer = None
    if customer_id is not None:
        customer = await request.storage.get_customer(request.store_id, customer_id)
    if customer is None:
        raise errors.customer_not_found(request.params["customerId"])
    return render(customer, request)
