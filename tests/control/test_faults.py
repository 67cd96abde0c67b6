"""Fault rules: the FaultBook on its own, then ``/_control/faults`` and what the API answers.

A drop cannot be seen through httpx's ASGI transport (it wants a response), so it is checked at
the ASGI interface (nothing sent) and over a real socket (the connection closes unanswered).
"""

from __future__ import annotations

import random
import signal
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import pytest

from ecwid_customers import errors
from ecwid_customers.control import DROPPED
from ecwid_customers.control import faults as faults_module
from ecwid_customers.control.app import KitApp
from ecwid_customers.control.faults import NOTHING, FaultBook, FaultRule, Outcome
from ecwid_customers.http.asgi import Message
from tests.control.conftest import ADMIN, ADMIN_TOKEN, ApiStore, Kit
from tests.support import assert_error
from tests.support.servers import Server, bootstrap_token

ROUTE = "customers"
ONE = "customers/{customerId}"


class FakeMonotonic:
    """Stands in for ``time`` in faults.py: a monotonic clock that moves only when told."""

    def __init__(self) -> None:
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now


@pytest.fixture
def monotonic(monkeypatch: pytest.MonkeyPatch) -> FakeMonotonic:
    fake = FakeMonotonic()
    monkeypatch.setattr(faults_module, "time", SimpleNamespace(monotonic=fake.monotonic))
    return fake


def fire_pattern(book: FaultBook, calls: int, store_id: int = 1) -> list[bool]:
    """Whether anything fired on each of ``calls`` GET /customers of the store."""
    return [book.outcome(store_id, ROUTE, "GET") is not NOTHING for _ in range(calls)]


# -- the FaultBook -----------------------------------------------------------------------------


def test_empty_book_changes_nothing() -> None:
    book = FaultBook()
    assert book.outcome(1, ROUTE, "GET") is NOTHING
    assert book.list() == []
    assert book.get(1) is None
    assert not book.remove(1)
    assert book.clear() == 0


def test_added_rule_is_tidied_numbered_and_shown_with_counters() -> None:
    book = FaultBook()
    first = book.add(FaultRule(route="/customers/{customerId}/", method="put", latency_ms=5))
    second = book.add(FaultRule(error="INTERNAL_ERROR"))
    assert (first.id, second.id) == (1, 2)
    assert (first.route, first.method, first.matched, first.fired) == (ONE, "PUT", 0, 0)
    assert first.expires_in_seconds is None
    assert [view.id for view in book.list()] == [1, 2]
    assert book.get(2) == second


def test_rule_fires_on_every_matching_call_by_default() -> None:
    book = FaultBook()
    book.add(FaultRule(error="INTERNAL_ERROR"))
    assert fire_pattern(book, 4) == [True] * 4
    view = book.get(1)
    assert view is not None
    assert (view.matched, view.fired) == (4, 4)


def test_nth_fires_once_on_the_nth_matching_call() -> None:
    book = FaultBook()
    book.add(FaultRule(nth=3, error="INTERNAL_ERROR"))
    assert fire_pattern(book, 6) == [False, False, True, False, False, False]
    view = book.get(1)
    assert view is not None
    assert (view.matched, view.fired) == (6, 1)


def test_nth_with_times_fires_from_the_nth_call_that_many_times() -> None:
    book = FaultBook()
    book.add(FaultRule(nth=2, times=2, error="INTERNAL_ERROR"))
    assert fire_pattern(book, 5) == [False, True, True, False, False]


def test_times_caps_how_often_a_rule_fires() -> None:
    book = FaultBook()
    book.add(FaultRule(times=2, error="INTERNAL_ERROR"))
    assert fire_pattern(book, 4) == [True, True, False, False]


def test_nth_counts_only_matching_calls() -> None:
    book = FaultBook()
    book.add(FaultRule(store_id=1, method="POST", nth=2, error="INTERNAL_ERROR"))
    assert book.outcome(1, ROUTE, "POST") is NOTHING
    assert book.outcome(2, ROUTE, "POST") is NOTHING  # another store
    assert book.outcome(1, ROUTE, "GET") is NOTHING  # another method
    assert book.outcome(1, ROUTE, "POST").error is not None
    view = book.get(1)
    assert view is not None
    assert view.matched == 2


