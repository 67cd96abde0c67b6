"""Billing person and address book: validation and the fields Ecwid derives (spec 5.2, 5.3)."""

from __future__ import annotations

from typing import TypeVar

import msgspec

from ecwid_customers import errors
from ecwid_customers.domain import geo
from ecwid_customers.domain.inputs import BillingPersonInput, ShippingAddressInput
from ecwid_customers.domain.models import BillingPerson, ShippingAddress

MAX_NAME_LENGTH = 255
# Sorts after any stored id (ids are at most 2^63 - 1).
NEW_ID_LAST = 2**63

_NO_BILLING_PERSON = BillingPerson()  # compared with, never handed out

AddressInput = TypeVar("AddressInput", BillingPersonInput, ShippingAddressInput)


def without_blanks(sent: AddressInput) -> AddressInput:
    """Blank strings count as not sent: Ecwid leaves empty keys out of addresses (spec 5.2)."""
    values = msgspec.structs.astuple(sent)
    for value in values:  # nearly every address has nothing to change: one quick look
        if value.__class__ is str and (not value or value[0].isspace() or value[-1].isspace()):
            break
    else:
        return sent
    changes: dict[str, str | None] = {}
    for name, value in zip(sent.__struct_fields__, values, strict=True):
        if value.__class__ is str and (not value or value[0].isspace() or value[-1].isspace()):
            stripped = value.strip()
            if not stripped:
                changes[name] = None
            elif name == "name":
                changes[name] = stripped  # so that name, firstName and lastName agree
    return msgspec.structs.replace(sent, **changes) if changes else sent


def split_name(name: str | None) -> tuple[str | None, str | None]:
    """``firstName``/``lastName``: first word and the rest; neither for a single word (Q10)."""
    if not name:
        return None, None
    words = name.split()
    if len(words) < 2:
        return None, None
    return words[0], " ".join(words[1:])


def _address_fields(sent: BillingPersonInput, field: str) -> dict[str, str | None]:
    """The fields billing and shipping addresses share, blanks dropped and places checked.

    Country and state codes are checked against ISO 3166 and their names filled in; a name the
    client sent is kept only when there is no code to derive it from.
    """
    sent = without_blanks(sent)
    if sent.name is not None and len(sent.name) > MAX_NAME_LENGTH:
        # Names are indexed for search and sorting; no real name comes near this.
        raise errors.wrong_parameter(f"{field}.name", f"longer than {MAX_NAME_LENGTH} characters")
    country_code, country_name = sent.country_code, sent.country_name
    state_code, state_name = sent.state_or_province_code, sent.state_or_province_name
    if country_code is not None:
        try:
            country_code = geo.normalise_country_code(country_code)
        except geo.UnknownCountry:
            raise errors.wrong_parameter(
                f"{field}.countryCode", "expected an ISO 3166-1 alpha-2 country code"
            ) from None
        country_name = geo.country_name(country_code)
        if state_code is not None:
            try:
                state_code, derived = geo.resolve_state(country_code, state_code)
            except geo.UnknownSubdivision:
                raise errors.wrong_parameter(
                    f"{field}.stateOrProvinceCode", f"not a state or province of {country_code}"
                ) from None
            state_name = derived or state_name
    return {
        "name": sent.name,
        "company_name": sent.company_name,
        "street": sent.street,
        "city": sent.city,
        "country_code": country_code,
        "country_name": country_name,
        "postal_code": sent.postal_code,
        "state_or_province_code": state_code,
        "state_or_province_name": state_name,
        "phone": sent.phone,
    }


def build_billing_person(sent: BillingPersonInput | None) -> BillingPerson | None:
    if sent is None:
        return None
    fields = _address_fields(sent, "billingPerson")
    first_name, last_name = split_name(fields["name"])
    person = BillingPerson(first_name=first_name, last_name=last_name, **fields)
    # An object with nothing in it is left out of the customer, as Ecwid does.
    return person if person != _NO_BILLING_PERSON else None


