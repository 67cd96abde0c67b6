"""Webhooks from real server processes: a SIGKILL in the middle of a create load loses no
acknowledged create's customer.created, and two processes on one PostgreSQL never attempt
one delivery at the same time."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from ecwid_customers.storage import open_storage
from ecwid_customers.storage.outbox import DeliveryView
from tests.support import figures
from tests.support.receiver import Receiver, running
from tests.support.servers import Server, bootstrap_token

CLIENTS = 6


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    yield from running(Receiver())


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'hooks.db'}"
    url: str = request.getfixturevalue("postgres_database")
    return url


def subscribe(database_url: str, receiver: Receiver) -> None:
    """A second token of store 1003 whose app receives its webhooks (through the CLI, as an
    operator would, while the server runs)."""
    subprocess.run(
        [sys.executable, "-m", "ecwid_customers", "token", "create", "--database", database_url,
         "--store", "1003", "--scopes", "read_customers", "--webhook-url", receiver.url,
         "--client-secret", receiver.secret],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip


def create_load(
    server: Server, token: str, until: Callable[[dict[int, str]], bool]
) -> dict[int, str]:
    """Creates from several clients until ``until(acknowledged)`` or the server dies."""
    acknowledged: dict[int, str] = {}
    lock = threading.Lock()
    stop = threading.Event()

    def client(number: int) -> None:
        with httpx.Client(headers={"Authorization": f"Bearer {token}"}, timeout=10) as http:
            sent = 0
            while not stop.is_set():
                email = f"w{number}-{sent}@example.net"
                sent += 1
                try:
                    response = http.post(f"{server.base()}/customers", json={"email": email})
                except httpx.TransportError:
                    return
                if response.status_code == 200:
                    with lock:
                        acknowledged[response.json()["id"]] = email
                        if until(acknowledged):
                            stop.set()

    threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return acknowledged


def deliveries(database_url: str) -> list[DeliveryView]:
    async def read() -> list[DeliveryView]:
        storage = open_storage(database_url)
        await storage.open()
        try:
            return await storage.list_deliveries(1003, limit=100_000)
        finally:
            await storage.close()

    return asyncio.run(read())


def test_sigkill_loses_no_webhook_of_an_acknowledged_create(
    launch: Callable[..., Server], database_url: str, receiver: Receiver
) -> None:
    fast_retries = ("--webhook-retry-scale", "0.001")
    server = launch(database_url, *fast_retries)
    token = bootstrap_token(server)
    subscribe(database_url, receiver)
    killed = threading.Event()

    def kill_after_300(acknowledged: dict[int, str]) -> bool:
        if len(acknowledged) >= 300 and not killed.is_set():
            killed.set()
            server.stop(signal.SIGKILL)  # mid-load, deliveries under way
        return killed.is_set()

    acknowledged = create_load(server, token, kill_after_300)
    assert len(acknowledged) >= 300, "the load did not get going"
    restarted = launch(database_url, *fast_retries)

    def created(body: dict[str, object]) -> bool:
        return body["eventType"] == "customer.created"

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        got = {b["entityId"] for b in receiver.bodies() if created(b)}
        if set(acknowledged) <= got:
            break
        time.sleep(0.1)
    bodies = [b for b in receiver.bodies() if created(b)]
    received_ids = {b["entityId"] for b in bodies}
    missing = set(acknowledged) - received_ids
    duplicates = sum(count - 1 for count in Counter(b["eventId"] for b in bodies).values())
    with httpx.Client(headers={"Authorization": f"Bearer {token}"}, timeout=30) as http:
        stored = http.get(f"{restarted.base()}/customers", params={"limit": 1}).json()["total"]
    figures.record(
        "webhook-sigkill",
        engine=database_url.split(":", 1)[0],
        acknowledged=len(acknowledged),
        delivered=len(received_ids),
        missing=len(missing),
        duplicates=duplicates,
        stored=stored,
    )
    assert not missing, f"{len(missing)} acknowledged creates never announced"
    # Events only for what exists: the acknowledged, and at most the creates in flight.
    assert len(received_ids) <= stored <= len(acknowledged) + CLIENTS
    assert all(got.signed_with(receiver.secret) for got in receiver.received)
    # A redelivery after the crash can repeat what was under way, never more than that.
    assert duplicates <= 32


def test_two_processes_deliver_every_event_once(
    launch: Callable[..., Server], postgres_database: str, receiver: Receiver
) -> None:
    server = launch(postgres_database, "--workers", "2", "--webhook-retry-scale", "0.001")
    token = bootstrap_token(server)
    subscribe(postgres_database, receiver)
    acknowledged = create_load(server, token, lambda done: len(done) >= 400)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(receiver.received) < len(acknowledged):
        time.sleep(0.05)
    time.sleep(0.5)  # anything more would be a second attempt
    ids = Counter(body["eventId"] for body in receiver.bodies())
    assert {body["entityId"] for body in receiver.bodies()} == set(acknowledged)
    assert max(ids.values()) == 1, "an event was sent twice"
    found = deliveries(postgres_database)
    assert len(found) == len(acknowledged)
    assert {(d.state, d.attempts) for d in found} == {("delivered", 1)}
    # Both processes took part: each attempt names the process that made it.
    assert len({d.attempt_log[0].by.split("-")[0] for d in found}) == 2
