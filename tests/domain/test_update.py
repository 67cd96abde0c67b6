"""apply_update (spec 4.4): a PUT body laid over a stored customer, without HTTP or storage."""

from __future__ import annotations

import copy
from typing import Any

import msgspec
import pytest

from ecwid_customers.domain.clock import format_ecwid_time
from ecwid_customers.domain.create import assign_ids, build_new_customer
from ecwid_customers.domain.inputs import (
    BillingPersonInput,
    ContactInput,
    CustomerInput,
    ExtraFieldInput,
    ShippingAddressInput,
)
from ecwid_customers.domain.models import Contact, Customer, Store
from ecwid_customers.domain.update import apply_update
from ecwid_customers.errors import EcwidError

STORE = Store(id=1003, languages=("en", "fr"))
CREATED = 1_704_067_200  # 2024-01-01 00:00:00 UTC
LATER = CREATED + 3600


def stored(sent: CustomerInput | None = None) -> Customer:
    """A customer as storage would hold it: built by the create rules, then numbered."""
    body = sent or CustomerInput(
        email="ann@example.net",
        billing_person=BillingPersonInput(
            name="Ann Smith",
            company_name="Smith & Daughters",
            city="New York",
            country_code="US",
            state_or_province_code="NY",
            phone="+12125550100",
        ),
        shipping_addresses=[
            ShippingAddressInput(city="Tbilisi", country_code="GE", street="5 Harbour Road"),
            ShippingAddressInput(city="Toronto", country_code="CA", default_address=True),
        ],
        contacts=[
            ContactInput(contact="@ann", type="TELEGRAM", note="evenings"),
            ContactInput(contact="ann.work@example.net", type="EMAIL"),
        ],
        tax_id="IT1",
        tax_id_valid=False,
        tax_exempt=True,
        b2b_b2c="b2b",
        accept_marketing=True,
        lang="fr",
        private_admin_notes="notes",
        fiscal_code="FC",
        electronic_invoice_pec_email="pec@example.it",
        electronic_invoice_sdi_code="SDI",
        extrafields=[ExtraFieldInput(key="k1", title="T", value="v", type="TEXT")],
    )
    draft = build_new_customer(body, store=STORE, now=CREATED)
    return assign_ids(draft.customer, customer_id=7, first_contact_id=100, first_address_id=200)


def update(current: Customer, **sent: Any) -> Customer:
    return apply_update(current, CustomerInput(**sent), store=STORE, now=LATER)


def without(customer: Customer, *names: str) -> dict[str, Any]:
    values: dict[str, Any] = msgspec.structs.asdict(customer)
    for name in ("updated", *names):
        values.pop(name)
    return values


def contacts_of(customer: Customer) -> list[tuple[int, str, str, bool]]:
    return [(c.id, c.type, c.contact, c.default) for c in customer.contacts]


def emails_of(customer: Customer) -> list[Contact]:
    return [c for c in customer.contacts if c.type == "EMAIL"]


# -- top level -----------------------------------------------------------------------------


def test_empty_update_only_moves_updated() -> None:
    current = stored()
    changed = update(current)
    assert changed.updated == format_ecwid_time(LATER)
    assert changed.registered == current.registered == format_ecwid_time(CREATED)
    assert without(changed) == without(current)


def test_input_customer_is_not_mutated() -> None:
    """The view runs apply_update twice when a password is sent; the first run must not leak."""
    current = stored()
    snapshot = copy.deepcopy(current)
    update(
        current,
        email="new@example.net",
        billing_person=BillingPersonInput(name="X Y", country_code="FR"),
        shipping_addresses=[
            ShippingAddressInput(id=current.shipping_addresses[0].id, default_address=True)
        ],
        primary_phone="+1",
    )
    update(current, contacts=[ContactInput(contact="+2", type="PHONE", default=True)])
    assert current == snapshot


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("tax_id", "DE9"),
        ("tax_id", ""),
        ("tax_id_valid", True),
        ("tax_exempt", False),
        ("b2b_b2c", "b2c"),
        ("accept_marketing", False),
        ("lang", "en"),
        ("private_admin_notes", ""),
        ("private_admin_notes", "other"),
        ("fiscal_code", "FC2"),
        ("electronic_invoice_pec_email", "x@pec.example.it"),
        ("electronic_invoice_sdi_code", "SDI2"),
        ("customer_group_id", 5),
    ],
)
def test_each_scalar_sent_replaces_only_itself(field: str, value: Any) -> None:
    current = stored()
    assert getattr(current, field) != value
    changed = update(current, **{field: value})
    assert getattr(changed, field) == value
    assert without(changed, field) == without(current, field)


def test_language_not_enabled_is_refused() -> None:
    with pytest.raises(EcwidError) as raised:
        update(stored(), lang="de")
    assert (raised.value.status, raised.value.code) == (400, "LANGUAGES_NOT_ALLOWED")


@pytest.mark.parametrize("email", ["", "  ", "no-at-sign"])
def test_invalid_email_is_refused(email: str) -> None:
    with pytest.raises(EcwidError) as raised:
        update(stored(), email=email)
    assert (raised.value.status, raised.value.code) == (400, "WRONG_PARAMETER")


