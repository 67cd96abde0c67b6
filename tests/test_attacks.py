"""The denial-of-service repros, re-run against a real server while another client works.

Each attack runs beside a probe: a second client that reads a customer in a loop. The test
checks what can be checked without timing (the attack is refused or cut off, every probe is
answered 200); the probe's latency during the attack, and without one, go to
``make reliability``'s figures (``docs/reliability.md``), never into an assertion.
"""

from __future__ import annotations

import contextlib
import json
import re
import resource
import socket
import statistics
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from tests.http.test_protocol import token_of
from tests.support import figures
from tests.support.servers import Server


class Probe:
    """GET /customers/1 in a loop on its own connection; the latencies it saw (ms)."""

    def __init__(self, server: Server, token: str) -> None:
        self.url = f"http://127.0.0.1:{server.port}/api/v3/1003/customers/1"
        self.headers = {"Authorization": f"Bearer {token}"}
        self.latencies: list[float] = []
        self.statuses: set[int] = set()
        self._stop = threading.Event()
        self._begun = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        with httpx.Client(timeout=30) as client:
            self._begun.set()
            # At least one read, however late a busy machine starts this thread.
            while not self._stop.is_set() or not self.latencies:
                started = time.perf_counter()
                try:
                    self.statuses.add(client.get(self.url, headers=self.headers).status_code)
                except httpx.HTTPError:
                    self.statuses.add(0)  # refused, reset or timed out: not served
                self.latencies.append((time.perf_counter() - started) * 1000)
                time.sleep(0.01)

    @contextlib.contextmanager
    def running(self) -> Iterator[Probe]:
        self._thread.start()
        self._begun.wait(30)  # the attack starts once the probe is reading
        try:
            yield self
        finally:
            self._stop.set()
            self._thread.join(timeout=60)

    def summary(self) -> dict[str, float]:
        ordered = sorted(self.latencies)
        return {
            "probes": len(ordered),
            "p50_ms": round(statistics.median(ordered), 2),
            "max_ms": round(ordered[-1], 2),
        }


@pytest.fixture
def server(launch: Callable[..., Server], tmp_path: Path) -> Server:
    served = launch(tmp_path / "customers.db", "--body-timeout", "2", "--head-timeout", "2")
    created = httpx.post(
        f"http://127.0.0.1:{served.port}/api/v3/1003/customers",
        json={"email": "probe@x.net", "billingPerson": {"name": "Probe Person"}},
        headers={"Authorization": f"Bearer {token_of(served)}"},
    )
    assert created.status_code == 200
    return served


def _baseline(server: Server) -> dict[str, float]:
    probe = Probe(server, token_of(server))
    with probe.running():
        time.sleep(1)
    return probe.summary()


def _post(server: Server, body: bytes) -> httpx.Response:
    return httpx.post(
        f"http://127.0.0.1:{server.port}/api/v3/1003/customers",
        content=body,
        headers={"Authorization": f"Bearer {token_of(server)}", "Content-Type": "application/json"},
        timeout=60,
    )


@pytest.mark.parametrize(
    ("attack", "item", "count"),
    [
        ("1 MiB of contacts", b'{"contact":"1","type":"PHONE"}', 33_821),
        ("1 MiB of empty addresses", b"{}", 330_000),
    ],
)
def test_a_heavy_body_is_refused_at_once_and_others_are_served(
    server: Server, attack: str, item: bytes, count: int
) -> None:
    field = b"contacts" if b"contact" in item else b"shippingAddresses"
    body = b'{"email":"q@x.y","' + field + b'":[' + b",".join([item] * count) + b"]}"
    quiet = _baseline(server)
    probe = Probe(server, token_of(server))
    answers = []
    with probe.running():
        for _ in range(10):
            started = time.perf_counter()
            answer = _post(server, body)
            answers.append((answer.status_code, (time.perf_counter() - started) * 1000))
    assert {status for status, _ in answers} == {400}
    assert probe.statuses == {200}
    figures.record(
        "attack",
        attack=attack,
        quiet=quiet,
        during=probe.summary(),
        attack_ms=round(statistics.median(ms for _, ms in answers), 1),
    )


