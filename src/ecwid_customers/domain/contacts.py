"""Customer contacts: validation, the contacts Ecwid adds by itself, the rules of spec 5.4.

Rules (spec 5.4, 4.7, Q22, Q36), kept by every route that changes contacts:
- every contact needs ``contact`` and ``type``; ``orderBy`` counts 0, 1, 2... within a type;
- a customer has exactly one ``EMAIL`` contact equal to its ``email`` (its *own* email contact),
  spelt exactly as the email and always the default ``EMAIL`` contact. It follows every email
  change, one of case included; it is not deleted, retyped or given another address through
  the contacts endpoints (400): the customer's email is changed with ``PUT /customers/{id}``;
- on create a ``PHONE`` contact is added for ``primaryPhone`` or, failing that, the billing
  phone; ``primaryPhone`` is always the default phone;
- a PUT that sends ``contacts`` replaces the list (contacts sent with a known ``id`` keep that id
  and their timestamp), except that the own email contact stays: the one sent, else the one of
  the old address when the PUT changes the email, else the stored one;
- at most one default per type: two sent in one list are a 400; one made default through the
  contacts endpoints takes it from the others;
- every type keeps a default (Q36): when none is left, the lowest-``orderBy`` contact of the type
  becomes it. A ``default`` the client sent is kept as sent: ``false`` on a contact that would
  then have to be the default anyway (the only one of its type that may be) is a 400, never
  silently turned into ``true``.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

from ecwid_customers import errors
from ecwid_customers.domain.folding import fold
from ecwid_customers.domain.inputs import ContactInput
from ecwid_customers.domain.limits import MAX_CONTACTS
from ecwid_customers.domain.models import Contact, ContactType


@dataclass(frozen=True, slots=True)
class _Sent:
    """What the client said about a contact in this request: where it is in the body (for
    error messages) and the ``default`` it sent, if any."""

    where: str  # "" for the contacts endpoints, "contacts[2]." for a list
    default: bool | None


# Keyed by ``id()`` of the contact object: contacts are copied once per change and never
# replaced afterwards, and msgspec structs are not hashable.
_SentContacts = dict[int, _Sent]


def _required(item: ContactInput, where: str) -> tuple[str, ContactType]:
    value = item.contact
    if value is None or not value.strip():
        raise errors.field_absent(f"{where}.contact")
    if item.type is None:
        raise errors.field_absent(f"{where}.type")
    return value, item.type


def _next_order(contacts: list[Contact], kind: str) -> int:
    return max((c.order_by for c in contacts if c.type == kind), default=-1) + 1


def _key(value: str) -> str:
    return fold(value.strip())


def _is_email_of(contact: Contact, email: str) -> bool:
    return contact.type == "EMAIL" and _key(contact.contact) == _key(email)


def _from_input(
    sent: list[ContactInput], *, timestamp: str, existing: list[Contact] | None = None
) -> tuple[list[Contact], _SentContacts]:
    """Contacts as sent; a known ``id`` keeps its id and timestamp, anything else is new."""
    known = {contact.id: contact for contact in existing or []}
    contacts: list[Contact] = []
    told: _SentContacts = {}
    pending: list[Contact] = []  # contacts still waiting for an orderBy
    for index, item in enumerate(sent):
        value, kind = _required(item, f"Customer.contacts[{index}]")
        old = known.pop(item.id, None) if item.id else None
        contact = Contact(
            id=old.id if old else 0,
            contact=value,
            handle=item.handle,
            note=item.note,
            type=kind,
            default=item.default is True,
            order_by=item.order_by if item.order_by is not None else -1,
            timestamp=old.timestamp if old else timestamp,
        )
        contacts.append(contact)
        told[id(contact)] = _Sent(f"contacts[{index}].", item.default)
        if item.order_by is None:
            pending.append(contact)
    # Unnumbered contacts follow the numbered ones of their type, in the order sent. One pass
    # for the highest number of each type, then one for the pending: linear in the list.
    following: dict[str, int] = {}
    for contact in contacts:
        following[contact.type] = max(following.get(contact.type, 0), contact.order_by + 1)
    for contact in pending:
        contact.order_by = following[contact.type]
        following[contact.type] += 1
    _check_one_default_per_type(contacts, told)
    return contacts, told


def _check_one_default_per_type(contacts: list[Contact], told: _SentContacts) -> None:
    seen: set[str] = set()
    for contact in contacts:
        if not contact.default:
            continue
        if contact.type in seen:
            raise errors.wrong_parameter(
                f"{told[id(contact)].where}default",
                f"only one {contact.type} contact can be default",
            )
        seen.add(contact.type)


def _make_default(contacts: list[Contact], chosen: Contact) -> None:
    for contact in contacts:
        if contact.type == chosen.type:
            contact.default = contact is chosen


def _ensure(
    contacts: list[Contact], kind: ContactType, value: str, *, timestamp: str, make_default: bool
) -> Contact:
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
    return match


def _primary_phone(
    contacts: list[Contact], told: _SentContacts, primary_phone: str | None, *, timestamp: str
) -> None:
    """``primaryPhone`` is the default phone, whatever the body said of other phones."""
    if primary_phone is None or not primary_phone.strip():
        return
    chosen = _ensure(contacts, "PHONE", primary_phone, timestamp=timestamp, make_default=True)
    for contact in contacts:
        if contact.type == "PHONE" and id(contact) in told:
            told[id(contact)] = _Sent(told[id(contact)].where, contact is chosen or None)


def _new_email_contact(contacts: list[Contact], email: str, timestamp: str) -> Contact:
    """The customer's own EMAIL contact, when the list has none: the default, last in order."""
    return Contact(
        id=0,
        contact=email,
        type="EMAIL",
        default=True,
        order_by=_next_order(contacts, "EMAIL"),
        timestamp=timestamp,
    )