def test_email_is_trimmed() -> None:
    assert update(stored(), email="  b@example.net ").email == "b@example.net"


def test_extrafields_are_replaced() -> None:
    changed = update(stored(), extrafields=[ExtraFieldInput(key="k2", value="w")])
    assert [(x.key, x.value, x.order_by) for x in changed.extrafields or []] == [("k2", "w", 0)]


def test_extrafields_not_sent_are_kept() -> None:
    current = stored()
    assert update(current, tax_id="x").extrafields == current.extrafields


# -- billingPerson -------------------------------------------------------------------------


def test_billing_person_is_merged_and_name_derived_again() -> None:
    changed = update(stored(), billing_person=BillingPersonInput(name="Mary Ann Jones"))
    person = changed.billing_person
    assert person is not None
    assert (person.name, person.first_name, person.last_name) == (
        "Mary Ann Jones",
        "Mary",
        "Ann Jones",
    )
    assert changed.name == "Mary Ann Jones"
    assert (person.company_name, person.city, person.phone) == (
        "Smith & Daughters",
        "New York",
        "+12125550100",
    )
    assert (person.state_or_province_code, person.state_or_province_name) == ("NY", "New York")


def test_new_country_without_state_drops_the_old_state() -> None:
    person = update(stored(), billing_person=BillingPersonInput(country_code="de")).billing_person
    assert person is not None
    assert (person.country_code, person.country_name) == ("DE", "Germany")
    assert person.state_or_province_code is None
    assert person.state_or_province_name is None


def test_new_state_name_is_derived_from_the_codes() -> None:
    sent = BillingPersonInput(state_or_province_code="TX", state_or_province_name="ignored")
    person = update(stored(), billing_person=sent).billing_person
    assert person is not None
    assert person.state_or_province_name == "Texas"


def test_blank_string_clears_a_billing_field() -> None:
    sent = BillingPersonInput(company_name="", phone="   ")
    person = update(stored(), billing_person=sent).billing_person
    assert person is not None
    assert person.company_name is None
    assert person.phone is None
    assert person.city == "New York"


def test_unknown_country_is_refused() -> None:
    with pytest.raises(EcwidError) as raised:
        update(stored(), billing_person=BillingPersonInput(country_code="XX"))
    assert raised.value.code == "WRONG_PARAMETER"
    assert "'billingPerson.countryCode'" in raised.value.message


def test_same_country_in_other_case_keeps_the_state() -> None:
    person = update(stored(), billing_person=BillingPersonInput(country_code="us")).billing_person
    assert person is not None
    assert (person.state_or_province_code, person.state_or_province_name) == ("NY", "New York")


def test_clearing_the_country_code_clears_the_derived_names() -> None:
    person = update(stored(), billing_person=BillingPersonInput(country_code="")).billing_person
    assert person is not None
    assert person.country_code is None
    assert person.country_name is None
    assert person.state_or_province_name is None


def test_billing_person_not_sent_is_kept_as_is() -> None:
    current = stored()
    assert update(current, tax_id="x").billing_person == current.billing_person


# -- shippingAddresses ---------------------------------------------------------------------


def test_address_with_known_id_is_updated_in_place() -> None:
    current = stored()
    tbilisi = current.shipping_addresses[0]
    sent = [ShippingAddressInput(id=tbilisi.id, street="7 New Street")]
    (address,) = update(current, shipping_addresses=sent).shipping_addresses
    assert address.id == tbilisi.id
    assert address.created_date == tbilisi.created_date == format_ecwid_time(CREATED)
    assert (address.city, address.country_name) == ("Tbilisi", "Georgia")
    assert address.street == "7 New Street"
    assert address.address_formatted == "7 New Street, Tbilisi, Georgia"
    assert address.default_address is True


def test_address_without_id_is_new_with_a_placeholder_id() -> None:
    current = stored()
    tbilisi, toronto = current.shipping_addresses
    sent = [
        ShippingAddressInput(id=tbilisi.id),
        ShippingAddressInput(id=toronto.id),
        ShippingAddressInput(city="Oslo"),
    ]
    addresses = update(current, shipping_addresses=sent).shipping_addresses
    new = [a for a in addresses if a.city == "Oslo"]
    assert len(new) == 1
    assert new[0].id == 0  # storage numbers it
    assert new[0].created_date == format_ecwid_time(LATER)
    assert [a.default_address for a in addresses].count(True) == 1
    assert next(a for a in addresses if a.id == toronto.id).default_address is True


def test_address_with_unknown_id_is_new() -> None:
    (address,) = update(
        stored(), shipping_addresses=[ShippingAddressInput(id=99999, city="Oslo")]
    ).shipping_addresses
    assert address.id == 0
    assert address.default_address is True


def test_addresses_not_sent_are_removed_and_empty_list_clears() -> None:
    current = stored()
    toronto = current.shipping_addresses[1]
    kept = update(current, shipping_addresses=[ShippingAddressInput(id=toronto.id)])
    assert [a.id for a in kept.shipping_addresses] == [toronto.id]
    assert update(current, shipping_addresses=[]).shipping_addresses == []