def format_address(address: ShippingAddress) -> str:
    """One display line: ``street, city, postalCode state, country`` without empty parts (Q11)."""
    street = address.street
    # One printable line without outer spaces (the usual street) is its own display form;
    # line breaks of any kind are not printable.
    if street and not (street.isprintable() and street == street.strip()):
        street = ", ".join(line.strip() for line in street.splitlines() if line.strip())
    state = address.state_or_province_name or address.state_or_province_code
    postal_code = address.postal_code
    postal_and_state = f"{postal_code} {state}" if postal_code and state else postal_code or state
    parts = (street, address.city, postal_and_state, address.country_name)
    return ", ".join([part for part in parts if part])


def merged(stored: BillingPerson | ShippingAddress | None, sent: AddressInput) -> AddressInput:
    """``sent`` laid over what is stored, field by field (spec Q9): keys sent overwrite, keys
    left out keep their value.

    Names derived from codes go with their codes: a code sent (even ``""``) without its name
    drops the stored name, and a new country sent without a state drops the old state.
    """
    if stored is None:
        return sent
    kind = type(sent)
    values = {}
    for name in kind.__struct_fields__:
        value = getattr(sent, name)
        values[name] = value if value is not None else getattr(stored, name, None)
    for code, derived in (
        ("country_code", "country_name"),
        ("state_or_province_code", "state_or_province_name"),
    ):
        if getattr(sent, code) is not None and getattr(sent, derived) is None:
            values[derived] = None
    new_country = (sent.country_code or "").strip().upper()
    changed_country = sent.country_code is not None and new_country != stored.country_code
    if changed_country and sent.state_or_province_code is None:
        values["state_or_province_code"] = values["state_or_province_name"] = None
    return kind(**values)


def build_shipping_addresses(
    sent: list[ShippingAddressInput] | None,
    *,
    created_date: str,
    existing: list[ShippingAddress] | None = None,
) -> list[ShippingAddress]:
    """The address book in ``orderBy`` order; new addresses carry id 0 placeholders.

    An item whose ``id`` names an ``existing`` address updates it in place (same id and
    ``createdDate``, fields merged); other items are new; existing addresses not sent are gone.
    Exactly one address is the default: the one the client marked, else the one that was,
    else the first.
    """
    if not sent:
        return []
    if sum(1 for item in sent if item.default_address) > 1:
        raise errors.wrong_parameter(
            "shippingAddresses", "only one address can have defaultAddress: true"
        )
    someone_marked = any(item.default_address for item in sent)
    known = {address.id: address for address in existing or []}
    addresses = []
    for index, item in enumerate(sent):
        old = known.pop(item.id, None) if item.id else None
        marked, order_by = item.default_address, item.order_by
        item = merged(old, item)
        if marked is None:
            # Unmarked: an updated address stays default unless another one was marked.
            item.default_address = bool(old and old.default_address and not someone_marked)
        address = ShippingAddress(
            id=old.id if old else 0,
            **_address_fields(item, f"shippingAddresses[{index}]"),
            note=item.note if item.note and item.note.strip() else None,
            address_formatted="",
            created_date=old.created_date if old else created_date,
            default_address=bool(item.default_address),
            # The position in the list sent, unless the client numbered it (spec 5.3).
            order_by=order_by if order_by is not None else index,
        )
        address.address_formatted = format_address(address)
        addresses.append(address)
    # Ecwid's own order is unstable; a stable one serves tests better (spec 5.3, Q30): by
    # orderBy, then by id. New addresses (id 0 here) get their ids in the order sent, after
    # every existing one, so among them the order sent is the id order.
    addresses.sort(key=lambda address: (address.order_by, address.id or NEW_ID_LAST))
    if not any(address.default_address for address in addresses):
        addresses[0].default_address = True
    return addresses