def _first_default(own: list[Contact]) -> Contact | None:
    """Data stored before these rules may hold the address twice (or in two spellings): the
    default one is the own one then."""
    return next((contact for contact in own if contact.default), own[0] if own else None)


def _own_of(contacts: list[Contact], email: str) -> Contact | None:
    """The own email contact."""
    return _first_default(_own_emails(contacts, email))


def _own_emails(contacts: list[Contact], email: str) -> list[Contact]:
    """The EMAIL contacts of ``email`` (one, but for data stored before these rules)."""
    key = _key(email)
    return [c for c in contacts if c.type == "EMAIL" and _key(c.contact) == key]


def _check_email_sent_once(own: list[Contact], told: _SentContacts) -> None:
    """400 when the request makes a second EMAIL contact of the customer's email."""
    if len(own) > 1:
        sent = [contact for contact in own if id(contact) in told]
        if sent:
            raise errors.wrong_parameter(
                f"{told[id(sent[-1])].where}contact",
                "the customer's email is already one of its EMAIL contacts",
            )


def _sent_default(told: _SentContacts, contact: Contact) -> bool | None:
    sent = told.get(id(contact))
    return None if sent is None else sent.default


def _settle_email(contacts: list[Contact], own: Contact, told: _SentContacts) -> None:
    """The own email contact is the default EMAIL; the client cannot say otherwise."""
    for contact in contacts:
        if contact.type != "EMAIL":
            continue
        sent = told.get(id(contact))
        if sent is not None:
            if contact is own and sent.default is False:
                raise errors.wrong_parameter(
                    f"{sent.where}default", "the customer's own email contact is the default EMAIL"
                )
            if contact is not own and sent.default is True:
                raise errors.wrong_parameter(
                    f"{sent.where}default",
                    "only the contact of the customer's email can be the default EMAIL",
                )
        contact.default = contact is own


