"""Customer contacts: validation, the contacts Ecwid adds by itself, one default per type.

Rules (spec 5.4, Q22, Q36):
- every contact needs ``contact`` and ``type``; ``orderBy`` counts 0, 1, 2... within a type;
- a customer always has an ``EMAIL`` contact for its ``email``, and a ``PHONE`` contact for its
  ``primaryPhone`` or, failing that, its billing phone;
- ``primaryPhone`` is the default phone; otherwise a client's explicit default wins;
- at most one default per type (two sent defaults of one type are a 400), and a type that ends
  up with no default gets its lowest-``orderBy`` contact as default.
"""

from __future__ import annotations

from ecwid_customers import errors
from ecwid_customers.domain.inputs import ContactInput
from ecwid_customers.domain.models import Contact, ContactType


def _from_input(sent: list[ContactInput], *, timestamp: str) -> list[Contact]:
    contacts: list[Contact] = []
    next_order: dict[str, int] = {}
    for item in sent:
        if item.type is not None and item.order_by is not None:
            next_order[item.type] = max(next_order.get(item.type, 0), item.order_by + 1)
    for index, item in enumerate(sent):
        value = item.contact
        if value is None or not value.strip():
            raise errors.field_absent(f"Customer.contacts[{index}].contact")
        if item.type is None:
            raise errors.field_absent(f"Customer.contacts[{index}].type")
        order_by = item.order_by
        if order_by is None:
            order_by = next_order.get(item.type, 0)
            next_order[item.type] = order_by + 1
        contacts.append(
            Contact(
                id=0,
                contact=value,
                handle=item.handle,
                note=item.note,
                type=item.type,
                default=bool(item.default),
                order_by=order_by,
                timestamp=timestamp,
            )
        )
    return contacts


def _check_one_default_per_type(contacts: list[Contact]) -> None:
    seen: set[str] = set()
    for contact in contacts:
        if not contact.default:
            continue
        if contact.type in seen:
            raise errors.wrong_parameter(
                "contacts", f"only one {contact.type} contact can be default"
            )
        seen.add(contact.type)


def _ensure(
    contacts: list[Contact], kind: ContactType, value: str, *, timestamp: str, make_default: bool
) -> None:
    """Make sure a contact of ``kind`` with ``value`` exists; make it the default if asked."""
    wanted = value.strip().casefold()
    same_kind = [contact for contact in contacts if contact.type == kind]
    match = next((c for c in same_kind if c.contact.strip().casefold() == wanted), None)
    if match is None:
        match = Contact(
            id=0,
            contact=value,
            type=kind,
            default=False,
            order_by=max((c.order_by for c in same_kind), default=-1) + 1,
            timestamp=timestamp,
        )
        contacts.append(match)
    if make_default or not any(c.default for c in same_kind):
        for contact in same_kind:
            contact.default = False
        match.default = True


def _default_lowest_order_per_type(contacts: list[Contact]) -> None:
    by_type: dict[str, list[Contact]] = {}
    for contact in contacts:
        by_type.setdefault(contact.type, []).append(contact)
    for same_kind in by_type.values():
        if not any(contact.default for contact in same_kind):
            min(same_kind, key=lambda contact: contact.order_by).default = True


def build_contacts(
    sent: list[ContactInput] | None,
    *,
    email: str,
    primary_phone: str | None,
    billing_phone: str | None,
    timestamp: str,
) -> list[Contact]:
    """The contact list of a new customer, with id 0 placeholders."""
    contacts = _from_input(sent or [], timestamp=timestamp)
    _check_one_default_per_type(contacts)
    _ensure(contacts, "EMAIL", email, timestamp=timestamp, make_default=False)
    if primary_phone and primary_phone.strip():
        _ensure(contacts, "PHONE", primary_phone, timestamp=timestamp, make_default=True)
    elif billing_phone:
        _ensure(contacts, "PHONE", billing_phone, timestamp=timestamp, make_default=False)
    _default_lowest_order_per_type(contacts)
    return contacts
