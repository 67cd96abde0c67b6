"""Customer contacts: validation, the contacts Ecwid adds by itself, one default per type.

Rules (spec 5.4, 4.7, Q22, Q36):
- every contact needs ``contact`` and ``type``; ``orderBy`` counts 0, 1, 2... within a type;
- on create a customer always gets an ``EMAIL`` contact for its ``email``, and a ``PHONE``
  contact for its ``primaryPhone`` or, failing that, its billing phone;
- ``primaryPhone`` is the default phone; otherwise a client's explicit default wins;
- a PUT that sends ``contacts`` replaces the list (contacts sent with a known ``id`` keep that
  id and their timestamp); one that changes ``email`` without ``contacts`` moves the default
  ``EMAIL`` contact along;
- at most one default per type (two sent in one list are a 400; a single contact made default
  through the contacts endpoints takes it from the others), and a type that ends up with no
  default gets its lowest-``orderBy`` contact as default.
"""

from __future__ import annotations

import copy

from ecwid_customers import errors
from ecwid_customers.domain.folding import fold
from ecwid_customers.domain.inputs import ContactInput
from ecwid_customers.domain.limits import MAX_CONTACTS
from ecwid_customers.domain.models import Contact, ContactType


def _required(item: ContactInput, where: str) -> tuple[str, ContactType]:
    value = item.contact
    if value is None or not value.strip():
        raise errors.field_absent(f"{where}.contact")
    if item.type is None:
        raise errors.field_absent(f"{where}.type")
    return value, item.type


def _next_order(contacts: list[Contact], kind: str) -> int:
    return max((c.order_by for c in contacts if c.type == kind), default=-1) + 1


def _from_input(
    sent: list[ContactInput], *, timestamp: str, existing: list[Contact] | None = None
) -> list[Contact]:
    """Contacts as sent; a known ``id`` keeps its id and timestamp, anything else is new."""
    known = {contact.id: contact for contact in existing or []}
    contacts: list[Contact] = []
    pending: list[tuple[int, Contact]] = []  # contacts still waiting for an orderBy
    for index, item in enumerate(sent):
        value, kind = _required(item, f"Customer.contacts[{index}]")
        old = known.pop(item.id, None) if item.id else None
        contact = Contact(
            id=old.id if old else 0,
            contact=value,
            handle=item.handle,
            note=item.note,
            type=kind,
            default=bool(item.default),
            order_by=item.order_by if item.order_by is not None else -1,
            timestamp=old.timestamp if old else timestamp,
        )
        contacts.append(contact)
        if item.order_by is None:
            pending.append((index, contact))
    # Unnumbered contacts follow the numbered ones of their type, in the order sent. One pass
    # for the highest number of each type, then one for the pending: linear in the list.
    following: dict[str, int] = {}
    for contact in contacts:
        following[contact.type] = max(following.get(contact.type, 0), contact.order_by + 1)
    for _, contact in pending:
        contact.order_by = following[contact.type]
        following[contact.type] += 1
    _check_one_default_per_type(contacts)
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


def _make_default(contacts: list[Contact], chosen: Contact) -> None:
    for contact in contacts:
        if contact.type == chosen.type:
            contact.default = contact is chosen


def _ensure(
    contacts: list[Contact], kind: ContactType, value: str, *, timestamp: str, make_default: bool
) -> None:
    """Make sure a contact of ``kind`` with ``value`` exists; make it the default if asked."""
    wanted = value.strip().lower()
    same_kind = [contact for contact in contacts if contact.type == kind]
    match = next((c for c in same_kind if c.contact.strip().lower() == wanted), None)
    if match is None:
        match = Contact(
            id=0,
            contact=value,
            type=kind,
            default=False,
            order_by=_next_order(contacts, kind),
            timestamp=timestamp,
        )
        contacts.append(match)
    if make_default or not any(c.default for c in same_kind):
        _make_default(contacts, match)


def settle_defaults(contacts: list[Contact]) -> list[Contact]:
    """Give every type without a default its lowest-``orderBy`` contact as default."""
    by_type: dict[str, list[Contact]] = {}
    for contact in contacts:
        by_type.setdefault(contact.type, []).append(contact)
    for same_kind in by_type.values():
        if not any(contact.default for contact in same_kind):
            min(same_kind, key=lambda contact: contact.order_by).default = True
    return contacts


def _has_text(value: str | None) -> bool:
    return value is not None and bool(value.strip())


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
    _ensure(contacts, "EMAIL", email, timestamp=timestamp, make_default=False)
    if primary_phone is not None and _has_text(primary_phone):
        _ensure(contacts, "PHONE", primary_phone, timestamp=timestamp, make_default=True)
    elif billing_phone:
        _ensure(contacts, "PHONE", billing_phone, timestamp=timestamp, make_default=False)
    return settle_defaults(contacts)


