"""PUT /api/v3/{storeId}/customers/{customerId}, end to end through the ASGI app and SQLite.

Spec 4.4 (partial update, lists replaced, billingPerson merged - Q9), 5, Q17 (scopes), Q22
(contacts that follow the email), Q24 (null = not sent), Q36 (one default contact per type).
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from ecwid_customers.config import Settings
from ecwid_customers.domain.passwords import verify_password
from ecwid_customers.scopes import CREATE_CUSTOMERS, READ_CUSTOMERS, UPDATE_CUSTOMERS
from tests.support import (
    Api,
    assert_error,
    full_customer_body,
    make_store,
    make_token,
    stored_value,
)

START = "2024-01-01 00:00:00 +0000"
ONE_HOUR_LATER = "2024-01-01 01:00:00 +0000"


async def put(
    api: Api, customer_id: int | str, body: Any, *, token: str | None = None
) -> httpx.Response:
    return await api.client.put(
        api.url(f"customers/{customer_id}"), json=body, headers=api.auth(token)
    )


async def put_ok(api: Api, customer_id: int, body: Any) -> dict[str, Any]:
    """PUT that must succeed; the customer as read back afterwards."""
    response = await put(api, customer_id, body)
    assert response.status_code == 200, response.text
    assert response.json() == {"updateCount": 1}
    return await api.get_ok(customer_id)


async def found_by_email(api: Api, email: str) -> list[int]:
    response = await api.client.get(
        api.url(),
        params={"email": email, "useExactEmailMatch": "true"},
        headers=api.auth(),
    )
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


def by_kind(customer: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(c["type"], c["contact"]): c for c in customer["contacts"]}


def assert_one_default_per_type(contacts: list[dict[str, Any]]) -> None:
    for kind in {c["type"] for c in contacts}:
        defaults = [c for c in contacts if c["type"] == kind and c["default"]]
        assert len(defaults) == 1, (kind, contacts)


async def password_hash(api: Api, store_id: int, customer_id: int) -> str | None:
    value: str | None = await stored_value(
        api.storage,
        "SELECT password_hash FROM customers WHERE store_id = ? AND id = ?",
        store_id,
        customer_id,
    )
    return value


async def other_store_api(api: Api, store_id: int, *, legacy_sign_in: bool = False) -> Api:
    await make_store(api.storage, store_id, legacy_sign_in=legacy_sign_in)
    token = await make_token(api.storage, store_id)
    return Api(
        client=api.client, storage=api.storage, store_id=store_id, token=token, clock=api.clock
    )


# -- response and timestamps ---------------------------------------------------------------


async def test_answer_is_exactly_update_count_one(api: Api) -> None:
    customer_id = await api.create_ok({"email": "a@example.net"})
    response = await put(api, customer_id, {"taxId": "X1"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert response.json() == {"updateCount": 1}


async def test_updated_moves_to_now_and_registered_stays(api: Api) -> None:
    customer_id = await api.create_ok({"email": "a@example.net"})
    api.clock.advance(3600)
    customer = await put_ok(api, customer_id, {"taxId": "X1"})
    assert customer["registered"] == START
    assert customer["updated"] == ONE_HOUR_LATER


async def test_empty_body_changes_nothing_but_updated(api: Api) -> None:
    customer_id = await api.create_ok(full_customer_body())
    before = await api.get_ok(customer_id)
    api.clock.advance(60)
    after = await put_ok(api, customer_id, {})
    assert after["updated"] != before["updated"]
    assert {**after, "updated": before["updated"]} == before


# -- partial update at the top level -------------------------------------------------------


async def test_absent_keys_keep_their_values(api: Api) -> None:
    customer_id = await api.create_ok(full_customer_body())
    before = await api.get_ok(customer_id)
    after = await put_ok(api, customer_id, {"privateAdminNotes": "changed"})
    assert after["privateAdminNotes"] == "changed"
    unchanged = {k: v for k, v in after.items() if k not in ("privateAdminNotes", "updated")}
    assert unchanged == {
        k: v for k, v in before.items() if k not in ("privateAdminNotes", "updated")
    }


async def test_explicit_nulls_mean_not_sent(api: Api) -> None:
    customer_id = await api.create_ok(full_customer_body())
    before = await api.get_ok(customer_id)
    nulls = {
        key: None
        for key in (
            "email", "password", "billingPerson", "shippingAddresses", "contacts",
            "customerGroupId", "b2b_b2c", "taxId", "taxIdValid", "taxExempt", "acceptMarketing",
            "lang", "privateAdminNotes", "fiscalCode", "electronicInvoicePecEmail",
            "electronicInvoiceSdiCode", "extrafields", "primaryPhone",
        )
    }  # fmt: skip
    after = await put_ok(api, customer_id, nulls)
    assert {**after, "updated": before["updated"]} == before


async def test_null_inside_billing_person_keeps_that_field(api: Api) -> None:
    customer_id = await api.create_ok(full_customer_body())
    after = await put_ok(api, customer_id, {"billingPerson": {"city": None, "phone": "+1"}})
    assert after["billingPerson"]["city"] == "New York"
    assert after["billingPerson"]["phone"] == "+1"


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("taxId", "DE999999999"),
        ("taxIdValid", True),
        ("taxExempt", False),
        ("b2b_b2c", "b2c"),
        ("acceptMarketing", False),
        ("lang", "en"),
        ("privateAdminNotes", "Prefers phone calls"),
        ("fiscalCode", "RSSMRA85T10A562S"),
        ("electronicInvoicePecEmail", "other@pec.example.it"),
        ("electronicInvoiceSdiCode", "XYZ9876"),
        ("taxId", ""),
        ("privateAdminNotes", ""),
    ],
)
async def test_every_writable_scalar_can_be_changed(api: Api, key: str, value: Any) -> None:
    customer_id = await api.create_ok(full_customer_body())
    before = await api.get_ok(customer_id)
    assert before[key] != value  # the body of full_customer_body() holds something else
    after = await put_ok(api, customer_id, {key: value})
    assert after[key] == value
    others = {k: v for k, v in after.items() if k not in (key, "updated")}
    assert others == {k: v for k, v in before.items() if k not in (key, "updated")}


async def test_customer_group_can_be_changed_and_is_named(api: Api) -> None:
    group_id = await api.storage.create_customer_group(api.store_id, name="Wholesale")
    customer_id = await api.create_ok({"email": "a@example.net"})
    customer = await put_ok(api, customer_id, {"customerGroupId": group_id})
    assert (customer["customerGroupId"], customer["customerGroupName"]) == (group_id, "Wholesale")
    customer = await put_ok(api, customer_id, {"customerGroupId": 0})
    assert (customer["customerGroupId"], customer["customerGroupName"]) == (0, "General")


async def test_accept_marketing_can_be_set_on_a_customer_without_one(api: Api) -> None:
    customer_id = await api.create_ok({"email": "a@example.net"})
    assert "acceptMarketing" not in await api.get_ok(customer_id)
    assert (await put_ok(api, customer_id, {"acceptMarketing": True}))["acceptMarketing"] is True


async def test_extrafields_are_replaced(api: Api) -> None:
    customer_id = await api.create_ok(full_customer_body())
    body = {"extrafields": [{"key": "k2", "title": "Size", "value": "XL", "type": "TEXT"}]}
    customer = await put_ok(api, customer_id, body)
    assert customer["extrafields"] == [
        {
            "key": "k2",
            "title": "Size",
            "value": "XL",
            "orderBy": 0,
            "type": "TEXT",
            "entityTypes": ["CUSTOMERS"],
        }
    ]


async def test_read_only_and_unknown_keys_are_ignored(api: Api) -> None:
    customer_id = await api.create_ok({"email": "a@example.net"})
    body = {
        "id": 4242,
        "registered": "2000-01-01 00:00:00 +0000",
        "updated": "2000-01-01 00:00:00 +0000",
        "customerGroupName": "VIP",
        "stats": {"numberOfOrders": 9},
        "favorites": [{"productId": 1}],
        "somethingNew": True,
    }
    customer = await put_ok(api, customer_id, body)
    assert customer["id"] == customer_id
    assert "name" not in customer  # a top-level name is not ignored: see the test below
    assert customer["registered"] == START
    assert customer["updated"] == START
    assert customer["customerGroupName"] == "General"
    assert customer["stats"]["numberOfOrders"] == 0
    assert customer["favorites"] == []
    assert "somethingNew" not in customer


# -- billingPerson: merged field by field (Q9) ---------------------------------------------


async def test_billing_person_is_merged_field_by_field(api: Api) -> None:
    customer_id = await api.create_ok(full_customer_body())
    customer = await put_ok(api, customer_id, {"billingPerson": {"city": "Buffalo"}})
    assert customer["billingPerson"] == {
        "name": "Ann Smith",
        "firstName": "Ann",
        "lastName": "Smith",
        "companyName": "Smith & Daughters",
        "street": "1 Main Street\nSuite 200",
        "city": "Buffalo",
        "countryCode": "US",
        "countryName": "United States",
        "postalCode": "10001",
        "stateOrProvinceCode": "NY",
        "stateOrProvinceName": "New York",
        "phone": "+12125550100",
    }


async def test_new_billing_name_recomputes_first_last_and_customer_name(api: Api) -> None:
    customer_id = await api.create_ok(full_customer_body())
    customer = await put_ok(api, customer_id, {"billingPerson": {"name": "Mary Ann Jones"}})
    person = customer["billingPerson"]
    assert (person["firstName"], person["lastName"]) == ("Mary", "Ann Jones")
    assert customer["name"] == "Mary Ann Jones"
    response = await api.client.get(api.url(), params={"name": "Mary Ann"}, headers=api.auth())
    assert [item["id"] for item in response.json()["items"]] == [customer_id]


async def test_single_word_billing_name_drops_first_and_last_name(api: Api) -> None:
    customer_id = await api.create_ok(full_customer_body())
    person = (await put_ok(api, customer_id, {"billingPerson": {"name": "Ann"}}))["billingPerson"]
    assert person["name"] == "Ann"
    assert "firstName" not in person
    assert "lastName" not in person


async def test_billing_person_on_a_customer_without_one(api: Api) -> None:
    customer_id = await api.create_ok({"email": "a@example.net"})
    body = {
        "billingPerson": {"name": "Ann Smith", "countryCode": "ca", "stateOrProvinceCode": "ON"}
    }
    customer = await put_ok(api, customer_id, body)
    assert customer["name"] == "Ann Smith"
    assert customer["billingPerson"] == {
        "name": "Ann Smith",
        "firstName": "Ann",
        "lastName": "Smith",
        "countryCode": "CA",
        "countryName": "Canada",
        "stateOrProvinceCode": "ON",
        "stateOrProvinceName": "Ontario",
    }


async def test_new_state_recomputes_its_name(api: Api) -> None:
    customer_id = await api.create_ok(full_customer_body())
    body = {"billingPerson": {"stateOrProvinceCode": "CA", "stateOrProvinceName": "ignored"}}
    person = (await put_ok(api, customer_id, body))["billingPerson"]
    assert (person["countryCode"], person["stateOrProvinceCode"]) == ("US", "CA")
    assert person["stateOrProvinceName"] == "California"


async def test_new_country_without_state_drops_the_old_state(api: Api) -> None:
    customer_id = await api.create_ok(full_customer_body())
    person = (await put_ok(api, customer_id, {"billingPerson": {"countryCode": "FR"}}))[
        "billingPerson"
    ]
    assert (person["countryCode"], person["countryName"]) == ("FR", "France")
    assert "stateOrProvinceCode" not in person
    assert "stateOrProvinceName" not in person
    assert person["city"] == "New York"  # everything else is kept


async def test_new_country_with_its_state(api: Api) -> None:
    customer_id = await api.create_ok(full_customer_body())
    body = {"billingPerson": {"countryCode": "CA", "stateOrProvinceCode": "QC"}}
    person = (await put_ok(api, customer_id, body))["billingPerson"]
    assert (person["countryName"], person["stateOrProvinceName"]) == ("Canada", "Quebec")


async def test_same_country_in_lower_case_keeps_the_state(api: Api) -> None:
    customer_id = await api.create_ok(full_customer_body())
    person = (await put_ok(api, customer_id, {"billingPerson": {"countryCode": "us"}}))[
        "billingPerson"
    ]
    assert person["countryCode"] == "US"
    assert (person["stateOrProvinceCode"], person["stateOrProvinceName"]) == ("NY", "New York")


async def test_empty_string_clears_a_billing_field(api: Api) -> None:
    customer_id = await api.create_ok(full_customer_body())
    body = {"billingPerson": {"companyName": "", "phone": "  ", "street": ""}}
    person = (await put_ok(api, customer_id, body))["billingPerson"]
    for cleared in ("companyName", "phone", "street"):
        assert cleared not in person
    assert person["city"] == "New York"


async def test_clearing_the_billing_name_clears_the_customer_name(api: Api) -> None:
    customer_id = await api.create_ok(full_customer_body())
    customer = await put_ok(api, customer_id, {"billingPerson": {"name": ""}})
    assert "name" not in customer
    for derived in ("name", "firstName", "lastName"):
        assert derived not in customer["billingPerson"]


async def test_clearing_the_country_code_clears_the_derived_names(api: Api) -> None:
    customer_id = await api.create_ok(full_customer_body())
    person = (await put_ok(api, customer_id, {"billingPerson": {"countryCode": ""}}))[
        "billingPerson"
    ]
    for cleared in ("countryCode", "countryName", "stateOrProvinceCode", "stateOrProvinceName"):
        assert cleared not in person, person


async def test_clearing_the_state_code_clears_the_state_name(api: Api) -> None:
    customer_id = await api.create_ok(full_customer_body())
    body = {"billingPerson": {"stateOrProvinceCode": ""}}
    person = (await put_ok(api, customer_id, body))["billingPerson"]
    assert person["countryCode"] == "US"
    assert "stateOrProvinceCode" not in person
    assert "stateOrProvinceName" not in person, person


async def test_billing_person_of_only_blanks_on_an_empty_one_is_left_out(api: Api) -> None:
    customer_id = await api.create_ok({"email": "a@example.net"})
    customer = await put_ok(api, customer_id, {"billingPerson": {"name": " ", "city": ""}})
    assert "billingPerson" not in customer
    assert "name" not in customer


# -- shippingAddresses: the new address book -----------------------------------------------


async def _two_addresses(api: Api) -> tuple[int, list[dict[str, Any]]]:
    customer_id = await api.create_ok(full_customer_body())
    api.clock.advance(3600)
    return customer_id, (await api.get_ok(customer_id))["shippingAddresses"]


async def test_address_sent_with_its_id_is_updated_in_place(api: Api) -> None:
    customer_id, (tbilisi, _) = await _two_addresses(api)
    body = {"shippingAddresses": [{"id": tbilisi["id"], "street": "7 New Street"}]}
    (address,) = (await put_ok(api, customer_id, body))["shippingAddresses"]
    assert address["id"] == tbilisi["id"]
    assert address["createdDate"] == tbilisi["createdDate"] == START
    assert address["street"] == "7 New Street"
    # Fields not sent are merged from the stored address.
    for kept in ("name", "companyName", "city", "countryCode", "postalCode", "phone", "note"):
        assert address[kept] == tbilisi[kept]
    assert address["countryName"] == "Georgia"
    assert address["stateOrProvinceName"] == "Tbilisi"
    assert address["addressFormatted"] == "7 New Street, Tbilisi, 0105 Tbilisi, Georgia"
    assert address["defaultAddress"] is True  # the only address left is the default


async def test_address_without_id_is_created_with_a_new_id(api: Api) -> None:
    customer_id, (tbilisi, toronto) = await _two_addresses(api)
    body = {
        "shippingAddresses": [
            {"id": tbilisi["id"]},
            {"id": toronto["id"]},
            {"city": "Paris", "countryCode": "FR"},
        ]
    }
    addresses = (await put_ok(api, customer_id, body))["shippingAddresses"]
    assert len(addresses) == 3
    new = next(a for a in addresses if a.get("city") == "Paris")
    assert new["id"] not in (tbilisi["id"], toronto["id"])
    assert new["id"] > max(tbilisi["id"], toronto["id"])
    assert new["createdDate"] == ONE_HOUR_LATER
    assert new["countryName"] == "France"
    assert new["addressFormatted"] == "Paris, France"
    assert new["defaultAddress"] is False  # Toronto stays the default
    assert [a["defaultAddress"] for a in addresses].count(True) == 1
    assert next(a for a in addresses if a["id"] == toronto["id"])["defaultAddress"] is True
    ids = [a["id"] for a in addresses]
    assert len(set(ids)) == 3


async def test_address_with_an_unknown_id_is_a_new_address(api: Api) -> None:
    customer_id, (tbilisi, toronto) = await _two_addresses(api)
    body = {"shippingAddresses": [{"id": 987654, "city": "Oslo"}]}
    (address,) = (await put_ok(api, customer_id, body))["shippingAddresses"]
    assert address["id"] not in (987654, tbilisi["id"], toronto["id"])
    assert address["createdDate"] == ONE_HOUR_LATER
    assert address["defaultAddress"] is True


async def test_addresses_not_sent_are_removed(api: Api) -> None:
    customer_id, (_, toronto) = await _two_addresses(api)
    body = {"shippingAddresses": [{"id": toronto["id"]}]}
    (address,) = (await put_ok(api, customer_id, body))["shippingAddresses"]
    assert address["id"] == toronto["id"]
    assert address["city"] == "Toronto"
    response = await api.client.get(api.url(), params={"city": "Tbilisi"}, headers=api.auth())
    assert response.json()["total"] == 0


async def test_empty_address_list_clears_the_book(api: Api) -> None:
    customer_id, _ = await _two_addresses(api)
    customer = await put_ok(api, customer_id, {"shippingAddresses": []})
    assert customer["shippingAddresses"] == []


async def test_address_book_is_kept_when_not_sent(api: Api) -> None:
    customer_id, addresses = await _two_addresses(api)
    customer = await put_ok(api, customer_id, {"taxId": "X"})
    assert customer["shippingAddresses"] == addresses


async def test_marking_another_address_default_moves_the_default(api: Api) -> None:
    customer_id, (tbilisi, toronto) = await _two_addresses(api)
    body = {
        "shippingAddresses": [
            {"id": tbilisi["id"], "defaultAddress": True},
            {"id": toronto["id"]},
        ]
    }
    addresses = (await put_ok(api, customer_id, body))["shippingAddresses"]
    defaults = {a["id"]: a["defaultAddress"] for a in addresses}
    assert defaults == {tbilisi["id"]: True, toronto["id"]: False}


async def test_unmarking_the_default_makes_another_address_default(api: Api) -> None:
    customer_id, (tbilisi, toronto) = await _two_addresses(api)
    body = {
        "shippingAddresses": [
            {"id": tbilisi["id"]},
            {"id": toronto["id"], "defaultAddress": False},
        ]
    }
    addresses = (await put_ok(api, customer_id, body))["shippingAddresses"]
    defaults = {a["id"]: a["defaultAddress"] for a in addresses}
    assert defaults == {tbilisi["id"]: True, toronto["id"]: False}


async def test_removing_the_default_address_makes_the_first_one_default(api: Api) -> None:
    customer_id, (tbilisi, _) = await _two_addresses(api)
    body = {"shippingAddresses": [{"id": tbilisi["id"]}, {"city": "Oslo"}]}
    addresses = (await put_ok(api, customer_id, body))["shippingAddresses"]
    assert [(a.get("city"), a["defaultAddress"]) for a in addresses] == [
        ("Tbilisi", True),
        ("Oslo", False),
    ]


async def test_two_default_addresses_are_rejected_and_nothing_changes(api: Api) -> None:
    customer_id, _ = await _two_addresses(api)
    before = await api.get_ok(customer_id)
    body = {
        "taxId": "SHOULD-NOT-STICK",
        "shippingAddresses": [{"defaultAddress": True}, {"defaultAddress": True}],
    }
    assert_error(await put(api, customer_id, body), 400, "WRONG_PARAMETER")
    assert await api.get_ok(customer_id) == before


async def test_address_country_code_is_checked(api: Api) -> None:
    customer_id, _ = await _two_addresses(api)
    before = await api.get_ok(customer_id)
    response = await put(api, customer_id, {"shippingAddresses": [{"countryCode": "QQ"}]})
    assert_error(response, 400, "WRONG_PARAMETER")
    assert "'shippingAddresses[0].countryCode'" in response.json()["errorMessage"]
    assert await api.get_ok(customer_id) == before


async def test_address_fields_cleared_with_empty_string(api: Api) -> None:
    customer_id, (tbilisi, _) = await _two_addresses(api)
    body = {"shippingAddresses": [{"id": tbilisi["id"], "note": "", "companyName": ""}]}
    (address,) = (await put_ok(api, customer_id, body))["shippingAddresses"]
    assert "note" not in address
    assert "companyName" not in address
    assert address["city"] == "Tbilisi"


async def test_clearing_an_address_country_code_clears_its_derived_names(api: Api) -> None:
    customer_id, (tbilisi, _) = await _two_addresses(api)
    body = {"shippingAddresses": [{"id": tbilisi["id"], "countryCode": ""}]}
    (address,) = (await put_ok(api, customer_id, body))["shippingAddresses"]
    for cleared in ("countryCode", "countryName", "stateOrProvinceCode", "stateOrProvinceName"):
        assert cleared not in address, address
    assert address["addressFormatted"] == "5 Harbour Road, Tbilisi, 0105"


async def test_addresses_without_order_by_take_their_list_position(api: Api) -> None:
    customer_id, (tbilisi, toronto) = await _two_addresses(api)
    body = {"shippingAddresses": [{"city": "Oslo"}, {"id": toronto["id"]}, {"id": tbilisi["id"]}]}
    addresses = (await put_ok(api, customer_id, body))["shippingAddresses"]
    assert [(a["city"], a["orderBy"]) for a in addresses] == [
        ("Oslo", 0),
        ("Toronto", 1),
        ("Tbilisi", 2),
    ]


async def test_addresses_with_equal_order_by_come_in_id_order(api: Api) -> None:
    """Q30: by orderBy, then id, whatever order they were sent in."""
    customer_id, (tbilisi, toronto) = await _two_addresses(api)
    assert tbilisi["id"] < toronto["id"]
    body = {
        "shippingAddresses": [
            {"city": "Oslo", "orderBy": 1},
            {"id": toronto["id"], "orderBy": 1},
            {"id": tbilisi["id"], "orderBy": 1},
            {"city": "Bergen", "orderBy": 0},
        ]
    }
    addresses = (await put_ok(api, customer_id, body))["shippingAddresses"]
    assert [a["city"] for a in addresses] == ["Bergen", "Tbilisi", "Toronto", "Oslo"]
    ids = [a["id"] for a in addresses[1:]]
    assert ids == sorted(ids)


# -- contacts: the list is replaced --------------------------------------------------------


async def test_contacts_list_is_replaced(api: Api) -> None:
    customer_id = await api.create_ok(full_customer_body())
    api.clock.advance(3600)
    own = by_kind(await api.get_ok(customer_id))[("EMAIL", "ann.smith@example.net")]
    body = {"contacts": [{"contact": "@ann", "type": "TELEGRAM", "note": "evenings"}]}
    customer = await put_ok(api, customer_id, body)
    contact, kept = customer["contacts"]
    assert kept == own  # spec 5.4: the contact of the customer's email stays, as it was
    assert {k: v for k, v in contact.items() if k != "id"} == {
        "contact": "@ann",
        "note": "evenings",
        "type": "TELEGRAM",
        "default": True,
        "orderBy": 0,
        "timestamp": ONE_HOUR_LATER,
    }


async def test_contacts_without_the_email_keep_its_contact_following_a_new_email(
    api: Api,
) -> None:
    """Q22 and spec 5.4: the list sent wins, but the customer's email keeps its contact."""
    customer_id = await api.create_ok({"email": "a@example.net"})
    (own,) = (await api.get_ok(customer_id))["contacts"]
    body = {"email": "b@example.net", "contacts": [{"contact": "+1", "type": "PHONE"}]}
    customer = await put_ok(api, customer_id, body)
    assert customer["email"] == "b@example.net"
    got = [(c["id"], c["type"], c["contact"], c["default"]) for c in customer["contacts"]]
    assert got[1:] == [(own["id"], "EMAIL", "b@example.net", True)]
    assert got[0][1:] == ("PHONE", "+1", True)


