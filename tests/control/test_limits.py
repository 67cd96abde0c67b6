"""The control plane refuses what it cannot keep: numbers, times and settings out of range,
empty filters, colliding entries. Each case once gave a 200 that left a broken store, or a 500."""

from __future__ import annotations

from typing import Any

import pytest

from ecwid_customers.domain.passwords import verify_password
from ecwid_customers.domain.tokens import redact_query
from tests.control.conftest import INERT_ROUTE, Kit

FORMAT = "ecwid-customers/store-fixture@1"
CUSTOMER = {
    "id": 1, "email": "ann@example.net", "registered": "2024-01-01 00:00:00 +0000",
    "updated": "2024-01-01 00:00:00 +0000", "customerGroupId": 0, "shippingAddresses": [],
    "contacts": [], "taxExempt": False, "taxId": "", "taxIdValid": False, "b2b_b2c": "b2c",
    "fiscalCode": "", "electronicInvoicePecEmail": "", "electronicInvoiceSdiCode": "",
    "stats": {"numberOfOrders": 0, "salesValue": 0, "averageOrderValue": 0},
    "privateAdminNotes": "", "favorites": [],
}  # fmt: skip
CONTACT = {
    "id": 1, "contact": "x@example.net", "type": "EMAIL", "default": True, "orderBy": 0,
    "timestamp": "2024-01-01 00:00:00 +0000",
}  # fmt: skip
FIELD = {
    "key": "k", "type": "TEXT", "shownOnOrderDetails": False, "entityTypes": ["CUSTOMERS"],
    "linkedWithCheckoutField": False, "createdDate": "2024-01-01 00:00:00 +0000",
    "lastModifiedDate": "2024-01-01 00:00:00 +0000",
}  # fmt: skip


@pytest.mark.parametrize(
    "fixture",
    [
        {"nextIds": {"customer": -5}},
        {"nextIds": {"group": 0}},
        {"nextIds": {"customer": 2**63}},
        {"customerGroups": [{"id": 2**63 - 1, "name": "Huge"}]},
        {"deletedCustomers": [{"id": 2**40, "date": "2024-01-01 00:00:00 +0000"}]},
        {"store": {"rateLimit": -1}},
        {"store": {"rateLimit": 2**40}},
        {"store": {"languages": []}},
        {"store": {"languages": ["en,fr"]}},
        {"customers": [{"email": ""}]},
        {"customers": [{**CUSTOMER, "email": " ann@example.net"}]},
        {"customers": [{**CUSTOMER, "registered": "0001-01-01 00:00:00 +0000"}]},
        {"customers": [{**CUSTOMER, "updated": "9999-12-31 23:00:00 -0500"}]},
        {"customers": [{**CUSTOMER, "contacts": [{"id": 0, "contact": "ann@example.net",
                        "type": "EMAIL", "default": True, "orderBy": 0,
                        "timestamp": "2024-01-01 00:00:00 +0000"}]}]},
        {"deletedCustomers": [{"id": 5, "date": "9999-12-31 23:00:00 -0500"}]},
        {"customers": [{**CUSTOMER, "contacts": [CONTACT]},
                       {**CUSTOMER, "id": 2, "email": "bob@example.net", "contacts": [CONTACT]}]},
        {"extraFields": [{**FIELD, "createdDate": "0001-01-01 00:00:00 +0000"}]},
    ],
)  # fmt: skip
async def test_fixture_values_out_of_range_are_refused(kit: Kit, fixture: dict[str, Any]) -> None:
    await kit.new_store(id=1)
    before = await kit.export(1)
    body = {"format": FORMAT, **fixture}
    await kit.control_error("POST", "/stores/1/import", 400, "CONTROL_BAD_REQUEST", json=body)
    assert await kit.export(1) == before


async def test_settings_beside_a_fixture_apply_to_its_new_customers(kit: Kit) -> None:
    fixture = {"customers": [{"email": "p@example.net", "password": "s3cret!", "lang": "fr"}]}
    await kit.new_store(id=7002, legacySignIn=True, languages=["en", "fr"], fixture=fixture)
    customer = (await kit.storage.export_store(7002)).customers[0]  # type: ignore[union-attr]
    assert customer.customer.lang == "fr"
    assert customer.password_hash is not None
    assert verify_password(customer.password_hash, "s3cret!")


async def test_a_running_clock_stops_at_the_end_of_9999(kit: Kit) -> None:
    store = await kit.new_store(id=1)
    await kit.ok("POST", "/stores/1/clock", json={"frozenAt": "9999-12-31 23:59:59"})
    await kit.ok("POST", "/stores/1/clock", json={"resume": True})
    kit.clock.advance(3600)  # the server's real time moves on an hour
    clock = await kit.ok("GET", "/stores/1/clock")
    assert clock["now"] == "9999-12-31 23:59:59 +0000"
    assert (await kit.api(store, "POST", json={"email": "a@example.net"})).status_code == 200


async def test_the_largest_store_id_can_be_made_and_deleted(kit: Kit) -> None:
    await kit.new_store(id=2**63 - 1)
    assert (await kit.ok("GET", f"/stores/{2**63 - 1}"))["id"] == 2**63 - 1
    await kit.ok("DELETE", f"/stores/{2**63 - 1}")


@pytest.mark.parametrize("body", [{"rateLimit": 2**40}, {"id": 2**63}])
async def test_store_numbers_out_of_range_are_400(kit: Kit, body: dict[str, Any]) -> None:
    await kit.control_error("POST", "/stores", 400, "CONTROL_BAD_REQUEST", json=body)


@pytest.mark.parametrize("rule", [{"route": ""}, {"method": ""}, {"route": "nowhere"}])
async def test_empty_or_unknown_fault_filters_are_400(kit: Kit, rule: dict[str, str]) -> None:
    body = {"error": "INTERNAL_ERROR", **rule}
    await kit.control_error("POST", "/faults", 400, "CONTROL_BAD_REQUEST", json=body)
    assert await kit.ok("GET", "/faults") == []


async def test_a_fault_for_a_store_that_does_not_exist_is_404(kit: Kit) -> None:
    body = {"storeId": 404404, "latencyMs": 0, "route": INERT_ROUTE}
    await kit.control_error("POST", "/faults", 404, "CONTROL_NOT_FOUND", json=body)


async def test_the_journal_never_shows_a_token(kit: Kit) -> None:
    await kit.new_store(id=1)
    for query in ("token=secret_abc", "tok%65n=secret_abc&limit=5", "a=1&token=secret_abc"):
        await kit.client.get(f"/api/v3/1/customers?{query}")
    queries = [call["query"] for call in await kit.journal(1)]
    assert queries == ["token=***", "tok%65n=***&limit=5", "a=1&token=***"]
    assert all("secret_abc" not in query for query in queries)


def test_redact_query_leaves_other_parameters_alone() -> None:
    assert redact_query("") == ""
    assert redact_query("tokens=1&token") == "tokens=1&token"
    assert redact_query("TOKEN=x&token+=y") == "TOKEN=x&token+=y"