def replace_contacts(
    sent: list[ContactInput],
    *,
    existing: list[Contact],
    primary_phone: str | None,
    timestamp: str,
) -> list[Contact]:
    """A PUT's ``contacts``: the list as sent wins, with no automatic additions (Q22)."""
    contacts = _from_input(sent, timestamp=timestamp, existing=existing)
    if primary_phone is not None and _has_text(primary_phone):
        _ensure(contacts, "PHONE", primary_phone, timestamp=timestamp, make_default=True)
    return settle_defaults(contacts)


def follow_email(
    contacts: list[Contact],
    *,
    old_email: str,
    new_email: str,
    primary_phone: str | None,
    timestamp: str,
) -> list[Contact]:
    """A PUT without ``contacts``: the EMAIL contact of the old address follows the new one."""
    contacts = [copy.copy(contact) for contact in contacts]
    old, new = fold(old_email.strip()), fold(new_email.strip())
    emails = [c for c in contacts if c.type == "EMAIL"]
    if new == old:
        if new_email.strip() == old_email.strip():
            emails = []  # the email did not change: nothing follows
        # Else the same address in another spelling (case, Unicode form): it is respelt.
        for contact in emails:
            if fold(contact.contact.strip()) == old:
                contact.contact = new_email
    else:
        follower = next((c for c in emails if fold(c.contact.strip()) == old), None)
        follower = follower or next((c for c in emails if c.default), None)
        existing = next((c for c in emails if fold(c.contact.strip()) == new), None)
        if existing is not None:
            # The new address is already a contact: it becomes the default, the old one goes.
            if follower is not None and follower is not existing:
                contacts.remove(follower)
            _make_default(contacts, existing)
        elif follower is not None:
            follower.contact = new_email
        else:
            _ensure(contacts, "EMAIL", new_email, timestamp=timestamp, make_default=False)
    if primary_phone is not None and _has_text(primary_phone):
        _ensure(contacts, "PHONE", primary_phone, timestamp=timestamp, make_default=True)
    return settle_defaults(contacts)


# -- the contacts endpoints (spec 4.7) ---------------------------------------------------------


def find_contact(contacts: list[Contact], contact_id: int) -> Contact:
    for contact in contacts:
        if contact.id == contact_id:
            return contact
    raise errors.customer_contact_not_found(contact_id)


def add_contact(contacts: list[Contact], sent: ContactInput, *, timestamp: str) -> list[Contact]:
    """POST a contact: appended as new (id 0); ``default: true`` takes the type's default."""
    value, kind = _required(sent, "CustomerContact")
    if len(contacts) >= MAX_CONTACTS:
        raise errors.wrong_parameter("contacts", f"a customer has at most {MAX_CONTACTS} contacts")
    contacts = [copy.copy(contact) for contact in contacts]
    contact = Contact(
        id=0,
        contact=value,
        handle=sent.handle,
        note=sent.note,
        type=kind,
        default=False,
        order_by=sent.order_by if sent.order_by is not None else _next_order(contacts, kind),
        timestamp=timestamp,
    )
    contacts.append(contact)
    if sent.default:
        _make_default(contacts, contact)
    return settle_defaults(contacts)


def change_contact(contacts: list[Contact], contact_id: int, sent: ContactInput) -> list[Contact]:
    """PUT a contact: the fields sent replace the stored ones."""
    contacts = [copy.copy(contact) for contact in contacts]
    contact = find_contact(contacts, contact_id)
    if sent.contact is not None:
        if not sent.contact.strip():
            raise errors.wrong_parameter("contact", "must not be empty")
        contact.contact = sent.contact
    if sent.type is not None and sent.type != contact.type:
        # A contact moving to another type arrives there last and not as its default.
        contact.type = sent.type
        contact.default = False
        contact.order_by = _next_order([c for c in contacts if c is not contact], sent.type)
    for name in ("handle", "note", "order_by"):
        value = getattr(sent, name)
        if value is not None:
            setattr(contact, name, value)
    if sent.default is True:
        _make_default(contacts, contact)
    elif sent.default is False:
        contact.default = False
    return settle_defaults(contacts)


def remove_contact(contacts: list[Contact], contact_id: int) -> list[Contact]:
    removed = find_contact(contacts, contact_id)
    remaining = [copy.copy(contact) for contact in contacts if contact is not removed]
    return settle_defaults(remaining)
