"""Properties of POST /customers over generated bodies (spec 4.3, 5, 3.3), on both engines.

- Any valid body is stored: GET gives back every value written, intact, plus the fields the
  server derives, and a few invariants hold (id, timestamps, no password, one default contact
  per type).
- Any body with one defect is refused with Ecwid's error body and the status and code that
  defect calls for, and nothing is stored.

Hypothesis runs inside pytest-asyncio (``@given`` on an ``async def`` works). The fixtures are
function-scoped, so one store serves every example of a test: emails are made unique by the
strategy, and checks compare counts before and after rather than absolute numbers.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pycountry
import pytest
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

from tests.support import Api, assert_error, count_customers
from tests.support.strategies import DEFECTS, Body, customer_bodies, invalid_bodies

ECWID_TIME = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \+0000$")

# The `api` fixture's store 1003 enables en and fr. GROUP is made by `_group` in each test
# (the first group of a store gets id 1); 0 is General and always exists.
LANGUAGES = ("en", "fr")
GROUP_NAME = "Wholesale ÄÖ"
GROUP_IDS = (0, 1)

# The store lives across a test's examples, so each one costs a request or two, not a fresh
# database; 50 examples per engine keep both properties near a few seconds.
PROPERTY_SETTINGS = settings(
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    max_examples=50,
    deadline=None,
    # The example database would be a .hypothesis/ directory in the working tree.
    database=None,
)
# 13 kinds of defect: a few examples of each add up to more than the valid bodies get.
INVALID_SETTINGS = settings(PROPERTY_SETTINGS, max_examples=8)

ADDRESS_KEYS = ("name", "companyName", "street", "city", "countryCode", "postalCode", "phone")
SHIPPING_KEYS = (*ADDRESS_KEYS, "stateOrProvinceCode", "note")
CONTACT_KEYS = ("contact", "type", "handle", "note")
STRING_DEFAULTS = {
    "taxId": "",
    "fiscalCode": "",
    "electronicInvoicePecEmail": "",
    "electronicInvoiceSdiCode": "",
    "privateAdminNotes": "",
}
FLAG_DEFAULTS = {"taxExempt": False, "taxIdValid": True}


async def _group(api: Api) -> None:
    response = await api.client.post(
        api.url("customer_groups"), json={"name": GROUP_NAME}, headers=api.auth()
    )
    assert response.status_code == 200, response.text
    assert response.json()["id"] == GROUP_IDS[1]


def _strings(value: Any) -> Iterator[str]:
    """Every string anywhere in a JSON value, keys included."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _keys(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _keys(item)
    elif isinstance(value, list):
        for item in value:
            yield from _keys(item)


def _has_null(value: Any) -> bool:
    if isinstance(value, dict):
        return any(_has_null(item) for item in value.values())
    if isinstance(value, list):
        return any(_has_null(item) for item in value)
    return value is None


# The names ISO gives each country: whichever the server shows must be one of them.
COUNTRY_NAMES = {
    country.alpha_2: {
        getattr(country, name)
        for name in ("name", "common_name", "official_name")
        if getattr(country, name, None)
    }
    for country in pycountry.countries
}
STATE_NAMES = {subdivision.code: subdivision.name for subdivision in pycountry.subdivisions}


def _assert_place(sent: Body, got: Body) -> None:
    """Codes kept as sent; their names filled from ISO 3166 (spec 5.2)."""
    if "countryCode" not in sent:
        assert "countryName" not in got
        return
    assert got["countryName"] in COUNTRY_NAMES[sent["countryCode"]]
    if "stateOrProvinceCode" in sent:
        assert got["stateOrProvinceCode"] == sent["stateOrProvinceCode"]
        code = f"{sent['countryCode']}-{sent['stateOrProvinceCode']}"
        assert got["stateOrProvinceName"] == STATE_NAMES[code]
    else:
        assert "stateOrProvinceCode" not in got
        assert "stateOrProvinceName" not in got