def _settle_kind(
    contacts: list[Contact], kind: str, same_kind: list[Contact], told: _SentContacts
) -> None:
    """One default for the contacts of ``kind`` (not EMAIL): the one sent as default, else
    the one that was, else the first in order that the client did not send as non-default."""
    sent = [_sent_default(told, contact) for contact in same_kind]
    if True in sent:
        _make_default(contacts, same_kind[sent.index(True)])
        return
    for contact, default in zip(same_kind, sent, strict=True):
        if default is False:
            contact.default = False
    if any(contact.default for contact in same_kind):
        return
    free = [c for c, default in zip(same_kind, sent, strict=True) if default is not False]
    if not free:
        where = told[id(same_kind[0])].where
        raise errors.wrong_parameter(
            f"{where}default",
            f"one of a customer's {kind} contacts is the default, and no other can be",
        )
    min(free, key=lambda contact: contact.order_by).default = True


def _settle(
    contacts: list[Contact], *, email: str, told: _SentContacts, timestamp: str
) -> list[Contact]:
    """Apply spec 5.4 to ``contacts`` as the request left them (400 where it cannot)."""
    own_emails = _own_emails(contacts, email)
    _check_email_sent_once(own_emails, told)
    own = _first_default(own_emails)
    if own is None:
        own = _new_email_contact(contacts, email, timestamp)
        contacts.append(own)
    own.contact = email  # the same address, spelt as the customer's email now is (Q22)
    _settle_email(contacts, own, told)
    by_type: dict[str, list[Contact]] = {}
    for contact in contacts:
        if contact.type != "EMAIL":
            by_type.setdefault(contact.type, []).append(contact)
    for kind, same_kind in by_type.items():
        _settle_kind(contacts, kind, same_kind, told)
    return contacts


def _settled(contacts: list[Contact], email: str) -> bool:
    """Whether :func:`_settle`, told nothing, would leave ``contacts`` as they are: the one
    default EMAIL contact is ``email`` as spelt, and every other type has a default."""
    own = False
    defaults: set[str] = set()
    types: set[str] = set()
    for contact in contacts:
        if contact.type == "EMAIL":
            if contact.default:
                if own or contact.contact != email:
                    return False
                own = True
            continue
        types.add(contact.type)
        if contact.default:
            defaults.add(contact.type)
    return own and types == defaults


def build_contacts(
    sent: list[ContactInput] | None,
    *,
    email: str,
    primary_phone: str | None,
    billing_phone: str | None,
    timestamp: str,
) -> list[Contact]:
    """The contact list of a new customer, with id 0 placeholders."""
    contacts, told = _from_input(sent or [], timestamp=timestamp)
    if _own_of(contacts, email) is None:  # added before the phones, as Ecwid's examples list it
        contacts.append(_new_email_contact(contacts, email, timestamp))
    if primary_phone is not None and primary_phone.strip():
        _primary_phone(contacts, told, primary_phone, timestamp=timestamp)
    elif billing_phone:
        _ensure(contacts, "PHONE", billing_phone, timestamp=timestamp, make_default=False)
    return _settle(contacts, email=email, told=told, timestamp=timestamp)


def replace_contacts(
    sent: list[ContactInput],
    *,
    existing: list[Contact],
    old_email: str,
    new_email: str,
    primary_phone: str | None,
    timestamp: str,
) -> list[Contact]:
    """A PUT's ``contacts``: the list as sent wins (Q22), but for the own email contact."""
    contacts, told = _from_input(sent, timestamp=timestamp, existing=existing)
    if not any(_is_email_of(contact, new_email) for contact in contacts):
        # The list leaves the own email contact out: the one of the old address follows the
        # new one (a client that read the customer, changed the email and sent everything
        # back), else the stored one is kept, with its id when the list did not reuse that.
        follower = next(
            (
                c
                for c in contacts
                if _is_email_of(c, old_email) and _sent_default(told, c) is not False
            ),
            None,
        )
        if follower is not None:
            follower.contact = new_email
        else:
            stored = next((c for c in existing if _is_email_of(c, old_email)), None)
            if stored is not None:
                kept = copy.copy(stored)
                if any(contact.id == kept.id for contact in contacts):
                    kept.id, kept.timestamp = 0, timestamp  # the list gave its id to another
                kept.contact = new_email
                if any(c.type == "EMAIL" and c.order_by == kept.order_by for c in contacts):
                    kept.order_by = _next_order(contacts, "EMAIL")
                contacts.append(kept)
    _primary_phone(contacts, told, primary_phone, timestamp=timestamp)
    return _settle(contacts, email=new_email, told=told, timestamp=timestamp)


