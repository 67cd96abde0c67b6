"""A 200 means committed: stop the server (SIGKILL, or SIGTERM) in the middle of a create load,
start it again, and find every acknowledged customer intact and no half-written one."""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from tests.support import figures
from tests.support.servers import Server, bootstrap_token

CLIENTS = 8


def _load(server: Server, token: str, stop: threading.Event, acknowledged: dict[int, str]) -> None:
    """Create customers until told to stop or the server dies; remember every 200."""
    lock = threading.Lock()

    def client(number: int) -> None:
        sent = 0
        with httpx.Client(headers={"Authorization": f"Bearer {token}"}, timeout=10) as http:
            while not stop.is_set():
                email = f"c{number}-{sent}@example.net"
                sent += 1
                try:
                    response = http.post(
                        f"{server.base()}/customers",
                        json={
                            "email": email,
                            "billingPerson": {"name": f"Crash Test {number} {sent}"},
                            "contacts": [{"contact": "+1555", "type": "PHONE"}],
                        },
                    )
                except httpx.TransportError:
                    return  # the server is gone: whatever was in flight was never acknowledged
                if response.status_code == 200:
                    with lock:
                        acknowledged[response.json()["id"]] = email

    threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'crash.db'}"
    url: str = request.getfixturevalue("postgres_database")
    return url


def test_sigkill_loses_no_acknowledged_create(
    launch: Callable[..., Server], database_url: str
) -> None:
    server = launch(database_url)
    token = bootstrap_token(server)
    stop = threading.Event()
    acknowledged: dict[int, str] = {}
    load = threading.Thread(target=_load, args=(server, token, stop, acknowledged))
    load.start()
    deadline = time.monotonic() + 10
    while len(acknowledged) < 300 and time.monotonic() < deadline:
        time.sleep(0.01)
    server.stop(signal.SIGKILL)  # mid-load: no shutdown, no flush, no goodbye
    stop.set()
    load.join()
    assert len(acknowledged) >= 100, "the load did not get going"

    restarted = launch(database_url)
    with httpx.Client(headers={"Authorization": f"Bearer {token}"}, timeout=30) as http:
        intact = 0
        for customer_id, email in acknowledged.items():
            response = http.get(f"{restarted.base()}/customers/{customer_id}")
            customer = response.json() if response.status_code == 200 else {}
            if customer.get("email") == email and {c["type"] for c in customer["contacts"]} == {
                "EMAIL",
                "PHONE",
            }:
                intact += 1
        page = http.get(f"{restarted.base()}/customers", params={"limit": 100}).json()
        stored = page["total"]
        engine = database_url.split(":", 1)[0]
        figures.record(
            "sigkill", engine=engine, acknowledged=len(acknowledged), intact=intact, stored=stored
        )
        assert intact == len(acknowledged), "an acknowledged create is missing or damaged"
        # Nothing half-written: every stored customer is whole, acknowledged or not.
        assert stored >= len(acknowledged)
        assert stored <= len(acknowledged) + CLIENTS  # at most the creates in flight
        offset = 0
        while offset < stored:
            items = http.get(
                f"{restarted.base()}/customers", params={"limit": 100, "offset": offset}
            ).json()["items"]
            for item in items:
                assert item["email"].startswith("c")
                assert item["name"].startswith("Crash Test")
                assert len(item["contacts"]) == 2
            offset += 100


def test_sigterm_finishes_accepted_requests_and_loses_nothing(
    launch: Callable[..., Server], database_url: str
) -> None:
    server = launch(database_url)
    token = bootstrap_token(server)
    stop = threading.Event()
    acknowledged: dict[int, str] = {}
    load = threading.Thread(target=_load, args=(server, token, stop, acknowledged))
    load.start()
    deadline = time.monotonic() + 10
    while len(acknowledged) < 200 and time.monotonic() < deadline:
        time.sleep(0.01)
    code = server.stop(signal.SIGTERM)  # graceful: stop accepting, finish what is in flight
    stop.set()
    load.join()
    assert code in (0, -signal.SIGTERM)
    assert "Application shutdown complete" in server.output
    assert "Traceback" not in server.output

    restarted = launch(database_url)
    with httpx.Client(headers={"Authorization": f"Bearer {token}"}, timeout=30) as http:
        total = http.get(f"{restarted.base()}/customers", params={"limit": 1}).json()["total"]
        figures.record(
            "sigterm",
            engine=database_url.split(":", 1)[0],
            acknowledged=len(acknowledged),
            stored=total,
        )
        assert total >= len(acknowledged)
        for customer_id, email in acknowledged.items():
            response = http.get(f"{restarted.base()}/customers/{customer_id}")
            assert response.status_code == 200, (customer_id, response.text)
            assert response.json()["email"] == email