@pytest.mark.parametrize("seed", [1, 7, 2024])
def test_probability_with_a_seed_is_repeatable(seed: int) -> None:
    rng = random.Random(seed)
    expected = [rng.random() < 0.3 for _ in range(40)]
    assert True in expected
    assert False in expected
    for _ in range(2):
        book = FaultBook()
        book.add(FaultRule(probability=0.3, seed=seed, error="INTERNAL_ERROR"))
        assert fire_pattern(book, 40) == expected


def test_probability_with_times_stops_after_that_many() -> None:
    book = FaultBook()
    book.add(FaultRule(probability=0.5, seed=3, times=2, error="INTERNAL_ERROR"))
    assert fire_pattern(book, 50).count(True) == 2


@pytest.mark.parametrize(("probability", "fires"), [(0.0, False), (1.0, True)])
def test_probability_zero_never_fires_and_one_always(probability: float, fires: bool) -> None:
    book = FaultBook()
    book.add(FaultRule(probability=probability, error="INTERNAL_ERROR"))
    assert fire_pattern(book, 20) == [fires] * 20


def test_rules_match_by_store_route_and_method() -> None:
    book = FaultBook()
    book.add(FaultRule(store_id=1, route=ONE, method="GET", error="CUSTOMER_NOT_FOUND"))
    assert book.outcome(1, ONE, "GET").error is not None
    assert book.outcome(2, ONE, "GET") is NOTHING
    assert book.outcome(1, ROUTE, "GET") is NOTHING
    assert book.outcome(1, "customers/{customerId}/contacts", "GET") is NOTHING
    assert book.outcome(1, ONE, "PUT") is NOTHING


def test_latencies_of_firing_rules_add_up() -> None:
    book = FaultBook()
    book.add(FaultRule(latency_ms=10))
    book.add(FaultRule(latency_ms=20, store_id=2))  # not this store
    book.add(FaultRule(latency_ms=30, nth=2))  # not yet
    book.add(FaultRule(latency_ms=40))
    outcome = book.outcome(1, ROUTE, "GET")
    assert outcome == Outcome(latency=0.05, fault_id=4)  # the last rule that fired
    assert book.outcome(1, ROUTE, "GET") == Outcome(latency=0.08, fault_id=4)


def test_random_latency_stays_in_its_range_and_repeats_with_a_seed() -> None:
    def latencies() -> list[float]:
        book = FaultBook()
        book.add(FaultRule(latency_ms=10, latency_max_ms=20, seed=5))
        return [book.outcome(1, ROUTE, "GET").latency for _ in range(20)]

    first = latencies()
    assert all(0.010 <= value <= 0.020 for value in first)
    assert len(set(first)) > 1
    assert latencies() == first


def test_first_firing_error_or_drop_decides_and_latency_still_adds() -> None:
    book = FaultBook()
    book.add(FaultRule(latency_ms=5))
    book.add(FaultRule(error="CUSTOMER_NOT_FOUND", nth=2))  # not on the first call
    book.add(FaultRule(error="STORE_NOT_FOUND", latency_ms=7))
    book.add(FaultRule(drop=True))
    first = book.outcome(1, ROUTE, "GET")
    assert first == Outcome(latency=0.012, error=errors.store_not_found(), fault_id=3)
    second = book.outcome(1, ROUTE, "GET")
    assert second.error == errors.sample("CUSTOMER_NOT_FOUND")
    assert (second.fault_id, second.drop) == (2, False)


def test_drop_first_wins_over_a_later_error() -> None:
    book = FaultBook()
    book.add(FaultRule(drop=True, store_id=1))
    book.add(FaultRule(error="INTERNAL_ERROR"))
    assert book.outcome(1, ROUTE, "GET") == Outcome(drop=True, fault_id=1)
    assert book.outcome(2, ROUTE, "GET") == Outcome(error=errors.internal_error(), fault_id=2)


def test_message_replaces_the_error_message_only() -> None:
    book = FaultBook()
    book.add(FaultRule(error="RATE_LIMITED", message="slow down"))
    error = book.outcome(1, ROUTE, "GET").error
    assert error == errors.EcwidError(429, "RATE_LIMITED", "slow down", ((b"retry-after", b"60"),))