async def test_empty_contacts_list_leaves_only_the_email_contact(api: Api) -> None:
    customer_id = await api.create_ok(full_customer_body())
    own = by_kind(await api.get_ok(customer_id))[("EMAIL", "ann.smith@example.net")]
    assert (await put_ok(api, customer_id, {"contacts": []}))["contacts"] == [own]


async def test_contacts_read_back_with_a_new_email_move_the_email_contact(api: Api) -> None:
    """A client that reads the customer, changes the email and sends everything back."""
    customer_id = await api.create_ok(full_customer_body())
    before = await api.get_ok(customer_id)
    body = {"email": "ann.new@example.net", "contacts": before["contacts"]}
    customer = await put_ok(api, customer_id, body)
    own = by_kind(before)[("EMAIL", "ann.smith@example.net")]
    moved = by_kind(customer)[("EMAIL", "ann.new@example.net")]
    assert moved == {**own, "contact": "ann.new@example.net"}
    assert ("EMAIL", "ann.smith@example.net") not in by_kind(customer)
    assert len(customer["contacts"]) == len(before["contacts"])


async def test_own_email_sent_in_the_list_in_another_case_is_spelt_as_the_email(
    api: Api,
) -> None:
    customer_id = await api.create_ok({"email": "a@example.net"})
    body = {"contacts": [{"contact": "A@Example.NET", "type": "EMAIL", "note": "main"}]}
    (contact,) = (await put_ok(api, customer_id, body))["contacts"]
    assert (contact["contact"], contact["note"], contact["default"]) == (
        "a@example.net",
        "main",
        True,
    )