def test_slow_bodies_are_cut_off_and_others_are_served(server: Server) -> None:
    """Hundreds of connections that send a head and one byte of a 100-byte body, then wait."""
    # With a valid token, so the app waits for the body (without one it answers 403 at once).
    head = (
        b"POST /api/v3/1003/customers HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
        b"Authorization: Bearer " + token_of(server).encode() + b"\r\n"
        b"Content-Length: 100\r\n\r\n{"
    )
    quiet = _baseline(server)
    probe = Probe(server, token_of(server))
    held = []
    with probe.running():
        for _ in range(500):
            connection = socket.create_connection(("127.0.0.1", server.port), timeout=10)
            connection.sendall(head)
            held.append(connection)
        answers = []
        for connection in held:
            with contextlib.suppress(OSError):
                answers.append(connection.recv(4096))
            connection.close()
    assert all(answer.startswith(b"HTTP/1.1 408") for answer in answers)
    assert len(answers) == 500
    assert probe.statuses == {200}
    figures.record("attack", attack="500 slow bodies", quiet=quiet, during=probe.summary())


def test_readers_that_never_read_do_not_hold_up_others(server: Server) -> None:
    """Twenty clients ask for the largest customer the limits allow and read nothing."""
    big = {
        "email": "big@x.net",
        "shippingAddresses": [{"street": "s" * 1000, "note": "n" * 1000} for _ in range(100)],
        "contacts": [{"contact": "c" * 1000, "type": "URL", "note": "n" * 1000}] * 100,
        "privateAdminNotes": "p" * 10_000,
    }
    created = _post(server, json.dumps(big).encode())
    assert created.status_code == 200, created.text
    ask = (
        b"GET /api/v3/1003/customers/%d HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer %s\r\n\r\n"
        % (created.json()["id"], token_of(server).encode())
    )
    quiet = _baseline(server)
    probe = Probe(server, token_of(server))
    with probe.running():
        idle = []
        for _ in range(20):
            connection = socket.create_connection(("127.0.0.1", server.port), timeout=10)
            connection.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            with contextlib.suppress(OSError):
                connection.sendall(ask * 20)
            idle.append(connection)
        time.sleep(2)
        for connection in idle:
            connection.close()
    assert probe.statuses == {200}
    figures.record(
        "attack", attack="20 readers that never read", quiet=quiet, during=probe.summary()
    )


def test_a_low_open_file_limit_is_raised_and_a_flood_leaves_room(
    launch: Callable[..., Server], tmp_path: Path
) -> None:
    """The soft open-file limit at 256 (the hard one as it is): the server raises it at start,
    says so, and 400 connections that send a head and stall leave the probe served."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < 1024:
        pytest.skip(f"the hard open-file limit is {hard}: nothing to raise it to")
    resource.setrlimit(resource.RLIMIT_NOFILE, (256, hard))
    try:
        served = launch(tmp_path / "customers.db", "--head-timeout", "2")
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    assert re.search(r"open files allowed: (\d+)", served.output)
    allowed = int(re.search(r"open files allowed: (\d+)", served.output)[1])  # type: ignore[index]
    assert allowed > 256
    token = token_of(served)
    httpx.post(
        f"http://127.0.0.1:{served.port}/api/v3/1003/customers",
        json={"email": "probe@x.net"},
        headers={"Authorization": f"Bearer {token}"},
    ).raise_for_status()
    quiet = _baseline(served)
    probe = Probe(served, token)
    held = []
    with probe.running():
        for _ in range(400):
            connection = socket.create_connection(("127.0.0.1", served.port), timeout=10)
            connection.sendall(b"GET /api/v3/1003/customers HTTP/1.1\r\nHost: t\r\n")  # no end
            held.append(connection)
        time.sleep(1)
        for connection in held:
            connection.close()
    assert probe.statuses == {200}
    figures.record(
        "attack",
        attack=f"400 stalled heads, soft open-file limit 256 raised to {allowed}",
        quiet=quiet,
        during=probe.summary(),
    )