def test_ttl_expires_a_rule(monotonic: FakeMonotonic) -> None:
    book = FaultBook()
    book.add(FaultRule(ttl_seconds=10, error="INTERNAL_ERROR"))
    book.add(FaultRule(latency_ms=1))
    monotonic.now += 4
    view = book.get(1)
    assert view is not None
    assert view.expires_in_seconds == 6.0
    assert book.outcome(1, ROUTE, "GET").error is not None
    monotonic.now += 6
    assert book.get(1) is None
    assert [view.id for view in book.list()] == [2]
    assert book.outcome(1, ROUTE, "GET") == Outcome(latency=0.001, fault_id=2)


def test_list_for_a_store_includes_rules_for_every_store() -> None:
    book = FaultBook()
    book.add(FaultRule(store_id=1, latency_ms=1))
    book.add(FaultRule(store_id=2, latency_ms=1))
    book.add(FaultRule(latency_ms=1))
    assert [view.id for view in book.list(1)] == [1, 3]
    assert [view.id for view in book.list(2)] == [2, 3]
    assert [view.id for view in book.list()] == [1, 2, 3]


def test_remove_and_clear() -> None:
    book = FaultBook()
    for store_id in (1, 1, 2, None):
        book.add(FaultRule(store_id=store_id, latency_ms=1))
    assert book.remove(2)
    assert not book.remove(2)
    assert book.clear(1) == 1
    assert [view.id for view in book.list()] == [3, 4]
    assert book.clear(5) == 0
    assert book.clear() == 2
    assert book.list() == []
    assert book.add(FaultRule(latency_ms=1)).id == 5  # ids are never reused


@pytest.mark.parametrize(
    ("rule", "complaint"),
    [
        (FaultRule(), "something to do"),
        (FaultRule(store_id=1, nth=2), "something to do"),
        (FaultRule(error="INTERNAL_ERROR", drop=True), "not both"),
        (FaultRule(error="NOPE"), "unknown error code 'NOPE'"),
        (FaultRule(error="CONTROL_NOT_FOUND"), "unknown error code"),
        (FaultRule(error="INTERNAL_ERROR", method="PATCH"), "method must be one of"),
        (FaultRule(error="INTERNAL_ERROR", nth=0), "nth counts from 1"),
        (FaultRule(error="INTERNAL_ERROR", nth=1, probability=0.5), "nth or probability"),
        (FaultRule(error="INTERNAL_ERROR", probability=1.01), "between 0 and 1"),
        (FaultRule(error="INTERNAL_ERROR", probability=-0.1), "between 0 and 1"),
        (FaultRule(error="INTERNAL_ERROR", times=0), "times is at least 1"),
        (FaultRule(error="INTERNAL_ERROR", ttl_seconds=0), "ttlSeconds must be positive"),
        (FaultRule(error="INTERNAL_ERROR", ttl_seconds=-1), "ttlSeconds must be positive"),
        (FaultRule(latency_ms=-1), "latencyMs is between"),
        (FaultRule(latency_ms=120_001), "latencyMs is between"),
        (FaultRule(latency_ms=1, latency_max_ms=120_001), "latencyMaxMs is between"),
        (FaultRule(error="INTERNAL_ERROR", latency_max_ms=5), "latencyMaxMs needs latencyMs"),
        (FaultRule(latency_ms=10, latency_max_ms=5), "is not below it"),
    ],
)
def test_invalid_rule_is_a_control_bad_request(rule: FaultRule, complaint: str) -> None:
    book = FaultBook()
    with pytest.raises(errors.EcwidError) as caught:
        book.add(rule)
    assert (caught.value.status, caught.value.code) == (400, "CONTROL_BAD_REQUEST")
    assert complaint in caught.value.message
    assert book.list() == []


def test_edge_values_are_valid() -> None:
    book = FaultBook()
    added = [
        book.add(rule)
        for rule in (
            FaultRule(latency_ms=0),
            FaultRule(latency_ms=120_000, latency_max_ms=120_000),
            FaultRule(error="INTERNAL_ERROR", nth=1, times=1),
            FaultRule(error="INTERNAL_ERROR", probability=0),
            FaultRule(drop=True, ttl_seconds=0.001),
        )
    ]
    assert [view.id for view in added] == [1, 2, 3, 4, 5]
    # The 1 ms rule may have expired by now on a busy machine (a CI run did); the rest stay.
    assert {view.id for view in book.list()} >= {1, 2, 3, 4}