def _assert_billing(sent: Body, got: Body) -> None:
    person = sent.get("billingPerson") or {}
    if not person:
        # An empty object is left out, and so is the name copied from it (spec 5.1, 5.2).
        assert "billingPerson" not in got
        assert "name" not in got
        return
    billing = got["billingPerson"]
    for key in ADDRESS_KEYS:
        assert billing.get(key) == person.get(key), key
    _assert_place(person, billing)
    assert got.get("name") == person.get("name")
    # firstName/lastName: both or neither, and together the same words as the name (Q10).
    words = (person.get("name") or "").split()
    if len(words) >= 2:
        assert f"{billing['firstName']} {billing['lastName']}".split() == words
    else:
        assert "firstName" not in billing
        assert "lastName" not in billing


def _assert_shipping(sent: Body, got: Body) -> None:
    addresses = got["shippingAddresses"]
    written = sent.get("shippingAddresses") or []
    assert len(addresses) == len(written)

    def fields(address: Body) -> tuple[Any, ...]:
        return tuple(address.get(key) for key in SHIPPING_KEYS)

    # Matched as a multiset: the server orders the book by orderBy, not as sent (spec 5.3).
    assert Counter(fields(a) for a in addresses) >= Counter(fields(a) for a in written)
    for address in addresses:
        match = next(a for a in written if fields(a) == fields(address))
        _assert_place(match, address)
        assert address["createdDate"] == got["registered"]
        assert isinstance(address["addressFormatted"], str)
    for address in written:
        if "orderBy" in address:
            assert any(
                fields(a) == fields(address) and a["orderBy"] == address["orderBy"]
                for a in addresses
            )
    assert [a["orderBy"] for a in addresses] == sorted(a["orderBy"] for a in addresses)
    ids = [address["id"] for address in addresses]
    assert all(isinstance(i, int) and i > 0 for i in ids)
    assert len(set(ids)) == len(ids)
    if addresses:
        defaults = [address for address in addresses if address["defaultAddress"]]
        assert len(defaults) == 1
        marked = [address for address in written if address.get("defaultAddress")]
        if marked:
            assert fields(defaults[0]) == fields(marked[0])


def _same_contact(value: str, other: str) -> bool:
    # The server recognises an automatic contact it would add among those sent by its value,
    # trimmed and case-folded (spec Q22): the test only needs to find it.
    return value.strip().lower() == other.strip().lower()


def _assert_contacts(sent: Body, got: Body) -> None:
    contacts = got["contacts"]
    written = sent.get("contacts") or []

    def fields(contact: Body) -> tuple[Any, ...]:
        return tuple(contact.get(key) for key in CONTACT_KEYS)

    assert Counter(fields(c) for c in contacts) >= Counter(fields(c) for c in written)
    for contact in written:
        if "orderBy" in contact:
            assert any(
                fields(c) == fields(contact) and c["orderBy"] == contact["orderBy"]
                for c in contacts
            )
    ids = [contact["id"] for contact in contacts]
    assert all(isinstance(i, int) and i > 0 for i in ids)
    assert len(set(ids)) == len(ids)
    assert all(contact["timestamp"] == got["registered"] for contact in contacts)
    # Exactly one default per type present (spec 5.4, Q36).
    by_type = Counter(contact["type"] for contact in contacts)
    defaults = Counter(contact["type"] for contact in contacts if contact["default"])
    assert defaults == Counter(dict.fromkeys(by_type, 1))
    # The automatic contacts (spec Q22): the email, and the primary or billing phone.
    emails = [c for c in contacts if c["type"] == "EMAIL"]
    assert any(_same_contact(c["contact"], sent["email"]) for c in emails)
    phones = [c for c in contacts if c["type"] == "PHONE"]
    primary = sent.get("primaryPhone")
    billing_phone = (sent.get("billingPerson") or {}).get("phone")
    if primary is not None:
        assert any(c["default"] and _same_contact(c["contact"], primary) for c in phones)
    elif billing_phone is not None:
        assert any(_same_contact(c["contact"], billing_phone) for c in phones)
    # A contact the client made default stays so, unless primaryPhone claims the PHONE default.
    for contact in written:
        if contact.get("default") and not (contact["type"] == "PHONE" and primary is not None):
            assert any(c["default"] and fields(c) == fields(contact) for c in contacts)