def follow_email(
    contacts: list[Contact],
    *,
    old_email: str,
    new_email: str,
    primary_phone: str | None,
    timestamp: str,
) -> list[Contact]:
    """A PUT without ``contacts``: the EMAIL contact of the old address follows the new one."""
    unchanged = new_email == old_email and not (primary_phone and primary_phone.strip())
    if unchanged and _settled(contacts, new_email):
        return list(contacts)  # most PUTs: what _settle would leave as it is
    contacts = [copy.copy(contact) for contact in contacts]
    told: _SentContacts = {}
    if _key(new_email) != _key(old_email):
        emails = [c for c in contacts if c.type == "EMAIL"]
        follower = next((c for c in emails if _is_email_of(c, old_email)), None)
        follower = follower or next((c for c in emails if c.default), None)
        existing = next((c for c in emails if _is_email_of(c, new_email)), None)
        if existing is not None:
            # The new address is already a contact: it becomes the own one, the old one goes.
            if follower is not None and follower is not existing:
                contacts.remove(follower)
        elif follower is not None:
            follower.contact = new_email
    # Else the same address, perhaps in another spelling: _settle respells its contact.
    _primary_phone(contacts, told, primary_phone, timestamp=timestamp)
    return _settle(contacts, email=new_email, told=told, timestamp=timestamp)


# -- the contacts endpoints (spec 4.7) ---------------------------------------------------------


def find_contact(contacts: list[Contact], contact_id: int) -> Contact:
    for contact in contacts:
        if contact.id == contact_id:
            return contact
    raise errors.customer_contact_not_found(contact_id)


def add_contact(
    contacts: list[Contact], sent: ContactInput, *, email: str, timestamp: str
) -> list[Contact]:
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
    return _settle(
        contacts, email=email, told={id(contact): _Sent("", sent.default)}, timestamp=timestamp
    )


def change_contact(
    contacts: list[Contact], contact_id: int, sent: ContactInput, *, email: str, timestamp: str
) -> list[Contact]:
    """PUT a contact: the fields sent replace the stored ones."""
    contacts = [copy.copy(contact) for contact in contacts]
    contact = find_contact(contacts, contact_id)
    own = contact is _own_of(contacts, email)
    if sent.contact is not None:
        if not sent.contact.strip():
            raise errors.wrong_parameter("contact", "must not be empty")
        if own and sent.contact != email:
            raise errors.wrong_parameter(
                "contact",
                "the contact of the customer's email follows the email; "
                "change the email with PUT /customers/{customerId}",
            )
        contact.contact = sent.contact
    if sent.type is not None and sent.type != contact.type:
        if own:
            raise errors.wrong_parameter(
                "type", "the contact of the customer's email stays an EMAIL contact"
            )
        # A contact moving to another type arrives there last and not as its default.
        contact.type = sent.type
        contact.default = False
        contact.order_by = _next_order([c for c in contacts if c is not contact], sent.type)
    for name in ("handle", "note", "order_by"):
        value = getattr(sent, name)
        if value is not None:
            setattr(contact, name, value)
    return _settle(
        contacts, email=email, told={id(contact): _Sent("", sent.default)}, timestamp=timestamp
    )


def remove_contact(
    contacts: list[Contact], contact_id: int, *, email: str, timestamp: str
) -> list[Contact]:
    removed = find_contact(contacts, contact_id)
    if removed is _own_of(contacts, email):
        raise errors.email_contact_cannot_be_deleted()
    remaining = [copy.copy(contact) for contact in contacts if contact is not removed]
    return _settle(remaining, email=email, told={}, timestamp=timestamp)
