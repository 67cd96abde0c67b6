"""``ecwid-customers serve`` as a real process on a real socket: first start, restart, races."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from tests.support import full_customer_body

START_TIMEOUT = 20.0


@dataclass
class Server:
    process: subprocess.Popen[str]
    lines: list[str] = field(default_factory=list)
    port: int = 0
    pump: threading.Thread | None = None

    @property
    def output(self) -> str:
        return "".join(self.lines)

    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v3/1003"

    def stop(self, sig: int = signal.SIGTERM) -> int:
        if self.process.poll() is None:
            self.process.send_signal(sig)
        code = self.process.wait(timeout=15)
        if self.pump is not None:
            self.pump.join(timeout=5)  # output ends when the process does
        if self.process.stdout is not None:
            self.process.stdout.close()
        return code


def _pump(server: Server) -> None:
    assert server.process.stdout is not None
    for line in server.process.stdout:
        server.lines.append(line)


def start(database: Path, *extra: str) -> Server:
    process = subprocess.Popen(
        [sys.executable, "-m", "ecwid_customers", "serve", "--database", f"sqlite:///{database}",
         "--port", "0", *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )  # fmt: skip
    server = Server(process)
    server.pump = threading.Thread(target=_pump, args=(server,), daemon=True)
    server.pump.start()
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        found = re.search(r"listening on http://127\.0\.0\.1:(\d+)/", server.output)
        if found and "Application startup complete" in server.output:
            server.port = int(found[1])
            return server
        if process.poll() is not None:
            server.stop()
            raise AssertionError(f"server exited:\n{server.output}")
        time.sleep(0.05)
    server.stop(signal.SIGKILL)
    raise AssertionError(f"server did not start:\n{server.output}")


@pytest.fixture
def database(tmp_path: Path) -> Path:
    return tmp_path / "served.db"


@pytest.fixture
def launch() -> Iterator[Callable[[Path], Server]]:
    """Start servers; whatever a test leaves running is killed, even when it fails."""
    started: list[Server] = []

    def launch_one(database: Path) -> Server:
        started.append(start(database))
        return started[-1]

    yield launch_one
    for server in started:
        server.stop(signal.SIGKILL)


@pytest.fixture
def server(launch: Callable[[Path], Server], database: Path) -> Server:
    return launch(database)


def _stop_cleanly(server: Server) -> None:
    # uvicorn finishes its shutdown, then re-raises SIGTERM so the exit status tells the truth.
    assert server.stop(signal.SIGTERM) in (0, -signal.SIGTERM)
    assert "Application shutdown complete" in server.output


def _token(server: Server) -> str:
    found = re.search(r"Token:\s+(secret_\w+)", server.output)
    assert found, server.output
    return found[1]


def test_first_start_creates_store_and_prints_a_working_curl_line(server: Server) -> None:
    token = _token(server)
    assert "Store id: 1003" in server.output
    curl = re.search(r"curl -s -X POST (\S+) \\", server.output)
    assert curl
    assert curl[1] == f"{server.base()}/customers"
    assert f"-H 'Authorization: Bearer {token}'" in server.output

    body = re.search(r"-d '(\{.*\})'", server.output)
    assert body
    created = httpx.post(
        curl[1],
        content=body[1],
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    assert created.status_code == 200
    assert created.json() == {"id": 1}
    response = httpx.get(
        f"{server.base()}/customers/1", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.json()["billingPerson"]["name"] == "Ann Smith"
    assert "server" not in response.headers  # no software banner


def test_data_survives_a_restart(launch: Callable[[Path], Server], database: Path) -> None:
    first = launch(database)
    token = _token(first)
    auth = {"Authorization": f"Bearer {token}"}
    body = {**full_customer_body(), "lang": "en"}  # the bootstrap store speaks English only
    created = httpx.post(f"{first.base()}/customers", json=body, headers=auth)
    assert created.status_code == 200
    before = httpx.get(f"{first.base()}/customers/{created.json()['id']}", headers=auth).json()
    _stop_cleanly(first)

    second = launch(database)
    assert "Token:" not in second.output  # the store exists: no second bootstrap token
    assert "token create" in second.output
    after = httpx.get(f"{second.base()}/customers/{created.json()['id']}", headers=auth)
    assert after.status_code == 200
    assert after.json() == before
    _stop_cleanly(second)


def test_racing_creates_over_real_sockets_store_one_customer(
    server: Server, database: Path
) -> None:
    token = _token(server)

    def create(n: int) -> int:
        with httpx.Client() as client:
            return client.post(
                f"{server.base()}/customers",
                json={"email": "race@example.net", "taxId": str(n)},
                headers={"Authorization": f"Bearer {token}"},
            ).status_code

    with ThreadPoolExecutor(max_workers=20) as pool:
        statuses = sorted(pool.map(create, range(20)))
    assert statuses == [200] + [409] * 19
    stores = subprocess.run(
        [sys.executable, "-m", "ecwid_customers", "store", "list", "--database",
         f"sqlite:///{database}"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert stores.splitlines()[1].split() == ["1003", "en", "no", "yes", "no", "1", "1"]


def test_port_in_use_is_reported(server: Server, database: Path) -> None:
    process = subprocess.run(
        [sys.executable, "-m", "ecwid_customers", "serve", "--database",
         f"sqlite:///{database}", "--port", str(server.port)],
        capture_output=True, text=True, timeout=30,
    )  # fmt: skip
    assert process.returncode != 0
    assert "address already in use" in (process.stdout + process.stderr).lower()
