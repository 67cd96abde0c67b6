"""POST /api/v3/{storeId}/customers, end to end through the ASGI app and a real SQLite file."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import pytest

from tests.support import (
    Api,
    assert_error,
    count_customers,
    full_customer_body,
    make_store,
    stored_value,
)

ECWID_TIME = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \+0000$")


async def test_minimal_customer_gets_every_default(api: Api) -> None:
    customer_id = await api.create_ok({"email": "ann@example.net"})
    customer = await api.get_ok(customer_id)

    assert customer["id"] == customer_id
    assert customer["email"] == "ann@example.net"
    assert ECWID_TIME.match(customer["registered"])
    assert customer["updated"] == customer["registered"]
    assert customer["customerGroupId"] == 0
    assert customer["customerGroupName"] == "General"
    assert customer["shippingAddresses"] == []
    assert customer["taxExempt"] is False
    assert customer["taxId"] == ""
    assert customer["taxIdValid"] is True
    assert customer["b2b_b2c"] == "b2c"
    assert customer["fiscalCode"] == ""
    assert customer["electronicInvoicePecEmail"] == ""
    assert customer["electronicInvoiceSdiCode"] == ""
    assert customer["stats"] == {"numberOfOrders": 0, "salesValue": 0, "averageOrderValue": 0}
    assert customer["privateAdminNotes"] == ""
    assert customer["favorites"] == []
    # Unset values are left out, not sent as null (spec 5.1).
    for absent in ("name", "billingPerson", "acceptMarketing", "lang", "extrafields", "password"):
        assert absent not in customer
    assert None not in customer.values()
    # The automatic EMAIL contact (spec Q22).
    assert customer["contacts"] == [
        {
            "id": customer["contacts"][0]["id"],
            "contact": "ann@example.net",
            "type": "EMAIL",
            "default": True,
            "orderBy": 0,
            "timestamp": customer["registered"],
        }
    ]


async def test_every_seed_field_reads_back_with_derived_fields(api: Api) -> None:
    body = full_customer_body()
    customer_id = await api.create_ok(body)
    customer = await api.get_ok(customer_id)

    assert customer["email"] == body["email"]
    assert customer["name"] == "Ann Smith"
    assert customer["billingPerson"] == {
        "name": "Ann Smith",
        "firstName": "Ann",
        "lastName": "Smith",
        "companyName": "Smith & Daughters",
        "street": "1 Main Street\nSuite 200",
        "city": "New York",
        "countryCode": "US",
        "countryName": "United States",
        "postalCode": "10001",
        "stateOrProvinceCode": "NY",
        "stateOrProvinceName": "New York",
        "phone": "+12125550100",
    }
    first, second = customer["shippingAddresses"]
    assert first["id"] != 999  # ids are the server's, never the client's
    assert {k: v for k, v in first.items() if k not in ("id", "createdDate")} == {
        "name": "Ann Smith",
        "companyName": "Smith & Daughters",
        "street": "5 Harbour Road",
        "city": "Tbilisi",
        "countryCode": "GE",
        "countryName": "Georgia",
        "postalCode": "0105",
        "stateOrProvinceCode": "TB",
        "stateOrProvinceName": "Tbilisi",
        "phone": "+995322000000",
        "note": "Ring twice",
        "addressFormatted": "5 Harbour Road, Tbilisi, 0105 Tbilisi, Georgia",
        "defaultAddress": False,
        "orderBy": 0,
    }
    assert first["createdDate"] == customer["registered"]
    assert second["countryName"] == "Canada"
    assert second["stateOrProvinceName"] == "Ontario"
    assert second["defaultAddress"] is True
    assert second["orderBy"] == 1
    assert second["id"] > first["id"]

    contacts = {(c["type"], c["contact"]): c for c in customer["contacts"]}
    facebook = contacts[("FACEBOOK", "https://www.facebook.com/myshop_page")]
    assert facebook["handle"] == "myshop_page"
    assert facebook["note"] == "Prefers messages"
    assert facebook["default"] is True
    assert facebook["orderBy"] == 0
    assert facebook["id"] != 12345
    assert facebook["timestamp"] == customer["registered"]  # the client's timestamp is ignored
    work_email = contacts[("EMAIL", "ann.work@example.net")]
    own_email = contacts[("EMAIL", "ann.smith@example.net")]
    # The customer's own email is always the default EMAIL contact (spec 5.4).
    assert (work_email["default"], work_email["orderBy"]) == (False, 0)
    assert (own_email["default"], own_email["orderBy"]) == (True, 1)
    # primaryPhone drives the default PHONE contact; the billing phone is not added beside it.
    assert contacts[("PHONE", "+12125550199")]["default"] is True
    assert ("PHONE", "+12125550100") not in contacts
    assert len({c["id"] for c in customer["contacts"]}) == len(customer["contacts"])

    assert customer["b2b_b2c"] == "b2b"
    assert customer["taxId"] == "IT12345678901"
    assert customer["taxIdValid"] is False
    assert customer["taxExempt"] is True
    assert customer["acceptMarketing"] is True
    assert customer["lang"] == "fr"
    assert customer["privateAdminNotes"] == "Met at the trade fair"
    assert customer["fiscalCode"] == "SMTNNA80A41F205X"
    assert customer["electronicInvoicePecEmail"] == "ann@pec.example.it"
    assert customer["electronicInvoiceSdiCode"] == "ABC1234"
    assert customer["extrafields"] == [
        {
            "key": "6r0fUGw",
            "title": "How did you hear about us?",
            "value": "Fair",
            "orderBy": 0,
            "type": "TEXT",
            "entityTypes": ["CUSTOMERS"],
        }
    ]
    assert "password" not in customer
    assert "primaryPhone" not in customer


async def test_response_keys_follow_ecwid_order(api: Api) -> None:
    customer = await api.get_ok(await api.create_ok(full_customer_body()))
    assert list(customer) == [
        "id", "name", "email", "registered", "updated", "customerGroupId", "customerGroupName",
        "billingPerson", "shippingAddresses", "contacts", "taxExempt", "taxId", "taxIdValid",
        "b2b_b2c", "fiscalCode", "electronicInvoicePecEmail", "electronicInvoiceSdiCode",
        "acceptMarketing", "lang", "stats", "privateAdminNotes", "favorites", "extrafields",
    ]  # fmt: skip


async def test_create_answers_only_the_id(api: Api) -> None:
    response = await api.create({"email": "ann@example.net"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json;charset=utf-8"
    assert list(response.json()) == ["id"]


async def test_ids_increase_and_stay_below_2_31(api: Api) -> None:
    ids = [await api.create_ok({"email": f"c{n}@example.net"}) for n in range(5)]
    assert ids == sorted(ids)
    assert len(set(ids)) == 5
    assert all(0 < customer_id < 2**31 for customer_id in ids)


async def test_ids_are_per_store(api: Api) -> None:
    await make_store(api.storage, 2002)
    from tests.support import make_token

    other = await make_token(api.storage, 2002)
    first_here = await api.create_ok({"email": "a@example.net"})
    response = await api.client.post(
        api.url(store_id=2002), json={"email": "a@example.net"}, headers=api.auth(other)
    )
    assert response.status_code == 200  # the same email in another store is no conflict
    assert response.json()["id"] == first_here  # each store counts from the start


async def test_single_word_name_has_no_first_or_last_name(api: Api) -> None:
    customer_id = await api.create_ok({"email": "a@example.net", "billingPerson": {"name": "test"}})
    person = (await api.get_ok(customer_id))["billingPerson"]
    assert person == {"name": "test"}


async def test_three_word_name_splits_after_the_first_word(api: Api) -> None:
    body = {"email": "a@example.net", "billingPerson": {"name": "Mary Ann Smith"}}
    person = (await api.get_ok(await api.create_ok(body)))["billingPerson"]
    assert (person["firstName"], person["lastName"]) == ("Mary", "Ann Smith")


async def test_country_code_is_normalised_and_names_filled(api: Api) -> None:
    body = {
        "email": "a@example.net",
        "billingPerson": {"countryCode": "kr", "stateOrProvinceCode": "11"},
    }
    person = (await api.get_ok(await api.create_ok(body)))["billingPerson"]
    assert person["countryCode"] == "KR"
    assert person["countryName"] == "South Korea"
    assert person["stateOrProvinceName"] == "Seoul-teukbyeolsi"


async def test_names_sent_without_codes_are_kept(api: Api) -> None:
    body = {
        "email": "a@example.net",
        "billingPerson": {"countryName": "Atlantis", "stateOrProvinceName": "Deep"},
    }
    person = (await api.get_ok(await api.create_ok(body)))["billingPerson"]
    assert person == {"countryName": "Atlantis", "stateOrProvinceName": "Deep"}


async def test_state_of_a_country_without_iso_subdivisions_is_kept_as_sent(api: Api) -> None:
    body = {
        "email": "a@example.net",
        "billingPerson": {"countryCode": "VA", "stateOrProvinceCode": "x"},
    }
    person = (await api.get_ok(await api.create_ok(body)))["billingPerson"]
    assert person["stateOrProvinceCode"] == "x"
    assert "stateOrProvinceName" not in person


@pytest.mark.parametrize(
    ("billing", "field"),
    [
        ({"countryCode": "XX"}, "billingPerson.countryCode"),
        ({"countryCode": "USA"}, "billingPerson.countryCode"),
        ({"countryCode": "US", "stateOrProvinceCode": "ZZ"}, "billingPerson.stateOrProvinceCode"),
    ],
)
async def test_unknown_country_or_state_is_rejected(
    api: Api, billing: dict[str, str], field: str
) -> None:
    response = await api.create({"email": "a@example.net", "billingPerson": billing})
    assert_error(response, 400, "WRONG_PARAMETER")
    assert f"'{field}'" in response.json()["errorMessage"]
    assert await count_customers(api.storage, api.store_id) == 0


async def test_shipping_address_country_is_checked_too(api: Api) -> None:
    body = {"email": "a@example.net", "shippingAddresses": [{}, {"countryCode": "QQ"}]}
    response = await api.create(body)
    assert_error(response, 400, "WRONG_PARAMETER")
    assert "'shippingAddresses[1].countryCode'" in response.json()["errorMessage"]


async def test_first_shipping_address_is_default_when_none_is_asked(api: Api) -> None:
    body = {"email": "a@example.net", "shippingAddresses": [{"city": "A"}, {"city": "B"}]}
    addresses = (await api.get_ok(await api.create_ok(body)))["shippingAddresses"]
    assert [a["defaultAddress"] for a in addresses] == [True, False]
    assert [a["orderBy"] for a in addresses] == [0, 1]
    assert [a["addressFormatted"] for a in addresses] == ["A", "B"]


async def test_shipping_addresses_come_back_in_order_by_order(api: Api) -> None:
    body = {
        "email": "a@example.net",
        "shippingAddresses": [{"city": "C", "orderBy": 2}, {"city": "A", "orderBy": 0}],
    }
    addresses = (await api.get_ok(await api.create_ok(body)))["shippingAddresses"]
    assert [(a["city"], a["orderBy"], a["defaultAddress"]) for a in addresses] == [
        ("A", 0, True),
        ("C", 2, False),
    ]


async def test_blank_address_values_are_left_out(api: Api) -> None:
    body = {
        "email": "a@example.net",
        "billingPerson": {
            "name": "  Ann Smith ",
            "companyName": "",
            "phone": "  ",
            "countryCode": "",
        },
        "shippingAddresses": [{"city": "", "street": "1 Road"}],
        "primaryPhone": " ",
    }
    customer = await api.get_ok(await api.create_ok(body))
    assert customer["name"] == "Ann Smith"
    assert customer["billingPerson"] == {
        "name": "Ann Smith",
        "firstName": "Ann",
        "lastName": "Smith",
    }
    (address,) = customer["shippingAddresses"]
    assert "city" not in address
    assert address["addressFormatted"] == "1 Road"
    assert [c["type"] for c in customer["contacts"]] == ["EMAIL"]


async def test_billing_person_of_blanks_is_left_out(api: Api) -> None:
    body = {"email": "a@example.net", "billingPerson": {"name": "", "city": " "}}
    customer = await api.get_ok(await api.create_ok(body))
    assert "billingPerson" not in customer
    assert "name" not in customer


async def test_two_default_shipping_addresses_are_rejected(api: Api) -> None:
    body = {
        "email": "a@example.net",
        "shippingAddresses": [{"defaultAddress": True}, {"defaultAddress": True}],
    }
    assert_error(await api.create(body), 400, "WRONG_PARAMETER")


async def test_billing_phone_becomes_the_default_phone_contact(api: Api) -> None:
    body = {"email": "a@example.net", "billingPerson": {"phone": "+100"}}
    contacts = (await api.get_ok(await api.create_ok(body)))["contacts"]
    assert [(c["type"], c["contact"], c["default"]) for c in contacts] == [
        ("EMAIL", "a@example.net", True),
        ("PHONE", "+100", True),
    ]


async def test_email_contact_sent_by_client_is_not_duplicated(api: Api) -> None:
    body = {"email": "a@example.net", "contacts": [{"contact": "A@Example.net", "type": "EMAIL"}]}
    contacts = (await api.get_ok(await api.create_ok(body)))["contacts"]
    # One contact, spelt as the customer's email (spec 5.4: the two are equal).
    assert [(c["type"], c["contact"], c["default"]) for c in contacts] == [
        ("EMAIL", "a@example.net", True)
    ]


@pytest.mark.parametrize(
    ("contact", "field"),
    [
        ({"contact": "b@example.net", "type": "EMAIL", "default": True}, "contacts[0].default"),
        ({"contact": "a@example.net", "type": "EMAIL", "default": False}, "contacts[0].default"),
        ({"contact": "@a", "type": "TELEGRAM", "default": False}, "contacts[0].default"),
    ],
)
async def test_contacts_that_break_spec_5_4_are_400_and_create_nothing(
    api: Api, contact: dict[str, Any], field: str
) -> None:
    response = await api.create({"email": "a@example.net", "contacts": [contact]})
    assert_error(response, 400, "WRONG_PARAMETER")
    assert f"'{field}'" in response.json()["errorMessage"]
    assert (await api.create({"email": "a@example.net"})).status_code == 200  # email still free


async def test_contact_order_counts_within_each_type(api: Api) -> None:
    body = {
        "email": "a@example.net",
        "contacts": [
            {"contact": "+1", "type": "PHONE"},
            {"contact": "+2", "type": "PHONE"},
            {"contact": "@a", "type": "TELEGRAM"},
        ],
    }
    contacts = (await api.get_ok(await api.create_ok(body)))["contacts"]
    got = [(c["type"], c["contact"], c["orderBy"], c["default"]) for c in contacts]
    assert got == [
        ("PHONE", "+1", 0, True),
        ("PHONE", "+2", 1, False),
        ("TELEGRAM", "@a", 0, True),
        ("EMAIL", "a@example.net", 0, True),
    ]


async def test_two_default_contacts_of_one_type_are_rejected(api: Api) -> None:
    body = {
        "email": "a@example.net",
        "contacts": [
            {"contact": "+1", "type": "PHONE", "default": True},
            {"contact": "+2", "type": "PHONE", "default": True},
        ],
    }
    response = await api.create(body)
    assert_error(response, 400, "WRONG_PARAMETER")
    assert await count_customers(api.storage, api.store_id) == 0


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
    response = await api.create({"email": "a@example.net", "contacts": [contact]})
    assert_error(response, 400, "WRONG_PARAMETER", message)


async def test_unknown_contact_type_is_rejected(api: Api) -> None:
    response = await api.create(
        {"email": "a@example.net", "contacts": [{"contact": "x", "type": "FAX"}]}
    )
    assert_error(response, 400, "WRONG_PARAMETER")
    assert "'contacts[0].type'" in response.json()["errorMessage"]


@pytest.mark.parametrize("body", [{}, {"email": ""}, {"email": "   "}, {"email": None}])
async def test_email_is_required(api: Api, body: dict[str, Any]) -> None:
    assert_error(await api.create(body), 400, "WRONG_PARAMETER", "Field Customer.email is absent")


async def test_email_without_at_sign_is_rejected(api: Api) -> None:
    response = await api.create({"email": "not-an-email"})
    assert_error(
        response, 400, "WRONG_PARAMETER", "Wrong parameter 'email' value: not an email address"
    )


async def test_email_is_stored_trimmed(api: Api) -> None:
    customer = await api.get_ok(await api.create_ok({"email": "  ann@example.net "}))
    assert customer["email"] == "ann@example.net"


@pytest.mark.parametrize("second", ["ann@example.net", "ANN@Example.NET", " ann@example.net "])
async def test_duplicate_email_is_409(api: Api, second: str) -> None:
    await api.create_ok({"email": "ann@example.net"})
    response = await api.create({"email": second})
    assert_error(
        response, 409, "CONSTRAINT_VIOLATION", "The customer with the given email already exists"
    )
    assert await count_customers(api.storage, api.store_id) == 1


async def test_concurrent_creates_with_one_email_store_exactly_one(api: Api) -> None:
    responses = await asyncio.gather(
        *(api.create({"email": "race@example.net", "taxId": str(n)}) for n in range(20))
    )
    statuses = sorted(response.status_code for response in responses)
    assert statuses == [200] + [409] * 19
    for response in responses:
        if response.status_code == 409:
            assert_error(response, 409, "CONSTRAINT_VIOLATION")
    assert await count_customers(api.storage, api.store_id) == 1


async def test_concurrent_creates_with_distinct_emails_all_succeed(api: Api) -> None:
    responses = await asyncio.gather(
        *(api.create({"email": f"c{n}@example.net"}) for n in range(50))
    )
    assert {response.status_code for response in responses} == {200}
    ids = [response.json()["id"] for response in responses]
    assert len(set(ids)) == 50
    assert await count_customers(api.storage, api.store_id) == 50


async def test_lang_must_be_enabled_in_the_store(api: Api) -> None:
    response = await api.create({"email": "a@example.net", "lang": "de"})
    assert_error(
        response, 400, "LANGUAGES_NOT_ALLOWED", "Specified languages are disabled in the store"
    )
    assert await count_customers(api.storage, api.store_id) == 0


async def test_customer_group_must_exist(api: Api) -> None:
    response = await api.create({"email": "a@example.net", "customerGroupId": 7})
    assert_error(response, 404, "CUSTOMER_GROUP_NOT_FOUND", "Customer group #7 not found")
    assert await count_customers(api.storage, api.store_id) == 0


async def test_existing_customer_group_is_named(api: Api) -> None:
    group_id = await api.storage.create_customer_group(api.store_id, name="Wholesale")
    customer_id = await api.create_ok({"email": "a@example.net", "customerGroupId": group_id})
    customer = await api.get_ok(customer_id)
    assert (customer["customerGroupId"], customer["customerGroupName"]) == (group_id, "Wholesale")


async def test_groups_of_another_store_do_not_count(api: Api) -> None:
    await make_store(api.storage, 2002)
    group_id = await api.storage.create_customer_group(2002, name="Theirs")
    response = await api.create({"email": "a@example.net", "customerGroupId": group_id})
    assert_error(response, 404, "CUSTOMER_GROUP_NOT_FOUND")


@pytest.mark.parametrize("group", [-1, 2**63, 10**30])
async def test_customer_group_id_that_cannot_be_an_id_is_400(api: Api, group: int) -> None:
    response = await api.create({"email": "a@example.net", "customerGroupId": group})
    assert_error(response, 400, "WRONG_PARAMETER")
    assert "'customerGroupId'" in response.json()["errorMessage"]


async def test_large_unknown_customer_group_id_is_404(api: Api) -> None:
    response = await api.create({"email": "a@example.net", "customerGroupId": 2**31})
    assert_error(response, 404, "CUSTOMER_GROUP_NOT_FOUND", f"Customer group #{2**31} not found")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"customerGroupId": "abc"}, "customerGroupId"),
        ({"taxExempt": "yes"}, "taxExempt"),
        ({"acceptMarketing": 1}, "acceptMarketing"),
        ({"taxId": 5}, "taxId"),
        ({"billingPerson": "Ann"}, "billingPerson"),
        ({"billingPerson": {"name": 5}}, "billingPerson.name"),
        ({"shippingAddresses": {}}, "shippingAddresses"),
        (
            {"shippingAddresses": [{"defaultAddress": "true"}]},
            "shippingAddresses[0].defaultAddress",
        ),
        ({"contacts": [None]}, "contacts[0]"),
        ({"contacts": [{"contact": "x", "type": "EMAIL", "orderBy": "1"}]}, "contacts[0].orderBy"),
        ({"b2b_b2c": "b2x"}, "b2b_b2c"),
        ({"extrafields": [{"key": 1}]}, "extrafields[0].key"),
        ({"primaryPhone": 12125550100}, "primaryPhone"),
    ],
)
async def test_wrong_json_types_name_the_field(api: Api, body: dict[str, Any], field: str) -> None:
    response = await api.create({"email": "a@example.net", **body})
    assert_error(response, 400, "WRONG_PARAMETER")
    assert response.json()["errorMessage"].startswith(f"Wrong parameter '{field}' value")
    assert await count_customers(api.storage, api.store_id) == 0


async def test_unknown_and_read_only_keys_are_ignored(api: Api) -> None:
    body = {
        "email": "a@example.net",
        "id": 42,
        "name": "Not Derived",
        "customerGroupName": "VIP",
        "registered": "2000-01-01 00:00:00 +0000",
        "stats": {"numberOfOrders": 9},
        "favorites": [{"productId": 1}],
        "somethingNew": {"nested": [1, 2]},
        "billingPerson": {"name": "Ann Smith", "firstName": "X", "unknown": 1},
    }
    customer = await api.get_ok(await api.create_ok(body))
    assert customer["id"] != 42
    assert customer["name"] == "Ann Smith"
    assert customer["customerGroupName"] == "General"
    assert customer["registered"] != "2000-01-01 00:00:00 +0000"
    assert customer["stats"]["numberOfOrders"] == 0
    assert customer["favorites"] == []
    assert "somethingNew" not in customer
    assert customer["billingPerson"]["firstName"] == "Ann"


async def test_explicit_nulls_mean_not_sent(api: Api) -> None:
    body = {
        "email": "a@example.net",
        "billingPerson": None,
        "lang": None,
        "acceptMarketing": None,
        "taxIdValid": None,
        "customerGroupId": None,
        "contacts": None,
    }
    customer = await api.get_ok(await api.create_ok(body))
    assert "billingPerson" not in customer
    assert "lang" not in customer
    assert "acceptMarketing" not in customer
    assert customer["taxIdValid"] is True
    assert customer["customerGroupId"] == 0


async def _password_hash(api: Api, store_id: int, customer_id: int) -> str | None:
    value: str | None = await stored_value(
        api.storage,
        "SELECT password_hash FROM customers WHERE store_id = ? AND id = ?",
        store_id,
        customer_id,
    )
    return value


async def test_password_is_argon2_hashed_on_legacy_sign_in_stores(api: Api) -> None:
    from ecwid_customers.domain.passwords import verify_password
    from tests.support import make_token

    await make_store(api.storage, 3003, legacy_sign_in=True)
    token = await make_token(api.storage, 3003)
    response = await api.client.post(
        api.url(store_id=3003),
        json={"email": "a@example.net", "password": "s3cret-Pa55"},
        headers=api.auth(token),
    )
    customer_id = response.json()["id"]
    stored = await _password_hash(api, 3003, customer_id)
    assert stored is not None
    assert stored.startswith("$argon2id$")
    assert "s3cret-Pa55" not in stored
    assert verify_password(stored, "s3cret-Pa55")
    assert not verify_password(stored, "wrong")
    fetched = await api.client.get(
        api.url(f"customers/{customer_id}", 3003), headers=api.auth(token)
    )
    assert "s3cret-Pa55" not in fetched.text
    assert "argon2" not in fetched.text


async def test_password_is_accepted_but_not_kept_without_legacy_sign_in(api: Api) -> None:
    customer_id = await api.create_ok({"email": "a@example.net", "password": "s3cret"})
    assert await _password_hash(api, api.store_id, customer_id) is None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"email": "a" * 250 + "@x.io"}, "email"),
        (
            {"email": "a@example.net", "billingPerson": {"name": "Ann " + "x" * 300}},
            "billingPerson.name",
        ),
        (
            {"email": "a@example.net", "shippingAddresses": [{"name": "山" * 256}]},
            "shippingAddresses[0].name",
        ),
    ],
)
async def test_overlong_indexed_values_are_400_on_every_engine(
    api: Api, body: dict[str, Any], field: str
) -> None:
    response = await api.create(body)
    assert_error(response, 400, "WRONG_PARAMETER")
    assert f"'{field}'" in response.json()["errorMessage"]
    assert await count_customers(api.storage, api.store_id) == 0


async def test_longest_allowed_values_are_stored(api: Api) -> None:
    email = "a" * 249 + "@x.io"
    name = "Ann " + "山" * 251
    customer = await api.get_ok(
        await api.create_ok({"email": email, "billingPerson": {"name": name}})
    )
    assert (len(customer["email"]), customer["name"]) == (254, name)


async def test_two_unicode_spellings_of_one_email_are_one_customer(api: Api) -> None:
    """NFC and NFD spellings look alike: the second is the same email, taken (409)."""
    composed, decomposed = "jos\u00e9@example.net", "JOSE\u0301@example.net"
    first = await api.create_ok({"email": composed})
    response = await api.create({"email": decomposed})
    assert response.status_code == 409
    assert response.json()["errorCode"] == "CONSTRAINT_VIOLATION"
    found = await api.client.get(
        api.url(), params={"email": decomposed, "useExactEmailMatch": "true"}, headers=api.auth()
    )
    assert [item["id"] for item in found.json()["items"]] == [first]
    assert found.json()["items"][0]["email"] == composed  # answered as it was sent


async def test_a_top_level_name_fills_the_billing_name_when_that_is_not_sent(api: Api) -> None:
    """A client whose model has Ecwid's derived top-level ``name`` sends it back (Q8)."""
    carol = await api.get_ok(await api.create_ok({"email": "c@x.net", "name": "Carol Top"}))
    assert (carol["name"], carol["billingPerson"]["name"]) == ("Carol Top", "Carol Top")
    assert (carol["billingPerson"]["firstName"], carol["billingPerson"]["lastName"]) == (
        "Carol",
        "Top",
    )
    both = {"email": "d@x.net", "name": "Top Name", "billingPerson": {"name": "Billing Name"}}
    dana = await api.get_ok(await api.create_ok(both))
    assert dana["name"] == dana["billingPerson"]["name"] == "Billing Name"  # billing wins
    blank = await api.get_ok(await api.create_ok({"email": "e@x.net", "name": "  "}))
    assert "name" not in blank
    assert "billingPerson" not in blank


async def test_a_phone_only_in_a_shipping_address_makes_no_phone_contact(api: Api) -> None:
    """Q22 decides where spec 5.4's search example (a PHONE contact from an address) and the
    create rules disagree: only primaryPhone or the billing phone becomes a PHONE contact."""
    body = {"email": "s@x.net", "shippingAddresses": [{"street": "1 Road", "phone": "+15550001"}]}
    customer = await api.get_ok(await api.create_ok(body))
    assert [c["type"] for c in customer["contacts"]] == ["EMAIL"]
    assert customer["shippingAddresses"][0]["phone"] == "+15550001"
    found = await api.client.get(api.url(), params={"phone": "+15550001"}, headers=api.auth())
    assert [item["email"] for item in found.json()["items"]] == ["s@x.net"]  # still searchable