@pytest.mark.parametrize(
    ("contacts", "field"),
    [
        # Another EMAIL contact cannot take the default from the customer's own one.
        ([{"contact": "x@example.net", "type": "EMAIL", "default": True}], "contacts[0].default"),
        # The customer's own one cannot give it up.
        ([{"contact": "a@example.net", "type": "EMAIL", "default": False}], "contacts[0].default"),
        # Nor can it be there twice.
        (
            [
                {"contact": "a@example.net", "type": "EMAIL"},
                {"contact": "A@example.net", "type": "EMAIL"},
            ],
            "contacts[1].contact",
        ),
        # A type needs a default, and default false was sent for each of its contacts.
        (
            [
                {"contact": "+1", "type": "PHONE", "default": False},
                {"contact": "+2", "type": "PHONE", "default": False},
            ],
            "contacts[0].default",
        ),
    ],
)
async def test_contacts_that_break_spec_5_4_are_400_and_nothing_changes(
    api: Api, contacts: list[dict[str, Any]], field: str
) -> None:
    customer_id = await api.create_ok({"email": "a@example.net", "primaryPhone": "+9"})
    api.clock.advance(60)
    before = await api.get_ok(customer_id)
    response = await put(api, customer_id, {"privateAdminNotes": "no", "contacts": contacts})
    assert_error(response, 400, "WRONG_PARAMETER")
    assert f"'{field}'" in response.json()["errorMessage"]
    assert await api.get_ok(customer_id) == before


