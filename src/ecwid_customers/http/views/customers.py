"""Customer endpoints (spec 4.1-4.6): parse, call the domain and storage, render."""

from __future__ import annotations

import asyncio

import msgspec

from ecwid_customers import errors
from ecwid_customers.domain.create import Definitions, build_new_customer, password_to_keep
from ecwid_customers.domain.inputs import CustomerInput, CustomerListSizes
from ecwid_customers.domain.models import Customer
from ecwid_customers.domain.passwords import hash_password
from ecwid_customers.domain.search import parse_customer_query, parse_page, parse_time
from ecwid_customers.domain.update import apply_update
from ecwid_customers.http.request import Request
from ecwid_customers.http.responses import Response, json_response
from ecwid_customers.http.views.common import (
    DELETED_ONE,
    UPDATED_ONE,
    page_envelope,
    path_id,
    render,
)
from ecwid_customers.storage.errors import CustomerNotFound

# Ecwid keeps deletion records for six months (spec 4.6).
DELETED_HISTORY_SECONDS = 183 * 24 * 3600

_decode_customer_input = msgspec.json.Decoder(CustomerInput)
_decode_list_sizes = msgspec.json.Decoder(CustomerListSizes)


async def _hashed_password(request: Request, sent: CustomerInput) -> str | None:
    password = password_to_keep(sent, request.grant.store)
    if not password:
        return None
    # argon2 costs tens of milliseconds and releases the GIL: hash off the event loop.
    return await asyncio.to_thread(hash_password, password)


async def _definitions(request: Request, sent: CustomerInput) -> Definitions:
    """The store's extra-field definitions, read only when the body has extra-field values."""
    if not sent.extrafields:
        return {}
    fields = await request.storage.list_extra_fields(request.store_id)
    return {definition.key: definition for definition in fields}


async def existing_customer(request: Request) -> Customer:
    """The customer the path names, or 404."""
    customer_id = path_id(request, "customerId")
    customer = None
    if customer_id is not None:
        customer = await request.storage.get_customer(request.store_id, customer_id)
    if customer is None:
        raise errors.customer_not_found(request.params["customerId"])
    return customer


async def create_customer(request: Request) -> Response:
    sent = await request.json(_decode_customer_input, _decode_list_sizes)
    now = request.clock.now()
    draft = build_new_customer(
        sent, store=request.grant.store, now=now, definitions=await _definitions(request, sent)
    )
    # Hash only after validation, so an invalid body costs nothing.
    password_hash = await _hashed_password(request, sent)
    if password_hash is not None:
        draft = msgspec.structs.replace(draft, password_hash=password_hash)
    customer_id = await request.storage.create_customer(request.store_id, draft, now=now)
    return json_response({"id": customer_id})


async def get_customer(request: Request) -> Response:
    if request.query("responseFields"):  # a cut-down answer is made from the customer
        return render(await existing_customer(request), request)
    customer_id = path_id(request, "customerId")
    body = None
    if customer_id is not None:
        body = await request.storage.get_customer_json(request.store_id, customer_id)
    if body is None:
        raise errors.customer_not_found(request.params["customerId"])
    # The storage's JSON is the encoding render() would make: sent as it is.
    return Response(200, body)


async def search_customers(request: Request) -> Response:
    query = parse_customer_query(request.query)
    page = await request.storage.search_customers(request.store_id, query)
    for customer in page.items:
        # Search items carry it, single reads do not (Q35); it follows the order-history
        # stand-in, as stats.numberOfOrders does.
        customer.total_order_count = customer.stats.number_of_orders
    envelope = page_envelope(page.total, query.page, page.items)
    envelope["allCustomerCount"] = page.all_customers
    return render(envelope, request)


async def update_customer(request: Request) -> Response:
    sent = await request.json(_decode_customer_input, _decode_list_sizes)  # 415/400 before 404
    customer_id = path_id(request, "customerId")
    if customer_id is None:
        raise errors.customer_not_found(request.params["customerId"])
    store = request.grant.store
    now = request.clock.now()
    definitions = await _definitions(request, sent)
    replace_billing_person = request.settings.replace_billing_person

    def change(stored: Customer) -> Customer:
        return apply_update(
            stored,
            sent,
            store=store,
            now=now,
            definitions=definitions,
            replace_billing_person=replace_billing_person,
        )

    password_hash = None
    if password_to_keep(sent, store):
        change(await existing_customer(request))  # 404, then validation, before argon2
        password_hash = await _hashed_password(request, sent)
    try:
        # The write reads the customer under its lock (and says when there is none): no
        # read of it beforehand.
        await request.storage.update_customer(
            request.store_id, customer_id, change, now=now, password_hash=password_hash
        )
    except CustomerNotFound:
        raise errors.customer_not_found(request.params["customerId"]) from None
    return json_response(UPDATED_ONE)


async def delete_customer(request: Request) -> Response:
    customer_id = path_id(request, "customerId")
    deleted = customer_id is not None and await request.storage.delete_customer(
        request.store_id, customer_id, now=request.clock.now()
    )
    if not deleted:
        raise errors.customer_not_found(request.params["customerId"])
    return json_response(DELETED_ONE)


async def deleted_customers(request: Request) -> Response:
    page = parse_page(request.query)
    oldest_kept = request.clock.now() - DELETED_HISTORY_SECONDS
    since = max(parse_time("from_date", request.query("from_date")) or 0, oldest_kept)
    until = parse_time("to_date", request.query("to_date"))
    found = await request.storage.deleted_customers(
        request.store_id, since=since, until=until, page=page
    )
    return render(page_envelope(found.total, page, found.items), request)
