"""The request journal: bounded per store, and what ``/_control/stores/{id}/journal`` shows."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import msgspec
import pytest

from ecwid_customers.application import build_app
from ecwid_customers.control.app import KitApp
from ecwid_customers.control.journal import DEFAULT_SIZE, Journal, JournalEntry
from ecwid_customers.domain.clock import ManualClock
from ecwid_customers.storage.base import Storage
from tests.control.conftest import ApiStore, Kit, kit_settings
from tests.support import asgi_client

START_TEXT = "2024-01-01 00:00:00 +0000"


def entry(seq: int, path: str = "/api/v3/1/customers") -> JournalEntry:
    return JournalEntry(
        seq=seq,
        at=START_TEXT,
        method="GET",
        path=path,
        status=200,
        duration_ms=0.1,
        request_bytes=0,
        response_bytes=2,
    )


# -- Journal -----------------------------------------------------------------------------------


@pytest.mark.parametrize("size", [1, 2, 5])
def test_journal_never_holds_more_than_its_size_per_store(size: int) -> None:
    journal = Journal(size)
    for n in range(1, 13):
        journal.record(1, entry(journal.next_seq()))
        journal.record(2, entry(journal.next_seq()))
        kept = [e.seq for e in journal.entries(1)]
        assert len(kept) == min(n, size)
        assert kept == list(range(2 * n - 1, 0, -2))[:size][::-1]  # the newest, oldest first
        assert len(tuple(journal.entries(2))) == min(n, size)


def test_journal_of_size_zero_records_nothing() -> None:
    journal = Journal(0)
    journal.record(1, entry(1))
    assert tuple(journal.entries(1)) == ()


def test_journal_sequence_increases_over_every_store() -> None:
    journal = Journal()
    assert journal.size == DEFAULT_SIZE == 500
    assert [journal.next_seq() for _ in range(3)] == [1, 2, 3]


def test_entries_are_a_snapshot() -> None:
    journal = Journal(5)
    journal.record(1, entry(1))
    seen = journal.entries(1)
    journal.record(1, entry(2))
    assert [e.seq for e in seen] == [1]


def test_clear_forgets_one_store_and_clear_all_every_store() -> None:
    journal = Journal(5)
    for store_id in (1, 2, 3):
        journal.record(store_id, entry(store_id))
    journal.clear(1)
    journal.clear(9)  # unknown: nothing to do
    assert tuple(journal.entries(1)) == ()
    assert [e.seq for e in journal.entries(2)] == [2]
    journal.clear_all()
    assert tuple(journal.entries(2)) == tuple(journal.entries(3)) == ()


def test_entry_shows_camel_case_and_leaves_out_what_is_absent() -> None:
    shown = msgspec.json.decode(msgspec.json.encode(entry(1)))
    assert shown == {
        "seq": 1,
        "at": START_TEXT,
        "method": "GET",
        "path": "/api/v3/1/customers",
        "status": 200,
        "durationMs": 0.1,
        "requestBytes": 0,
        "responseBytes": 2,
    }


# -- through HTTP ------------------------------------------------------------------------------


async def test_journal_records_each_call_of_the_store(kit: Kit) -> None:
    store = await kit.new_store(id=1)
    body = b'{"email": "a@example.net", "name": "Ann"}'
    created = await kit.api(
        store, "POST", content=body, headers={"Content-Type": "application/json"}
    )
    searched = await kit.api(store, "GET", params={"email": "a@example.net", "limit": "5"})
    missing = await kit.api(store, "GET", "customers/99")
    first, second, third = await kit.journal(1)

    assert set(first) == {"seq", "at", "method", "path", "status", "durationMs",
                          "requestBytes", "responseBytes"}  # fmt: skip
    assert (first["method"], first["path"], first["status"]) == ("POST", "/api/v3/1/customers", 200)
    assert (first["requestBytes"], first["responseBytes"]) == (len(body), len(created.content))
    assert first["at"] == START_TEXT
    assert first["durationMs"] >= 0

    assert second["query"] == "email=a%40example.net&limit=5"
    assert (second["method"], second["status"], second["requestBytes"]) == ("GET", 200, 0)
    assert second["responseBytes"] == len(searched.content)

    assert (third["path"], third["status"], third["errorCode"]) == (
        "/api/v3/1/customers/99",
        404,
        "CUSTOMER_NOT_FOUND",
    )
    assert third["responseBytes"] == len(missing.content)
    assert first["seq"] < second["seq"] < third["seq"]


async def test_journal_records_refused_calls_to_an_existing_store(kit: Kit) -> None:
    await kit.new_store(id=1)
    await kit.client.get("/api/v3/1/customers")
    await kit.client.get("/api/v3/1/customers", headers={"Authorization": "Bearer secret_x"})
    assert [(e["status"], e["errorCode"]) for e in await kit.journal(1)] == [
        (403, "INVALID_API_TOKEN"),
        (403, "INVALID_API_TOKEN"),
    ]


async def test_fault_rule_is_named_in_the_entry(kit: Kit) -> None:
    store = await kit.new_store(id=1)
    error = await kit.ok("POST", "/faults", json={"error": "INTERNAL_ERROR", "nth": 1})
    await kit.api(store, "GET")
    slow = await kit.ok("POST", "/faults", json={"latencyMs": 1, "nth": 1})
    await kit.api(store, "GET")
    await kit.api(store, "GET")
    assert [(e["status"], e.get("errorCode"), e.get("faultId")) for e in await kit.journal(1)] == [
        (500, "INTERNAL_ERROR", error["id"]),
        (200, None, slow["id"]),
        (200, None, None),
    ]


async def test_request_bytes_are_what_the_client_sent_even_when_refused(kit: Kit) -> None:
    store = await kit.new_store(id=1)
    await kit.ok("POST", "/faults", json={"error": "INTERNAL_ERROR"})
    body = b'{"email": "a@example.net"}'
    await kit.api(store, "POST", content=body, headers={"Content-Type": "application/json"})
    (refused,) = await kit.journal(1)
    assert refused["requestBytes"] == len(body)


async def test_journal_keeps_out_control_calls_and_unknown_stores(kit: Kit) -> None:
    store = await kit.new_store(id=1)
    await kit.ok("GET", "/stores/1")
    await kit.ok("GET", "/stores/1/journal")
    await kit.client.get("/api/v3/2/customers", headers=store.auth)
    await kit.client.get("/api/v3/x/customers", headers=store.auth)
    await kit.client.get("/", headers=store.auth)
    assert await kit.journal(1) == []
    await kit.control_error("GET", "/stores/2/journal", 404, "CONTROL_NOT_FOUND")


async def test_each_store_has_its_own_journal(kit: Kit) -> None:
    first, second = await kit.new_store(id=1), await kit.new_store(id=2)
    await kit.api(first, "GET")
    await kit.api(second, "GET", "customers/5")
    assert [e["path"] for e in await kit.journal(1)] == ["/api/v3/1/customers"]
    assert [e["path"] for e in await kit.journal(2)] == ["/api/v3/2/customers/5"]


async def calls_for_filters(kit: Kit) -> ApiStore:
    store = await kit.new_store(id=1)
    customer_id = await kit.add_customer(store, "a@example.net")  # POST 200
    await kit.api(store, "GET", f"customers/{customer_id}")  # GET 200
    await kit.api(store, "GET", "customers/99")  # GET 404
    await kit.api(store, "PUT", f"customers/{customer_id}", json={"name": "A"})  # PUT 200
    await kit.api(store, "GET", "customer_groups")  # GET 200
    return store


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, [("POST", 200), ("GET", 200), ("GET", 404), ("PUT", 200), ("GET", 200)]),
        ({"method": "GET"}, [("GET", 200), ("GET", 404), ("GET", 200)]),
        ({"method": "put"}, [("PUT", 200)]),
        ({"method": "DELETE"}, []),
        ({"status": "404"}, [("GET", 404)]),
        ({"status": "200", "method": "GET"}, [("GET", 200), ("GET", 200)]),
        ({"path": "customers/"}, [("GET", 200), ("GET", 404), ("PUT", 200)]),
        ({"path": "customer_groups"}, [("GET", 200)]),
        ({"path": "/api/v3/1/customers/99"}, [("GET", 404)]),
    ],
)
async def test_journal_filters(
    kit: Kit, params: dict[str, str], expected: list[tuple[str, int]]
) -> None:
    await calls_for_filters(kit)
    found = await kit.journal(1, **params)
    assert [(e["method"], e["status"]) for e in found] == expected


async def test_journal_after_gives_only_newer_entries(kit: Kit) -> None:
    store = await calls_for_filters(kit)
    everything = await kit.journal(1)
    third = everything[2]["seq"]
    assert await kit.journal(1, after=str(third)) == everything[3:]
    assert await kit.journal(1, after="0") == everything
    assert await kit.journal(1, after=str(everything[-1]["seq"])) == []
    await kit.api(store, "DELETE", "customers/1")
    (newest,) = await kit.journal(1, after=str(everything[-1]["seq"]))
    assert (newest["method"], newest["status"]) == ("DELETE", 200)
    assert await kit.journal(1, after=str(third), method="GET") == [everything[4]]


async def test_bad_after_is_a_bad_request(kit: Kit) -> None:
    await kit.new_store(id=1)
    await kit.control_error(
        "GET", "/stores/1/journal", 400, "CONTROL_BAD_REQUEST", params={"after": "x"}
    )


async def test_clear_empties_one_journal(kit: Kit) -> None:
    first, second = await kit.new_store(id=1), await kit.new_store(id=2)
    await kit.api(first, "GET")
    await kit.api(second, "GET")
    kept = await kit.journal(2)
    assert await kit.ok("DELETE", "/stores/1/journal") == {"cleared": 1}
    assert await kit.journal(1) == []
    assert await kit.journal(2) == kept
    await kit.api(first, "GET")
    (entry,) = await kit.journal(1)
    assert entry["seq"] > kept[0]["seq"]  # the sequence goes on


@pytest.fixture
async def small_journal(storage: Storage, clock: ManualClock) -> AsyncIterator[Kit]:
    app = build_app(storage, kit_settings(journal_size=3), clock)
    assert isinstance(app, KitApp)
    async with asgi_client(app) as client:
        yield Kit(client=client, app=app, storage=storage, clock=clock)


async def test_journal_keeps_only_the_newest_calls_of_each_store(small_journal: Kit) -> None:
    kit = small_journal
    assert (await kit.ok("GET", ""))["journalSize"] == 3
    first, second = await kit.new_store(id=1), await kit.new_store(id=2)
    for n in range(1, 8):
        await kit.api(first, "GET", f"customers/{n}")
        if n <= 2:
            await kit.api(second, "GET", f"customers/{n}")
        found = await kit.journal(1)
        assert len(found) == min(n, 3)
    assert [e["path"] for e in await kit.journal(1)] == [
        f"/api/v3/1/customers/{n}" for n in (5, 6, 7)
    ]
    assert len(await kit.journal(2)) == 2


async def test_journal_of_size_zero_records_nothing_over_http(
    storage: Storage, clock: ManualClock
) -> None:
    app = build_app(storage, kit_settings(journal_size=0), clock)
    assert isinstance(app, KitApp)
    async with asgi_client(app) as client:
        kit = Kit(client=client, app=app, storage=storage, clock=clock)
        store = await kit.new_store(id=1)
        assert (await kit.api(store, "GET")).status_code == 200
        response: dict[str, Any] = await kit.ok("GET", "/stores/1/journal")
    assert response == {"count": 0, "items": []}