async def test_contact_sent_with_its_id_keeps_id_and_timestamp(api: Api) -> None:
    customer_id = await api.create_ok(full_customer_body())
    facebook = by_kind(await api.get_ok(customer_id))[
        ("FACEBOOK", "https://www.facebook.com/myshop_page")
    ]
    api.clock.advance(3600)
    body = {
        "contacts": [
            {
                "id": facebook["id"],
                "contact": "https://www.facebook.com/other",
                "type": "FACEBOOK",
                "timestamp": "2000-01-01 00:00:00 +0000",
            },
            {"contact": "+5", "type": "PHONE"},
        ]
    }
    contacts = by_kind(await put_ok(api, customer_id, body))
    kept = contacts[("FACEBOOK", "https://www.facebook.com/other")]
    assert kept["id"] == facebook["id"]
    assert kept["timestamp"] == START
    assert "handle" not in kept  # the list is replaced, not merged
    new = contacts[("PHONE", "+5")]
    assert new["id"] != facebook["id"]
    assert new["timestamp"] == ONE_HOUR_LATER


async def test_contact_with_an_unknown_id_gets_a_new_id(api: Api) -> None:
    customer_id = await api.create_ok({"email": "a@example.net"})
    body = {"contacts": [{"id": 777777, "contact": "+1", "type": "PHONE"}]}
    contact, _own_email = (await put_ok(api, customer_id, body))["contacts"]
    assert contact["id"] != 777777