def _assert_extrafields(sent: Body, got: Body) -> None:
    written = sent.get("extrafields") or []
    if not written:
        assert "extrafields" not in got
        return
    # The store defines no extra fields here, so every value is kept as sent, in order.
    assert len(got["extrafields"]) == len(written)
    for item, stored in zip(written, got["extrafields"], strict=True):
        for key in ("key", "title", "value", "type"):
            assert stored.get(key) == item.get(key), key
        assert stored["entityTypes"] == ["CUSTOMERS"]


def assert_round_trip(sent: Body, got: Body, customer_id: int) -> None:
    # Read-only keys sent (id, registered, stats...) are ignored (spec Q8).
    assert got["id"] == customer_id
    assert got["email"] == sent["email"]
    assert ECWID_TIME.match(got["registered"])
    assert got["updated"] == got["registered"]
    assert got["customerGroupId"] == sent.get("customerGroupId", 0)
    assert got["customerGroupName"] == ("General" if got["customerGroupId"] == 0 else GROUP_NAME)
    for key, default in STRING_DEFAULTS.items():
        assert got[key] == sent.get(key, default), key
    for key, flag in FLAG_DEFAULTS.items():
        assert got[key] is sent.get(key, flag), key
    assert got["b2b_b2c"] == sent.get("b2b_b2c", "b2c")
    for key in ("acceptMarketing", "lang"):
        assert got.get(key) == sent.get(key), key  # left out when not sent (Q23)
    assert got["stats"] == {"numberOfOrders": 0, "salesValue": 0, "averageOrderValue": 0}
    assert got["favorites"] == []
    _assert_billing(sent, got)
    _assert_shipping(sent, got)
    _assert_contacts(sent, got)
    _assert_extrafields(sent, got)
    # Write-only values never come back, under any key or inside any string (spec 5.9).
    assert not any("password" in key.lower() for key in _keys(got))
    assert "primaryPhone" not in got
    if "password" in sent:  # a value with a unique prefix: nothing else contains it
        assert not any(sent["password"] in text for text in _strings(got))
    assert not _has_null(got)  # unset values are left out, never null (spec 5.1)


@PROPERTY_SETTINGS
@given(body=customer_bodies(group_ids=GROUP_IDS, languages=LANGUAGES))
async def test_any_valid_body_round_trips(api: Api, body: Body) -> None:
    note(f"body={body!r}")  # the arguments of async tests are not printed on failure
    if not await _has_group(api):
        await _group(api)
    before = await count_customers(api.storage, api.store_id)
    response = await api.create(body)
    assert response.status_code == 200, response.text
    created = response.json()
    assert set(created) == {"id"}
    customer_id = created["id"]
    assert isinstance(customer_id, int)
    assert 0 < customer_id < 2**31  # fits the official client's Int (spec Q37)
    assert await count_customers(api.storage, api.store_id) == before + 1
    assert_round_trip(body, await api.get_ok(customer_id), customer_id)
    # What was written is also what search finds it by.
    found = await api.client.get(
        api.url(), params={"email": body["email"], "useExactEmailMatch": "true"}, headers=api.auth()
    )
    assert found.status_code == 200, found.text
    assert [item["id"] for item in found.json()["items"]] == [customer_id]


async def _has_group(api: Api) -> bool:
    return await api.storage.get_customer_group(api.store_id, GROUP_IDS[1]) is not None


@pytest.mark.parametrize("defect", DEFECTS)
@INVALID_SETTINGS
@given(data=st.data())
async def test_any_invalid_body_is_refused_and_stores_nothing(
    api: Api, defect: str, data: st.DataObject
) -> None:
    # One test per kind of defect, so that every kind is tried on every run (one strategy
    # choosing among the kinds favours the first few), and a failure names its kind.
    invalid = data.draw(invalid_bodies(defect, group_ids=GROUP_IDS, languages=LANGUAGES))
    note(repr(invalid))
    if not await _has_group(api):
        await _group(api)
    before = await count_customers(api.storage, api.store_id)
    # Serialised here: httpx sends no body at all for json=None.
    response = await api.client.post(
        api.url(),
        content=json.dumps(invalid.body, ensure_ascii=False).encode(),
        headers={**api.auth(), "Content-Type": "application/json"},
    )
    assert_error(response, invalid.status, invalid.code)
    assert await count_customers(api.storage, api.store_id) == before
