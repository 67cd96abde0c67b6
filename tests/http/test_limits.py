"""Size limits where Ecwid documents none (domain/limits.py): at the limit a body is taken,
one past it is a 400 naming the field, and nothing is stored."""

from __future__ import annotations

from typing import Any

import pytest

from ecwid_customers.domain import limits
from tests.support import Api, assert_error, count_customers


def _addresses(count: int) -> list[dict[str, Any]]:
    return [{"street": f"{number} Main Street"} for number in range(count)]


def _contacts(count: int) -> list[dict[str, Any]]:
    return [{"contact": f"+1555000{number:04}", "type": "PHONE"} for number in range(count)]


def _extrafields(count: int) -> list[dict[str, Any]]:
    return [{"key": f"k{number}", "value": "v"} for number in range(count)]


CASES = [
    ("shippingAddresses", _addresses, limits.MAX_SHIPPING_ADDRESSES, "more than 100 items"),
    ("contacts", _contacts, limits.MAX_CONTACTS, "more than 100 items"),
    ("extrafields", _extrafields, limits.MAX_EXTRA_FIELDS, "more than 100 items"),
]


@pytest.mark.parametrize(("field", "make", "limit", "message"), CASES)
async def test_a_list_past_its_limit_is_refused_and_changes_nothing(
    api: Api, field: str, make: Any, limit: int, message: str
) -> None:
    response = await api.create({"email": "a@example.net", field: make(limit + 1)})
    assert_error(response, 400, "WRONG_PARAMETER", f"Wrong parameter '{field}' value: {message}")
    assert await count_customers(api.storage, api.store_id) == 0


@pytest.mark.parametrize(
    ("field", "make", "limit"), [(f, m, n) for f, m, n, _ in CASES if f != "extrafields"]
)
async def test_a_list_at_its_limit_is_taken(api: Api, field: str, make: Any, limit: int) -> None:
    customer_id = await api.create_ok({"email": "a@example.net", field: make(limit)})
    assert len((await api.get_ok(customer_id))[field]) >= limit


@pytest.mark.parametrize(
    ("body", "field", "limit"),
    [
        ({"billingPerson": {"city": "c" * 256}}, "billingPerson.city", limits.SHORT_TEXT),
        ({"billingPerson": {"street": "s" * 1001}}, "billingPerson.street", limits.LONG_TEXT),
        ({"shippingAddresses": [{"note": "n" * 1001}]}, "shippingAddresses[0].note", 1000),
        ({"contacts": [{"contact": "x" * 1001, "type": "URL"}]}, "contacts[0].contact", 1000),
        ({"privateAdminNotes": "p" * 10_001}, "privateAdminNotes", limits.NOTES_TEXT),
        ({"taxId": "t" * 256}, "taxId", limits.SHORT_TEXT),
    ],
)
async def test_text_past_its_limit_is_refused(
    api: Api, body: dict[str, Any], field: str, limit: int
) -> None:
    response = await api.create({"email": "a@example.net", **body})
    assert_error(
        response,
        400,
        "WRONG_PARAMETER",
        f"Wrong parameter '{field}' value: longer than {limit} characters",
    )
    assert await count_customers(api.storage, api.store_id) == 0


async def test_notes_at_their_limit_are_kept_whole(api: Api) -> None:
    notes = "p" * limits.NOTES_TEXT
    customer_id = await api.create_ok({"email": "a@example.net", "privateAdminNotes": notes})
    assert (await api.get_ok(customer_id))["privateAdminNotes"] == notes


async def test_adding_a_contact_stops_at_the_limit(api: Api) -> None:
    customer_id = await api.create_ok(
        {"email": "a@example.net", "contacts": _contacts(limits.MAX_CONTACTS - 1)}
    )  # with the EMAIL contact Ecwid adds: exactly at the limit
    held = len((await api.get_ok(customer_id))["contacts"])
    assert held == limits.MAX_CONTACTS
    response = await api.client.post(
        api.url(f"customers/{customer_id}/contacts"),
        json={"contact": "+15559999999", "type": "PHONE"},
        headers=api.auth(),
    )
    assert_error(response, 400, "WRONG_PARAMETER")
    assert len((await api.get_ok(customer_id))["contacts"]) == held