async def test_new_contact_ids_are_unique_across_updates(api: Api) -> None:
    customer_id = await api.create_ok(full_customer_body())
    seen = {c["id"] for c in (await api.get_ok(customer_id))["contacts"]}
    for n in range(3):
        body = {"contacts": [{"contact": f"+{n}", "type": "PHONE"}]}
        contact, _own_email = (await put_ok(api, customer_id, body))["contacts"]
        assert contact["id"] not in seen
        seen.add(contact["id"])


async def test_one_default_per_type_is_settled(api: Api) -> None:
    customer_id = await api.create_ok({"email": "a@example.net"})
    body = {
        "contacts": [
            {"contact": "+1", "type": "PHONE"},
            {"contact": "+2", "type": "PHONE", "default": True},
            {"contact": "x@example.net", "type": "EMAIL"},
        ]
    }
    customer = await put_ok(api, customer_id, body)
    got = [(c["type"], c["contact"], c["orderBy"], c["default"]) for c in customer["contacts"]]
    assert got == [
        ("PHONE", "+1", 0, False),
        ("PHONE", "+2", 1, True),
        ("EMAIL", "x@example.net", 0, False),
        ("EMAIL", "a@example.net", 1, True),  # the customer's own, kept (spec 5.4)
    ]


async def test_two_default_contacts_of_one_type_are_400_and_nothing_changes(api: Api) -> None:
    customer_id = await api.create_ok(full_customer_body())
    api.clock.advance(60)
    before = await api.get_ok(customer_id)
    body = {
        "privateAdminNotes": "should not stick",
        "contacts": [
            {"contact": "+1", "type": "PHONE", "default": True},
            {"contact": "+2", "type": "PHONE", "default": True},
        ],
    }
    assert_error(await put(api, customer_id, body), 400, "WRONG_PARAMETER")
    assert await api.get_ok(customer_id) == before


@pytest.mark.parametrize(
    ("contact", "message"),
    [
        ({"type": "PHONE"}, "Field Customer.contacts[0].contact is absent"),
        ({"contact": "+1"}, "Field Customer.contacts[0].type is absent"),
    ],
)
async def test_contact_needs_contact_and_type(
    api: Api, contact: dict[str, str], message: str
) -> None:
    customer_id = await api.create_ok({"email": "a@example.net"})
    before = await api.get_ok(customer_id)
    response = await put(api, customer_id, {"contacts": [contact]})
    assert_error(response, 400, "WRONG_PARAMETER", message)
    assert await api.get_ok(customer_id) == before


# -- primaryPhone --------------------------------------------------------------------------


async def test_primary_phone_becomes_the_default_phone_contact(api: Api) -> None:
    customer_id = await api.create_ok(full_customer_body())  # default phone +12125550199
    customer = await put_ok(api, customer_id, {"primaryPhone": "+33100000000"})
    phones = [(c["contact"], c["default"]) for c in customer["contacts"] if c["type"] == "PHONE"]
    assert ("+33100000000", True) in phones
    assert ("+12125550199", False) in phones
    assert_one_default_per_type(customer["contacts"])
    assert "primaryPhone" not in customer


async def test_primary_phone_matching_an_existing_contact_reuses_it(api: Api) -> None:
    body = {
        "email": "a@example.net",
        "contacts": [
            {"contact": "+1", "type": "PHONE", "default": True},
            {"contact": "+2", "type": "PHONE"},
        ],
    }
    customer_id = await api.create_ok(body)
    before = {c["contact"]: c["id"] for c in (await api.get_ok(customer_id))["contacts"]}
    customer = await put_ok(api, customer_id, {"primaryPhone": "+2"})
    phones = [(c["id"], c["contact"], c["default"]) for c in customer["contacts"]]
    assert (before["+2"], "+2", True) in phones
    assert (before["+1"], "+1", False) in phones
    assert len(customer["contacts"]) == 3


async def test_primary_phone_with_contacts_is_the_default_phone(api: Api) -> None:
    customer_id = await api.create_ok({"email": "a@example.net"})
    body = {
        "primaryPhone": "+9",
        "contacts": [{"contact": "+1", "type": "PHONE", "default": True}],
    }
    customer = await put_ok(api, customer_id, body)
    phones = [(c["contact"], c["default"]) for c in customer["contacts"] if c["type"] == "PHONE"]
    assert phones == [("+1", False), ("+9", True)]


# -- email ---------------------------------------------------------------------------------


async def test_email_change_moves_its_email_contact_and_search(api: Api) -> None:
    customer_id = await api.create_ok(full_customer_body())
    before = by_kind(await api.get_ok(customer_id))
    own = before[("EMAIL", "ann.smith@example.net")]
    customer = await put_ok(api, customer_id, {"email": "ann.new@example.net"})
    assert customer["email"] == "ann.new@example.net"
    after = by_kind(customer)
    moved = after[("EMAIL", "ann.new@example.net")]
    assert (moved["id"], moved["default"], moved["timestamp"]) == (
        own["id"],
        own["default"],
        own["timestamp"],
    )
    assert ("EMAIL", "ann.smith@example.net") not in after
    assert ("EMAIL", "ann.work@example.net") in after  # other EMAIL contacts stay
    assert len(customer["contacts"]) == len(before)
    assert await found_by_email(api, "ann.new@example.net") == [customer_id]
    assert await found_by_email(api, "ann.smith@example.net") == []


async def test_email_change_frees_the_old_email(api: Api) -> None:
    customer_id = await api.create_ok({"email": "a@example.net"})
    await put_ok(api, customer_id, {"email": "b@example.net"})
    other = await api.create_ok({"email": "a@example.net"})
    assert other != customer_id


async def test_email_is_stored_trimmed(api: Api) -> None:
    customer_id = await api.create_ok({"email": "a@example.net"})
    customer = await put_ok(api, customer_id, {"email": "  b@example.net "})
    assert customer["email"] == "b@example.net"


async def test_email_change_to_an_own_secondary_email_leaves_no_duplicate(api: Api) -> None:
    customer_id = await api.create_ok(full_customer_body())  # has ann.work@ as a 2nd EMAIL
    customer = await put_ok(api, customer_id, {"email": "ann.work@example.net"})
    emails = [(c["contact"], c["default"]) for c in customer["contacts"] if c["type"] == "EMAIL"]
    assert emails == [("ann.work@example.net", True)]