def test_explicitly_marked_address_takes_the_default() -> None:
    current = stored()
    tbilisi, toronto = current.shipping_addresses
    sent = [
        ShippingAddressInput(id=tbilisi.id, default_address=True),
        ShippingAddressInput(id=toronto.id),
    ]
    addresses = update(current, shipping_addresses=sent).shipping_addresses
    assert {a.id: a.default_address for a in addresses} == {tbilisi.id: True, toronto.id: False}


def test_two_default_addresses_are_refused() -> None:
    sent = [ShippingAddressInput(default_address=True), ShippingAddressInput(default_address=True)]
    with pytest.raises(EcwidError) as raised:
        update(stored(), shipping_addresses=sent)
    assert raised.value.code == "WRONG_PARAMETER"


# -- contacts ------------------------------------------------------------------------------


def test_contacts_sent_replace_the_list_but_the_email_keeps_its_contact() -> None:
    current = stored()
    own = next(c for c in current.contacts if c.contact == "ann@example.net")
    changed = update(
        current,
        email="b@example.net",
        contacts=[ContactInput(contact="+1", type="PHONE")],
    )
    # Spec 5.4: the contact of the email stays, and follows the new address (Q22).
    assert contacts_of(changed) == [
        (0, "PHONE", "+1", True),
        (own.id, "EMAIL", "b@example.net", True),
    ]
    assert changed.contacts[0].timestamp == format_ecwid_time(LATER)
    assert changed.contacts[1].timestamp == own.timestamp


def test_contact_with_known_id_keeps_id_and_timestamp() -> None:
    current = stored()
    telegram = next(c for c in current.contacts if c.type == "TELEGRAM")
    sent = [ContactInput(id=telegram.id, contact="@ann2", type="TELEGRAM")]
    contact, own_email = update(current, contacts=sent).contacts
    assert own_email.contact == "ann@example.net"
    assert (contact.id, contact.contact, contact.timestamp) == (
        telegram.id,
        "@ann2",
        telegram.timestamp,
    )
    assert contact.note is None  # replaced, not merged


def test_two_default_contacts_of_one_type_are_refused() -> None:
    sent = [
        ContactInput(contact="+1", type="PHONE", default=True),
        ContactInput(contact="+2", type="PHONE", default=True),
    ]
    with pytest.raises(EcwidError) as raised:
        update(stored(), contacts=sent)
    assert raised.value.code == "WRONG_PARAMETER"


def test_primary_phone_becomes_the_default_phone() -> None:
    current = stored()  # billing phone +12125550100 is the default PHONE contact
    changed = update(current, primary_phone="+33100")
    phones = [(c.contact, c.default) for c in changed.contacts if c.type == "PHONE"]
    assert phones == [("+12125550100", False), ("+33100", True)]


def test_primary_phone_with_sent_contacts_is_the_default_phone() -> None:
    sent = [ContactInput(contact="+1", type="PHONE", default=True)]
    changed = update(stored(), contacts=sent, primary_phone="+9")
    phones = [(c.contact, c.default) for c in changed.contacts if c.type == "PHONE"]
    assert phones == [("+1", False), ("+9", True)]


def test_contacts_not_sent_are_kept() -> None:
    current = stored()
    assert update(current, tax_id="x").contacts == current.contacts


# -- email and its contact (Q22) -----------------------------------------------------------


def test_email_contact_follows_a_new_email() -> None:
    current = stored()
    own = next(c for c in current.contacts if c.contact == "ann@example.net")
    changed = update(current, email="new@example.net")
    assert changed.email == "new@example.net"
    moved = next(c for c in changed.contacts if c.id == own.id)
    assert (moved.contact, moved.default, moved.timestamp) == (
        "new@example.net",
        own.default,
        own.timestamp,
    )
    assert [c.contact for c in emails_of(changed)].count("ann.work@example.net") == 1
    assert len(changed.contacts) == len(current.contacts)


def test_change_of_case_only_respells_the_email_contact() -> None:
    """Q22: the EMAIL contact follows the email, a change of case too (issue: it kept the old
    spelling); nothing else of the contacts changes."""
    current = stored()
    changed = update(current, email="ANN@example.net")
    assert changed.email == "ANN@example.net"
    respelt = [
        msgspec.structs.replace(c, contact="ANN@example.net")
        if c.type == "EMAIL" and c.contact.lower() == "ann@example.net"
        else c
        for c in current.contacts
    ]
    assert changed.contacts == respelt


def test_new_email_without_any_email_contact_gets_one() -> None:
    current = update(stored(), contacts=[ContactInput(contact="+1", type="PHONE")])
    changed = apply_update(
        current, CustomerInput(email="new@example.net"), store=STORE, now=LATER + 1
    )
    assert [(c.contact, c.default) for c in emails_of(changed)] == [("new@example.net", True)]


def test_email_change_to_an_own_secondary_email_leaves_no_duplicate() -> None:
    changed = update(stored(), email="ann.work@example.net")
    assert [(c.contact, c.default) for c in emails_of(changed)] == [("ann.work@example.net", True)]
