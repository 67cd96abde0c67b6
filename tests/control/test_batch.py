"""The Batch API with the test kit on: each request of a batch is a call the kit sees, so the
journal records it and fault rules reach it, as they do a direct call."""

from __future__ import annotations

import asyncio
from typing import Any

from tests.control.conftest import ApiStore, Kit


async def _finished(kit: Kit, store: ApiStore, ticket: str) -> dict[str, Any]:
    for _ in range(2000):
        body: dict[str, Any] = await kit.api_ok(store, "GET", "batch", params={"ticket": ticket})
        if body["status"] == "COMPLETED":
            return body
        await asyncio.sleep(0.005)
    raise AssertionError(body)


async def test_a_batch_request_is_journaled_and_meets_fault_rules(kit: Kit) -> None:
    store = await kit.new_store(id=1)
    batch_path = store.url("batch")
    fault = await kit.ok(
        "POST", "/faults", json={"error": "CONSTRAINT_VIOLATION", "route": "customers/{customerId}"}
    )
    items = [
        {"path": "/customers", "method": "POST", "body": {"email": "ann@example.net"}},
        {"path": "/customers/1?responseFields=id", "method": "GET"},
    ]
    posted = await kit.api_ok(
        store, "POST", "batch", json=items, params={"stopOnFirstFailure": "0"}
    )
    body = await _finished(kit, store, posted["ticket"])
    created, faulted = body["responses"]
    assert created["status"] == "COMPLETED"
    assert (faulted["status"], faulted["http_status_code"]) == ("FAILED", 409)
    assert faulted["http_body"]["errorCode"] == "CONSTRAINT_VIOLATION"
    # Without the polls of the ticket, which are journaled too.
    entries = [e for e in await kit.journal(1) if (e["method"], e["path"]) != ("GET", batch_path)]
    assert [(e["method"], e["path"], e["status"]) for e in entries] == [
        ("POST", batch_path, 200),
        ("POST", "/api/v3/1/customers", 200),
        ("GET", "/api/v3/1/customers/1", 409),
    ]
    assert (entries[2]["query"], entries[2]["faultId"]) == ("responseFields=id", fault["id"])
    await kit.app.api.batches.drain()