@pytest.mark.parametrize("same", ["a@example.net", "A@EXAMPLE.NET", " a@example.net "])
async def test_own_email_in_any_case_is_no_conflict(api: Api, same: str) -> None:
    customer_id = await api.create_ok({"email": "a@example.net"})
    customer = await put_ok(api, customer_id, {"email": same})
    assert customer["email"].lower() == "a@example.net"
    # A change of case only does not add a second EMAIL contact.
    assert [c["type"] for c in customer["contacts"]] == ["EMAIL"]


@pytest.mark.parametrize("taken", ["b@example.net", "B@Example.NET", " b@example.net"])
async def test_email_of_another_customer_is_409(api: Api, taken: str) -> None:
    customer_id = await api.create_ok({"email": "a@example.net"})
    await api.create_ok({"email": "b@example.net"})
    api.clock.advance(60)
    before = await api.get_ok(customer_id)
    response = await put(api, customer_id, {"email": taken, "taxId": "should not stick"})
    assert_error(
        response, 409, "CONSTRAINT_VIOLATION", "The customer with the given email already exists"
    )
    assert await api.get_ok(customer_id) == before


async def test_email_of_a_customer_in_another_store_is_no_conflict(api: Api) -> None:
    other = await other_store_api(api, 2002)
    await other.create_ok({"email": "b@example.net"})
    customer_id = await api.create_ok({"email": "a@example.net"})
    assert (await put_ok(api, customer_id, {"email": "b@example.net"}))["email"] == "b@example.net"


@pytest.mark.parametrize(
    ("email", "message"),
    [
        ("", "Field Customer.email is absent"),
        ("   ", "Field Customer.email is absent"),
        ("not-an-email", "Wrong parameter 'email' value: not an email address"),
    ],
)
async def test_invalid_email_is_400_and_nothing_changes(api: Api, email: str, message: str) -> None:
    customer_id = await api.create_ok({"email": "a@example.net"})
    before = await api.get_ok(customer_id)
    assert_error(await put(api, customer_id, {"email": email}), 400, "WRONG_PARAMETER", message)
    assert await api.get_ok(customer_id) == before


# -- validation errors change nothing ------------------------------------------------------


async def _customer_and_snapshot(api: Api) -> tuple[int, dict[str, Any]]:
    customer_id = await api.create_ok(full_customer_body())
    api.clock.advance(3600)  # a failed PUT must not bump "updated" either
    return customer_id, await api.get_ok(customer_id)


async def test_language_not_enabled_is_400_and_nothing_changes(api: Api) -> None:
    customer_id, before = await _customer_and_snapshot(api)
    response = await put(api, customer_id, {"lang": "de", "taxId": "should not stick"})
    assert_error(
        response, 400, "LANGUAGES_NOT_ALLOWED", "Specified languages are disabled in the store"
    )
    assert await api.get_ok(customer_id) == before


async def test_unknown_customer_group_is_404_and_nothing_changes(api: Api) -> None:
    customer_id, before = await _customer_and_snapshot(api)
    response = await put(api, customer_id, {"customerGroupId": 7, "taxId": "should not stick"})
    assert_error(response, 404, "CUSTOMER_GROUP_NOT_FOUND", "Customer group #7 not found")
    assert await api.get_ok(customer_id) == before


async def test_group_of_another_store_is_404(api: Api) -> None:
    await make_store(api.storage, 2002)
    group_id = await api.storage.create_customer_group(2002, name="Theirs")
    customer_id, before = await _customer_and_snapshot(api)
    response = await put(api, customer_id, {"customerGroupId": group_id})
    assert_error(response, 404, "CUSTOMER_GROUP_NOT_FOUND")
    assert await api.get_ok(customer_id) == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"customerGroupId": "abc"}, "customerGroupId"),
        ({"customerGroupId": -1}, "customerGroupId"),
        ({"taxExempt": "yes"}, "taxExempt"),
        ({"taxIdValid": 0}, "taxIdValid"),
        ({"acceptMarketing": 1}, "acceptMarketing"),
        ({"taxId": 5}, "taxId"),
        ({"email": 5}, "email"),
        ({"lang": ["en"]}, "lang"),
        ({"b2b_b2c": "b2x"}, "b2b_b2c"),
        ({"billingPerson": "Ann"}, "billingPerson"),
        ({"billingPerson": {"city": 5}}, "billingPerson.city"),
        ({"shippingAddresses": {}}, "shippingAddresses"),
        ({"shippingAddresses": [{"id": "1"}]}, "shippingAddresses[0].id"),
        ({"contacts": {}}, "contacts"),
        ({"contacts": [{"contact": "x", "type": "FAX"}]}, "contacts[0].type"),
        (
            {"contacts": [{"contact": "x", "type": "EMAIL", "default": "yes"}]},
            "contacts[0].default",
        ),
        ({"primaryPhone": 12125550100}, "primaryPhone"),
        ({"extrafields": [{"key": 1}]}, "extrafields[0].key"),
    ],
)
async def test_wrong_json_types_are_400_and_nothing_changes(
    api: Api, body: dict[str, Any], field: str
) -> None:
    customer_id, before = await _customer_and_snapshot(api)
    response = await put(api, customer_id, {"privateAdminNotes": "should not stick", **body})
    assert_error(response, 400, "WRONG_PARAMETER")
    assert response.json()["errorMessage"].startswith(f"Wrong parameter '{field}' value")
    assert await api.get_ok(customer_id) == before


@pytest.mark.parametrize(
    ("billing", "field"),
    [
        ({"countryCode": "XX"}, "billingPerson.countryCode"),
        ({"countryCode": "USA"}, "billingPerson.countryCode"),
        ({"stateOrProvinceCode": "ZZ"}, "billingPerson.stateOrProvinceCode"),
        ({"countryCode": "CA", "stateOrProvinceCode": "NY"}, "billingPerson.stateOrProvinceCode"),
    ],
)
async def test_invalid_country_or_state_is_400_and_nothing_changes(
    api: Api, billing: dict[str, str], field: str
) -> None:
    customer_id, before = await _customer_and_snapshot(api)
    response = await put(api, customer_id, {"billingPerson": billing})
    assert_error(response, 400, "WRONG_PARAMETER")
    assert f"'{field}'" in response.json()["errorMessage"]
    assert await api.get_ok(customer_id) == before


@pytest.mark.parametrize("raw", [b"{", b"[]", b'"x"', b"null", b"\xff"])
async def test_unparsable_or_non_object_body_is_400(api: Api, raw: bytes) -> None:
    customer_id, before = await _customer_and_snapshot(api)
    response = await api.client.put(
        api.url(f"customers/{customer_id}"),
        content=raw,
        headers={**api.auth(), "Content-Type": "application/json"},
    )
    assert_error(response, 400, "WRONG_PARAMETER")
    assert await api.get_ok(customer_id) == before


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", ""])
async def test_non_json_content_type_is_415(api: Api, content_type: str) -> None:
    customer_id, before = await _customer_and_snapshot(api)
    response = await api.client.put(
        api.url(f"customers/{customer_id}"),
        content=b'{"taxId": "should not stick"}',
        headers={**api.auth(), "Content-Type": content_type},
    )
    assert_error(response, 415, "UNSUPPORTED_MEDIA_TYPE")
    assert await api.get_ok(customer_id) == before


