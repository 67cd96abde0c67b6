"""Customer contact endpoints (spec 4.7): single contacts without rewriting the list."""

from __future__ import annotations

from collections.abc import Callable

import msgspec

from ecwid_customers import errors
from ecwid_customers.domain.clock import format_ecwid_time
from ecwid_customers.domain.contacts import (
    add_contact,
    change_contact,
    find_contact,
    remove_contact,
)
from ecwid_customers.domain.ids import MAX_LONG_ID
from ecwid_customers.domain.inputs import ContactInput
from ecwid_customers.domain.models import Contact, Customer
from ecwid_customers.http.request import Request
from ecwid_customers.http.responses import Response, json_response
from ecwid_customers.http.views.common import (
    DELETED_ONE,
    UPDATED_ONE,
    path_id,
    render,
)
from ecwid_customers.http.views.customers import existing_customer

_decode_contact = msgspec.json.Decoder(ContactInput)


def _contact_id(request: Request) -> int:
    contact_id = path_id(request, "contactId", MAX_LONG_ID)
    if contact_id is None:
        raise errors.customer_contact_not_found(request.params["contactId"])
    return contact_id


# A change of the stored contacts, given the customer's email as stored in the same transaction
# (the contact of that email is kept in step with it, spec 5.4) and the time of the change.
ContactsChange = Callable[[list[Contact], str, str], list[Contact]]


async def _change(request: Request, customer: Customer, change: ContactsChange) -> Customer:
    now = request.clock.now()
    timestamp = format_ecwid_time(now)
    return await request.storage.update_customer(
        request.store_id,
        customer.id,
        lambda stored: msgspec.structs.replace(
            stored, contacts=change(stored.contacts, stored.email, timestamp)
        ),
        now=now,
    )


async def list_contacts(request: Request) -> Response:
    customer = await existing_customer(request)
    return render({"items": customer.contacts}, request)


async def get_contact(request: Request) -> Response:
    customer = await existing_customer(request)
    return render(find_contact(customer.contacts, _contact_id(request)), request)


async def create_contact(request: Request) -> Response:
    sent = await request.json(_decode_contact)  # 415/400 come before 404 (spec 2.4)
    customer = await existing_customer(request)
    seen: set[int] = set()

    def add(contacts: list[Contact], email: str, timestamp: str) -> list[Contact]:
        seen.update(contact.id for contact in contacts)
        return add_contact(contacts, sent, email=email, timestamp=timestamp)

    saved = await _change(request, customer, add)
    new_id = next(contact.id for contact in saved.contacts if contact.id not in seen)
    # The documented body is {"createCount": 1}; the id is added so callers can use it (Q12).
    return json_response({"createCount": 1, "id": new_id})


async def update_contact(request: Request) -> Response:
    sent = await request.json(_decode_contact)  # 415/400 come before 404 (spec 2.4)
    customer = await existing_customer(request)
    contact_id = _contact_id(request)
    await _change(
        request,
        customer,
        lambda contacts, email, timestamp: change_contact(
            contacts, contact_id, sent, email=email, timestamp=timestamp
        ),
    )
    return json_response(UPDATED_ONE)


async def delete_contact(request: Request) -> Response:
    customer = await existing_customer(request)
    contact_id = _contact_id(request)
    await _change(
        request,
        customer,
        lambda contacts, email, timestamp: remove_contact(
            contacts, contact_id, email=email, timestamp=timestamp
        ),
    )
    return json_response(DELETED_ONE)