# -- through HTTP ------------------------------------------------------------------------------


async def add_fault(kit: Kit, **rule: Any) -> dict[str, Any]:
    view: dict[str, Any] = await kit.ok("POST", "/faults", json=rule)
    return view


async def statuses(kit: Kit, store: ApiStore, calls: int, path: str = "customers") -> list[int]:
    return [(await kit.api(store, "GET", path)).status_code for _ in range(calls)]


async def test_every_catalogue_error_can_be_injected(kit: Kit) -> None:
    store = await kit.new_store(id=1)
    for code in errors.sample_codes():
        fault = await add_fault(kit, storeId=1, error=code, times=1)
        expected = errors.sample(code)
        assert expected is not None
        response = await kit.api(store, "GET")
        assert_error(response, expected.status, code, expected.message)
        for name, value in expected.headers:
            assert response.headers[name.decode()] == value.decode()
        assert (await kit.api(store, "GET")).status_code == 200  # times: 1
        assert (await kit.journal(1, path="customers"))[-2]["faultId"] == fault["id"]
    rate_limited = await add_fault(kit, storeId=1, error="RATE_LIMITED")
    response = await kit.api(store, "GET")
    assert response.headers["retry-after"] == "60"
    assert rate_limited["id"] == len(errors.sample_codes()) + 1


async def test_fault_with_a_message_keeps_ecwids_status_and_code(kit: Kit) -> None:
    store = await kit.new_store(id=1)
    await add_fault(kit, error="CONSTRAINT_VIOLATION", message="email taken (injected)")
    response = await kit.api(store, "POST", json={"email": "a@example.net"})
    assert_error(response, 409, "CONSTRAINT_VIOLATION", "email taken (injected)")


async def test_fault_answers_before_the_view_runs(kit: Kit) -> None:
    store = await kit.new_store(id=1)
    await add_fault(kit, storeId=1, route="customers", method="POST", error="INTERNAL_ERROR")
    response = await kit.api(store, "POST", json={"email": "a@example.net"})
    assert_error(response, 500, "INTERNAL_ERROR")
    assert await kit.emails(store) == []


async def test_latency_delays_but_the_call_succeeds(kit: Kit) -> None:
    store = await kit.new_store(id=1)
    fault = await add_fault(kit, storeId=1, latencyMs=2, latencyMaxMs=4, seed=1)
    assert await kit.add_customer(store, "a@example.net") == 1
    (entry,) = await kit.journal(1)
    assert (entry["status"], entry["faultId"]) == (200, fault["id"])
    view = await kit.ok("GET", f"/faults/{fault['id']}")
    assert (view["matched"], view["fired"]) == (1, 1)


async def test_nth_and_times_through_http(kit: Kit) -> None:
    store = await kit.new_store(id=1)
    nth = await add_fault(kit, storeId=1, nth=2, error="INTERNAL_ERROR")
    assert await statuses(kit, store, 4) == [200, 500, 200, 200]
    await kit.ok("DELETE", f"/faults/{nth['id']}")
    times = await add_fault(kit, storeId=1, times=2, error="STORE_IS_SUSPENDED")
    assert await statuses(kit, store, 3) == [402, 402, 200]
    view = await kit.ok("GET", f"/faults/{times['id']}")
    assert (view["matched"], view["fired"], view["times"]) == (3, 2, 2)


async def test_probability_with_a_seed_repeats_across_stores(kit: Kit) -> None:
    first, second = await kit.new_store(id=1), await kit.new_store(id=2)
    for store_id in (1, 2):
        await add_fault(kit, storeId=store_id, probability=0.5, seed=11, error="INTERNAL_ERROR")
    pattern = await statuses(kit, first, 16)
    assert set(pattern) == {200, 500}
    assert await statuses(kit, second, 16) == pattern


async def test_rule_for_one_store_leaves_the_others_alone(kit: Kit) -> None:
    first, second = await kit.new_store(id=1), await kit.new_store(id=2)
    await add_fault(kit, storeId=1, error="INTERNAL_ERROR")
    assert await statuses(kit, first, 2) == [500, 500]
    assert await statuses(kit, second, 2) == [200, 200]
    everywhere = await add_fault(kit, error="RESOURCE_NOT_FOUND")
    assert await statuses(kit, second, 1) == [404]
    assert await statuses(kit, first, 1) == [500]  # the first rule still decides there
    view = await kit.ok("GET", f"/faults/{everywhere['id']}")
    assert (view["matched"], view["fired"]) == (2, 2)