@pytest.mark.parametrize("content_type", ["application/json;charset=utf-8", "text/json"])
async def test_json_content_types_are_accepted(api: Api, content_type: str) -> None:
    customer_id = await api.create_ok({"email": "a@example.net"})
    response = await api.client.put(
        api.url(f"customers/{customer_id}"),
        content=b'{"taxId": "T1"}',
        headers={**api.auth(), "Content-Type": content_type},
    )
    assert response.status_code == 200, response.text
    assert (await api.get_ok(customer_id))["taxId"] == "T1"


# -- which customer -------------------------------------------------------------------------


@pytest.mark.parametrize("customer_id", ["12345", str(2**31), "9" * 40])
async def test_unknown_customer_is_404(api: Api, customer_id: str) -> None:
    response = await put(api, customer_id, {"taxId": "X"})
    assert_error(response, 404, "CUSTOMER_NOT_FOUND", f"Customer #{customer_id} not found")


@pytest.mark.parametrize(
    ("content_type", "raw", "status"),
    [("text/plain", b'{"taxId": "X"}', 415), ("application/json", b"{", 400)],
)
async def test_body_is_checked_before_the_customer_is_looked_up(
    api: Api, content_type: str, raw: bytes, status: int
) -> None:
    response = await api.client.put(
        api.url("customers/12345"),
        content=raw,
        headers={**api.auth(), "Content-Type": content_type},
    )
    assert response.status_code == status, response.text


@pytest.mark.parametrize("customer_id", ["abc", "-1", "1.0", "1e3"])
async def test_non_numeric_id_is_400(api: Api, customer_id: str) -> None:
    response = await put(api, customer_id, {"taxId": "X"})
    assert_error(response, 400, "WRONG_PARAMETER", "Wrong parameter 'customerId' value")


async def test_customer_of_another_store_is_404_and_untouched(api: Api) -> None:
    other = await other_store_api(api, 2002)
    await other.create_ok({"email": "first@example.net"})
    theirs = await other.create_ok({"email": "theirs@example.net"})
    await api.create_ok({"email": "mine@example.net"})  # store 1003 has id 1 only
    before = await other.get_ok(theirs)
    response = await put(api, theirs, {"taxId": "X", "email": "hijack@example.net"})
    assert_error(response, 404, "CUSTOMER_NOT_FOUND", f"Customer #{theirs} not found")
    assert await other.get_ok(theirs) == before


async def test_deleted_customer_is_404(api: Api) -> None:
    customer_id = await api.create_ok({"email": "a@example.net"})
    deleted = await api.client.delete(api.url(f"customers/{customer_id}"), headers=api.auth())
    assert deleted.status_code == 200
    assert_error(await put(api, customer_id, {"taxId": "X"}), 404, "CUSTOMER_NOT_FOUND")


# -- scopes (Q17) --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("scopes", "missing"),
    [
        ((UPDATE_CUSTOMERS,), READ_CUSTOMERS),
        ((READ_CUSTOMERS,), UPDATE_CUSTOMERS),
        ((READ_CUSTOMERS, CREATE_CUSTOMERS), UPDATE_CUSTOMERS),
    ],
)
async def test_put_needs_read_and_update_scopes(
    api: Api, scopes: tuple[str, ...], missing: str
) -> None:
    customer_id = await api.create_ok({"email": "a@example.net"})
    before = await api.get_ok(customer_id)
    token = await make_token(api.storage, api.store_id, scopes)
    response = await put(api, customer_id, {"taxId": "X"}, token=token)
    assert_error(
        response, 403, "INSUFFICIENT_APP_SCOPE", f"Access token doesn't have {missing} scope"
    )
    assert await api.get_ok(customer_id) == before


async def test_put_with_read_and_update_scopes_only_works(api: Api) -> None:
    customer_id = await api.create_ok({"email": "a@example.net"})
    token = await make_token(api.storage, api.store_id, (READ_CUSTOMERS, UPDATE_CUSTOMERS))
    response = await put(api, customer_id, {"taxId": "X"}, token=token)
    assert response.status_code == 200, response.text
    assert (await api.get_ok(customer_id))["taxId"] == "X"


async def test_token_of_another_store_is_403(api: Api) -> None:
    other = await other_store_api(api, 2002)
    customer_id = await api.create_ok({"email": "a@example.net"})
    before = await api.get_ok(customer_id)
    response = await put(api, customer_id, {"taxId": "X"}, token=other.token)
    assert_error(response, 403, "INVALID_API_TOKEN")
    assert await api.get_ok(customer_id) == before


# -- concurrency ---------------------------------------------------------------------------


async def test_concurrent_puts_of_different_fields_lose_none(api: Api) -> None:
    group_id = await api.storage.create_customer_group(api.store_id, name="Wholesale")
    customer_id = await api.create_ok({"email": "a@example.net", "lang": "fr"})
    bodies: list[dict[str, Any]] = [
        {"taxId": "T"},
        {"taxIdValid": False},
        {"taxExempt": True},
        {"b2b_b2c": "b2b"},
        {"acceptMarketing": True},
        {"lang": "en"},
        {"privateAdminNotes": "N"},
        {"fiscalCode": "F"},
        {"electronicInvoicePecEmail": "p@pec.example.it"},
        {"electronicInvoiceSdiCode": "S"},
        {"customerGroupId": group_id},
        {"email": "changed@example.net"},
        {"primaryPhone": "+100"},
        {"extrafields": [{"key": "k", "value": "v"}]},
        {"billingPerson": {"name": "Ann Smith"}},
        {"billingPerson": {"companyName": "ACME"}},
        {"billingPerson": {"street": "1 Road"}},
        {"billingPerson": {"city": "Paris"}},
        {"billingPerson": {"postalCode": "75001"}},
        {"billingPerson": {"phone": "+200"}},
    ]
    assert len(bodies) == 20
    responses = await asyncio.gather(*(put(api, customer_id, body) for body in bodies))
    assert [r.status_code for r in responses] == [200] * 20
    customer = await api.get_ok(customer_id)
    for body in bodies:
        for key, value in body.items():
            if key == "billingPerson":
                for field, text in value.items():
                    assert customer["billingPerson"][field] == text, (field, customer)
            elif key == "customerGroupId":
                assert customer["customerGroupName"] == "Wholesale"
            elif key == "primaryPhone":
                assert ("PHONE", value) in by_kind(customer)
            elif key == "extrafields":
                assert [(x["key"], x["value"]) for x in customer["extrafields"]] == [("k", "v")]
            else:
                assert customer[key] == value, (key, customer)
    assert by_kind(customer)[("EMAIL", "changed@example.net")]["default"] is True
    assert_one_default_per_type(customer["contacts"])


