"""Several server processes on one PostgreSQL, raced over real sockets.

Two separate ``serve`` processes (and one ``serve --workers 2``) share a database; clients hit
them at once with duplicate emails and concurrent changes to one customer. Whatever order the
requests land in, the stored data must be what a single server would have produced.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from tests.support.servers import Server, bootstrap_token

RACERS = 24


@pytest.fixture
def pair(launch: Callable[..., Server], postgres_database: str) -> tuple[Server, Server, str]:
    """Two servers on one (empty) database, and the token the first one bootstrapped."""
    first = launch(postgres_database)
    second = launch(postgres_database)
    return first, second, bootstrap_token(first)


def _race(calls: list[Callable[[], httpx.Response]]) -> list[httpx.Response]:
    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(lambda call: call(), calls))


def _request(
    server: Server, token: str, method: str, path: str, body: Any = None
) -> Callable[[], httpx.Response]:
    def call() -> httpx.Response:
        return httpx.request(
            method,
            f"{server.base()}/{path}",
            json=body,
            headers={"Authorization": f"Bearer {token}"},
            timeout=30,
        )

    return call


def test_one_customer_per_email_across_processes(pair: tuple[Server, Server, str]) -> None:
    first, second, token = pair
    servers = itertools.cycle((first, second))
    responses = _race(
        [
            _request(
                next(servers), token, "POST", "customers", {"email": f"Race@Example.net{' ' * n}"}
            )
            for n in range(RACERS)
        ]
    )
    statuses = sorted(response.status_code for response in responses)
    assert statuses == [200] + [409] * (RACERS - 1)
    for response in responses:
        if response.status_code == 409:
            assert response.json()["errorCode"] == "CONSTRAINT_VIOLATION"
    found = _request(first, token, "GET", "customers?email=race@example.net")().json()
    assert found["total"] == 1


def test_ids_stay_unique_and_increasing_across_processes(pair: tuple[Server, Server, str]) -> None:
    first, second, token = pair
    servers = itertools.cycle((first, second))
    responses = _race(
        [
            _request(next(servers), token, "POST", "customers", {"email": f"c{n}@example.net"})
            for n in range(RACERS)
        ]
    )
    ids = sorted(response.json()["id"] for response in responses)
    assert ids == list(range(1, RACERS + 1))  # one counter for the store, no gaps, no repeats


def test_concurrent_changes_to_one_customer_lose_nothing(pair: tuple[Server, Server, str]) -> None:
    first, second, token = pair
    created = _request(first, token, "POST", "customers", {"email": "ann@example.net"})()
    customer = created.json()["id"]
    servers = itertools.cycle((first, second))
    # Half add a PHONE contact each, marking it default; half change a top-level field.
    calls = [
        _request(
            next(servers),
            token,
            "POST",
            f"customers/{customer}/contacts",
            {"contact": f"+1555000{n:04d}", "type": "PHONE", "default": True},
        )
        for n in range(RACERS // 2)
    ] + [
        _request(
            next(servers), token, "PUT", f"customers/{customer}", {"privateAdminNotes": f"n{n}"}
        )
        for n in range(RACERS // 2)
    ]
    responses = _race(calls)
    assert {response.status_code for response in responses} == {200}

    stored = _request(second, token, "GET", f"customers/{customer}")().json()
    phones = [contact for contact in stored["contacts"] if contact["type"] == "PHONE"]
    assert len(phones) == RACERS // 2  # every added contact is there
    assert sum(contact["default"] for contact in phones) == 1  # and one default per type
    assert len({contact["id"] for contact in stored["contacts"]}) == len(stored["contacts"])
    assert stored["privateAdminNotes"] in {f"n{n}" for n in range(RACERS // 2)}


def test_concurrent_email_changes_keep_emails_unique(pair: tuple[Server, Server, str]) -> None:
    first, second, token = pair
    ids = [
        _request(first, token, "POST", "customers", {"email": f"old{n}@example.net"})().json()["id"]
        for n in range(4)
    ]
    servers = itertools.cycle((first, second))
    responses = _race(
        [
            _request(
                next(servers), token, "PUT", f"customers/{customer}", {"email": "same@example.net"}
            )
            for customer in ids
        ]
    )
    assert sorted(response.status_code for response in responses) == [200, 409, 409, 409]
    found = _request(second, token, "GET", "customers?email=same@example.net")().json()
    assert found["total"] == 1


def test_workers_share_one_database(launch: Callable[..., Server], postgres_database: str) -> None:
    server = launch(postgres_database, "--workers", "2")
    token = bootstrap_token(server)
    responses = _race(
        [_request(server, token, "POST", "customers", {"email": "w@example.net"}) for _ in range(8)]
    )
    assert sorted(response.status_code for response in responses) == [200] + [409] * 7
    pids = {
        line.split("[")[1].split("]")[0]
        for line in server.lines
        if "Started server process" in line
    }
    assert len(pids) == 2  # two worker processes served