async def test_rule_matches_its_route_and_method_only(kit: Kit) -> None:
    store = await kit.new_store(id=1)
    customer_id = await kit.add_customer(store, "a@example.net")
    await add_fault(kit, route="/customers/{customerId}", method="get", error="CUSTOMER_NOT_FOUND")
    one = f"customers/{customer_id}"
    assert_error(await kit.api(store, "GET", one), 404, "CUSTOMER_NOT_FOUND")
    assert (await kit.api(store, "GET")).status_code == 200
    assert (await kit.api(store, "GET", f"{one}/contacts")).status_code == 200
    assert (await kit.api(store, "PUT", one, json={"name": "Ann"})).status_code == 200
    assert (await kit.api(store, "GET", "customers/deleted")).status_code == 200


async def test_faults_come_after_store_token_and_scope_checks(kit: Kit) -> None:
    store = await kit.new_store(id=1, scopes=["read_customers"])
    fault = await add_fault(kit, error="INTERNAL_ERROR")
    assert_error(
        await kit.client.get("/api/v3/1/customers", headers={"Authorization": "Bearer x"}),
        403,
        "INVALID_API_TOKEN",
    )
    assert_error(await kit.client.get("/api/v3/2/customers", headers=store.auth), 404,
                 "STORE_NOT_FOUND")  # fmt: skip
    assert_error(await kit.api(store, "POST", json={"email": "a@example.net"}), 403,
                 "INSUFFICIENT_APP_SCOPE")  # fmt: skip
    assert_error(await kit.api(store, "GET", "nowhere"), 404, "RESOURCE_NOT_FOUND")
    assert (await kit.ok("GET", f"/faults/{fault['id']}"))["matched"] == 0
    assert_error(await kit.api(store, "GET"), 500, "INTERNAL_ERROR")


async def test_faults_never_touch_the_control_plane(kit: Kit) -> None:
    await add_fault(kit, error="INTERNAL_ERROR")
    await add_fault(kit, drop=True)
    assert len(await kit.ok("GET", "/faults")) == 2
    assert (await kit.new_store(id=1)).id == 1


async def test_list_get_and_delete_faults(kit: Kit) -> None:
    for store_id in (1, 2, 4):  # rules name stores that exist
        await kit.new_store(id=store_id)
    first = await add_fault(kit, storeId=1, latencyMs=1)
    second = await add_fault(kit, storeId=2, latencyMs=1)
    third = await add_fault(kit, error="INTERNAL_ERROR", ttlSeconds=60)
    assert first == {"storeId": 1, "latencyMs": 1, "id": 1, "matched": 0, "fired": 0}
    assert 0 < third["expiresInSeconds"] <= 60
    listed = await kit.ok("GET", "/faults")
    assert [fault["id"] for fault in listed] == [1, 2, 3]
    assert [fault["id"] for fault in await kit.ok("GET", "/faults", params={"storeId": "2"})] == [
        2,
        3,
    ]
    assert await kit.ok("GET", "/faults/2") == second

    assert await kit.ok("DELETE", "/faults/2") == {"deleted": 2}
    await kit.control_error("DELETE", "/faults/2", 404, "CONTROL_NOT_FOUND")
    await kit.control_error("GET", "/faults/2", 404, "CONTROL_NOT_FOUND")
    await kit.control_error("GET", "/faults/x", 404, "CONTROL_NOT_FOUND")
    assert await kit.ok("DELETE", "/faults", params={"storeId": "1"}) == {"removed": 1}
    assert [fault["id"] for fault in await kit.ok("GET", "/faults")] == [3]
    await add_fault(kit, storeId=4, latencyMs=1)
    assert await kit.ok("DELETE", "/faults") == {"removed": 2}
    assert await kit.ok("GET", "/faults") == []


async def test_deleted_fault_stops_firing(kit: Kit) -> None:
    store = await kit.new_store(id=1)
    fault = await add_fault(kit, error="INTERNAL_ERROR")
    assert await statuses(kit, store, 1) == [500]
    await kit.ok("DELETE", f"/faults/{fault['id']}")
    assert await statuses(kit, store, 1) == [200]
    await add_fault(kit, storeId=1, error="INTERNAL_ERROR")
    await kit.ok("DELETE", "/faults")
    assert await statuses(kit, store, 1) == [200]