async def test_concurrent_contact_replacements_never_corrupt_the_customer(api: Api) -> None:
    customer_id = await api.create_ok(full_customer_body())
    bodies: list[dict[str, Any]] = [
        {
            "privateAdminNotes": f"writer {n}",
            "contacts": [
                {"contact": f"+1{n:03}", "type": "PHONE", "default": True},
                {"contact": f"+2{n:03}", "type": "PHONE"},
                {"contact": f"w{n}@example.net", "type": "EMAIL"},
                # Half say nothing of the default of this only TELEGRAM contact: it is still it.
                {"contact": f"@w{n}", "type": "TELEGRAM", **({"default": True} if n % 2 else {})},
            ],
        }
        for n in range(20)
    ]
    responses = await asyncio.gather(*(put(api, customer_id, body) for body in bodies))
    assert [r.status_code for r in responses] == [200] * 20
    assert {r.text for r in responses} == {'{"updateCount":1}'}
    customer = await api.get_ok(customer_id)
    writer = int(customer["privateAdminNotes"].removeprefix("writer "))
    # Every field comes from the same, single writer: no torn update.
    assert sorted(c["contact"] for c in customer["contacts"]) == sorted(
        [*(c["contact"] for c in bodies[writer]["contacts"]), "ann.smith@example.net"]
    )
    contacts = customer["contacts"]
    assert len(contacts) == 5  # and the contact of the customer's email, kept (spec 5.4)
    assert len({c["id"] for c in contacts}) == 5
    assert_one_default_per_type(contacts)
    # The ids each writer was given are never handed out twice.
    await put_ok(api, customer_id, {"contacts": [{"contact": "+9", "type": "PHONE"}]})
    final = (await api.get_ok(customer_id))["contacts"]
    assert final[0]["id"] not in {c["id"] for c in contacts}


async def test_concurrent_email_changes_to_one_address_let_exactly_one_win(api: Api) -> None:
    first = await api.create_ok({"email": "first@example.net"})
    second = await api.create_ok({"email": "second@example.net"})
    responses = await asyncio.gather(
        put(api, first, {"email": "shared@example.net"}),
        put(api, second, {"email": "SHARED@example.net"}),
    )
    assert sorted(r.status_code for r in responses) == [200, 409]
    loser = next(r for r in responses if r.status_code == 409)
    assert_error(loser, 409, "CONSTRAINT_VIOLATION")
    emails = sorted([(await api.get_ok(first))["email"], (await api.get_ok(second))["email"]])
    assert [e.lower() for e in emails].count("shared@example.net") == 1
    assert len(await found_by_email(api, "shared@example.net")) == 1


async def test_concurrent_put_and_create_with_one_email_keep_it_unique(api: Api) -> None:
    customer_id = await api.create_ok({"email": "a@example.net"})
    responses = await asyncio.gather(
        put(api, customer_id, {"email": "race@example.net"}),
        api.create({"email": "race@example.net"}),
    )
    assert sorted(r.status_code for r in responses) == [200, 409]
    assert len(await found_by_email(api, "race@example.net")) == 1


# -- password (legacy sign-in) --------------------------------------------------------------


async def test_password_is_rehashed_on_a_legacy_sign_in_store(api: Api) -> None:
    legacy = await other_store_api(api, 3003, legacy_sign_in=True)
    customer_id = await legacy.create_ok({"email": "a@example.net", "password": "old-Pa55"})
    old_hash = await password_hash(api, 3003, customer_id)
    assert old_hash is not None

    response = await put(legacy, customer_id, {"password": "new-Pa55-word"})
    assert response.status_code == 200, response.text
    assert response.json() == {"updateCount": 1}
    assert "new-Pa55-word" not in response.text

    new_hash = await password_hash(api, 3003, customer_id)
    assert new_hash is not None
    assert new_hash != old_hash
    assert new_hash.startswith("$argon2id$")
    assert "new-Pa55-word" not in new_hash
    assert verify_password(new_hash, "new-Pa55-word")
    assert not verify_password(new_hash, "old-Pa55")

    fetched = await legacy.get(customer_id)
    assert "password" not in fetched.json()
    assert "new-Pa55-word" not in fetched.text
    assert "argon2" not in fetched.text


async def test_put_without_password_keeps_the_hash(api: Api) -> None:
    legacy = await other_store_api(api, 3003, legacy_sign_in=True)
    customer_id = await legacy.create_ok({"email": "a@example.net", "password": "old-Pa55"})
    old_hash = await password_hash(api, 3003, customer_id)
    await put_ok(legacy, customer_id, {"taxId": "X", "password": None})
    assert await password_hash(api, 3003, customer_id) == old_hash


async def test_password_with_an_invalid_body_is_not_kept(api: Api) -> None:
    legacy = await other_store_api(api, 3003, legacy_sign_in=True)
    customer_id = await legacy.create_ok({"email": "a@example.net", "password": "old-Pa55"})
    old_hash = await password_hash(api, 3003, customer_id)
    response = await put(legacy, customer_id, {"password": "new-Pa55", "lang": "de"})
    assert_error(response, 400, "LANGUAGES_NOT_ALLOWED")
    assert await password_hash(api, 3003, customer_id) == old_hash


async def test_password_is_not_kept_without_legacy_sign_in(api: Api) -> None:
    customer_id = await api.create_ok({"email": "a@example.net"})
    customer = await put_ok(api, customer_id, {"password": "s3cret"})
    assert "password" not in customer
    assert await password_hash(api, api.store_id, customer_id) is None


async def test_a_top_level_name_renames_the_billing_person(api: Api) -> None:
    customer_id = await api.create_ok(
        {"email": "c@x.net", "billingPerson": {"name": "Old Name", "city": "Paris"}}
    )
    response = await api.client.put(
        api.url(f"customers/{customer_id}"), json={"name": "New Name"}, headers=api.auth()
    )
    assert response.status_code == 200
    got = await api.get_ok(customer_id)
    assert got["name"] == "New Name"
    assert got["billingPerson"]["city"] == "Paris"  # the rest of the billing person stays


async def test_a_case_only_email_change_respells_the_email_contact(api: Api) -> None:
    """Q22: the EMAIL contact follows every change of the email, one of case too."""
    customer_id = await api.create_ok({"email": "ann.smith@example.net"})
    got = await put_ok(api, customer_id, {"email": "ANN.SMITH@example.net"})
    assert got["email"] == "ANN.SMITH@example.net"
    emails = [c for c in got["contacts"] if c["type"] == "EMAIL"]
    assert [(c["contact"], c["default"]) for c in emails] == [("ANN.SMITH@example.net", True)]
    again = await put_ok(api, customer_id, {"privateAdminNotes": "unrelated"})
    assert [c["contact"] for c in again["contacts"] if c["type"] == "EMAIL"] == [
        "ANN.SMITH@example.net"
    ]


async def test_billing_person_can_be_replaced_whole_when_the_server_says_so(api: Api) -> None:
    """Q9: merged field by field by default; ``serve --replace-billing-person`` replaces it."""
    first = {"email": "b@x.net", "billingPerson": {"name": "Ann Lee", "city": "Paris"}}
    customer_id = await api.create_ok(first)
    async with api.with_settings(Settings(replace_billing_person=True)) as replacing:
        response = await replacing.client.put(
            api.url(f"customers/{customer_id}"),
            json={"billingPerson": {"name": "Bea Lee"}},
            headers=api.auth(),
        )
        assert response.status_code == 200
    got = await api.get_ok(customer_id)
    assert got["billingPerson"]["name"] == "Bea Lee"
    assert "city" not in got["billingPerson"]  # not merged: the old city is gone
