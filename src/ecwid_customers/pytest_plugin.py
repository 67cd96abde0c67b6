"""pytest fixtures for testing an Ecwid app against this server (installed as a pytest plugin).

- ``ecwid_server`` (session): a real ``ecwid-customers serve`` on a free loopback port, on a
  SQLite file of the session's own, so clients in any language can reach it over HTTP;
- ``ecwid_store`` (per test): a new, empty store with a token that has every customer scope,
  made in a few milliseconds, so tests never see each other's customers.

Under pytest-xdist every worker runs its own server. Faults, the request journal and the
control plane are not part of this release.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from ecwid_customers import admin
from ecwid_customers.domain.clock import SystemClock
from ecwid_customers.domain.models import Store
from ecwid_customers.scopes import CUSTOMER_SCOPES
from ecwid_customers.storage.sqlite.storage import SQLiteStorage

_START_TIMEOUT = 30.0


@dataclass(frozen=True)
class EcwidServer:
    base_url: str  # http://127.0.0.1:PORT
    database: Path
    process: subprocess.Popen[bytes]


@dataclass(frozen=True)
class EcwidStore:
    id: int
    token: str
    api_url: str  # http://127.0.0.1:PORT/api/v3/STORE_ID, where an Ecwid client points

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def _start(database: Path, log: Path) -> EcwidServer:
    with log.open("wb") as out:
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            [sys.executable, "-m", "ecwid_customers", "serve", "--database",
             f"sqlite:///{database}", "--port", "0", "--log-level", "warning"],
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )  # fmt: skip
    deadline = time.monotonic() + _START_TIMEOUT
    while time.monotonic() < deadline:
        found = re.search(r"listening on (http://127\.0\.0\.1:\d+)/", log.read_text())
        if found:
            return EcwidServer(base_url=found[1], database=database, process=process)
        if process.poll() is not None:
            break
        time.sleep(0.02)
    process.kill()
    raise RuntimeError(f"ecwid-customers did not start:\n{log.read_text()}")


@pytest.fixture(scope="session")
def ecwid_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EcwidServer]:
    """A running server for the whole session (one per xdist worker)."""
    folder = tmp_path_factory.mktemp("ecwid-customers")
    server = _start(folder / "customers.db", folder / "server.log")
    try:
        yield server
    finally:
        server.process.terminate()
        try:
            server.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.process.kill()


# Store ids of this session: far from the bootstrap store, apart per process.
_store_ids = itertools.count(10_000_000 + (os.getpid() % 10_000) * 10_000)


async def _new_store(database: Path, store_id: int) -> str:
    storage = SQLiteStorage(database)
    await storage.open()
    try:
        await storage.create_store(Store(id=store_id, languages=("en",)), now=SystemClock().now())
        return (await admin.issue_token(storage, store_id, CUSTOMER_SCOPES)).token
    finally:
        await storage.close()


@pytest.fixture
def ecwid_store(ecwid_server: EcwidServer) -> EcwidStore:
    """A new, empty store of the session's server and a token with every customer scope."""
    store_id = next(_store_ids)
    token = asyncio.run(_new_store(ecwid_server.database, store_id))
    return EcwidStore(
        id=store_id, token=token, api_url=f"{ecwid_server.base_url}/api/v3/{store_id}"
    )