async def test_expired_fault_stops_firing(kit: Kit, monotonic: FakeMonotonic) -> None:
    store = await kit.new_store(id=1)
    fault = await add_fault(kit, error="INTERNAL_ERROR", ttlSeconds=30)
    assert fault["expiresInSeconds"] == 30
    monotonic.now += 29
    assert (await kit.ok("GET", "/faults/1"))["expiresInSeconds"] == 1
    assert await statuses(kit, store, 1) == [500]
    monotonic.now += 1
    assert await statuses(kit, store, 1) == [200]
    assert await kit.ok("GET", "/faults") == []
    await kit.control_error("GET", "/faults/1", 404, "CONTROL_NOT_FOUND")


@pytest.mark.parametrize(
    "rule",
    [
        {},
        {"error": "NOPE"},
        {"error": "INTERNAL_ERROR", "drop": True},
        {"latencyMs": 1, "method": "OPTIONS"},
        {"latencyMs": 1, "nth": 0},
        {"latencyMs": 1, "probability": 2},
        {"latencyMs": "1"},
        {"latencyMs": 1, "colour": "red"},
        {"latencyMs": 1, "storeId": "1"},
        [],
    ],
)
async def test_invalid_rule_over_http_is_400_and_adds_nothing(kit: Kit, rule: Any) -> None:
    await kit.control_error("POST", "/faults", 400, "CONTROL_BAD_REQUEST", json=rule)
    assert await kit.ok("GET", "/faults") == []


async def test_bad_store_id_filter_is_a_bad_request(kit: Kit) -> None:
    await kit.control_error("GET", "/faults", 400, "CONTROL_BAD_REQUEST", params={"storeId": "x"})


# -- drops -------------------------------------------------------------------------------------


async def test_drop_sends_nothing_at_the_asgi_interface(kit: Kit, kit_app: KitApp) -> None:
    store = await kit.new_store(id=1)
    fault = await add_fault(kit, storeId=1, drop=True, nth=1)
    sent: list[Message] = []
    body = b'{"email": "a@example.net"}'

    async def receive() -> Message:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/api/v3/1/customers",
        "raw_path": b"/api/v3/1/customers",
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"testserver"),
            (b"authorization", f"Bearer {store.token}".encode()),
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
        ],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }
    assert await kit_app(scope, receive, send) == DROPPED
    assert sent == []
    assert await kit.emails(store) == []
    (dropped, _) = await kit.journal(1)
    assert dropped["status"] == 0
    assert dropped["faultId"] == fault["id"]
    assert dropped["responseBytes"] == 0
    assert "errorCode" not in dropped

    # nth: 1 fired once; the same call now goes through.
    assert await kit_app(scope, receive, send) is None
    assert [message["type"] for message in sent] == ["http.response.start", "http.response.body"]
    assert sent[0]["status"] == 200


def test_drop_closes_a_real_connection_unanswered(
    launch: Callable[..., Server], tmp_path: Path
) -> None:
    server = launch(tmp_path / "served.db", "--admin-token", ADMIN_TOKEN)
    base = f"http://127.0.0.1:{server.port}"
    store = {"Authorization": f"Bearer {bootstrap_token(server)}"}
    with httpx.Client(base_url=base) as client:
        added = client.post(
            "/_control/faults",
            json={"storeId": 1003, "route": "customers", "drop": True, "nth": 1},
            headers=ADMIN,
        )
        assert added.status_code == 200, added.text
        with pytest.raises(httpx.RemoteProtocolError):
            client.get("/api/v3/1003/customers", headers=store)
        assert client.get("/api/v3/1003/customers", headers=store).status_code == 200
        journal = client.get("/_control/stores/1003/journal", headers=ADMIN).json()["items"]
    assert [(entry["status"], entry.get("faultId")) for entry in journal] == [
        (0, added.json()["id"]),
        (200, None),
    ]
    assert server.stop(signal.SIGTERM) in (0, -signal.SIGTERM)
    assert f"fault {added.json()['id']} dropped GET /api/v3/1003/customers" in server.output
    assert DROPPED not in server.output  # uvicorn's complaint about it is kept out of the log
    assert "Traceback" not in server.output
