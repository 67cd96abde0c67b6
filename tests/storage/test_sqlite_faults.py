"""What a full disk or a read-only database does to a real SQLite-backed server: writes get
503 with ``Retry-After``, reads go on, the log gets a line per kind of fault (not a traceback
per write), and writes work again by themselves once the cause is gone.

The faults are SQLite's own: ``max_page_count`` at the file's size makes SQLite report a full
disk (``SQLITE_FULL``) for what needs a new page, exactly as a full file system does, and
``query_only`` a read-only database (``SQLITE_READONLY``); the server's connections are opened
with them while ``cause`` is set. A file made immutable (``chattr +i``) is the real thing.
"""

from __future__ import annotations

import logging
import sqlite3
import subprocess
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import httpx
import pytest

from ecwid_customers.http.app import EcwidApp
from ecwid_customers.storage.errors import StorageUnavailable
from ecwid_customers.storage.sqlite.storage import SQLiteEngine, SQLiteStorage
from tests.support import asgi_client, figures, make_store, make_token

# max_page_count cannot go below the file's size: 1 means "no page more than now".
DISK_FULL = "PRAGMA max_page_count = 1"
READ_ONLY = "PRAGMA query_only = ON"


class Faulty:
    """The storage's connections, with a fault switched on or off."""

    def __init__(self, storage: SQLiteStorage) -> None:
        self.cause: str | None = None
        engine = storage.engine
        assert isinstance(engine, SQLiteEngine)
        honest: Callable[[], sqlite3.Connection] = engine._connect

        def connect() -> sqlite3.Connection:
            connection = honest()
            if self.cause is not None:
                connection.execute(self.cause)
            return connection

        engine._connect = connect  # type: ignore[method-assign]


async def _seeded(path: Path) -> str:
    """Store 1003 with a token and customer 1, written before any fault; the token."""
    storage = SQLiteStorage(path)
    await storage.open()
    await make_store(storage, 1003)
    token = await make_token(storage, 1003)
    async with asgi_client(EcwidApp(storage)) as client:
        created = await client.post(
            URL, json={"email": "first@x.net"}, headers={"Authorization": f"Bearer {token}"}
        )
        assert created.status_code == 200
    await storage.close()
    return token


URL = "/api/v3/1003/customers"


@pytest.fixture
async def faulty_server(
    migrated_sqlite: Path,
) -> AsyncIterator[tuple[httpx.AsyncClient, dict[str, str], Faulty]]:
    """A server whose connections open with a full disk."""
    token = await _seeded(migrated_sqlite)
    storage = SQLiteStorage(migrated_sqlite)
    faulty = Faulty(storage)
    faulty.cause = DISK_FULL
    await storage.open()
    async with asgi_client(EcwidApp(storage)) as client:
        yield client, {"Authorization": f"Bearer {token}"}, faulty
    await storage.close()


async def test_a_full_disk_gets_503_reads_go_on_and_it_recovers(
    faulty_server: tuple[httpx.AsyncClient, dict[str, str], Faulty],
    caplog: pytest.LogCaptureFixture,
) -> None:
    client, auth, faulty = faulty_server
    caplog.set_level(logging.INFO, logger="ecwid_customers")
    refused = [
        await client.post(URL, json={"email": f"w{n}@x.net"}, headers=auth) for n in range(50)
    ]
    # A write that fits in the file's free pages still succeeds, as on a real full disk.
    assert {answer.status_code for answer in refused} <= {200, 503}
    assert sum(answer.status_code == 503 for answer in refused) >= 40
    refused = [answer for answer in refused if answer.status_code == 503]
    assert refused[0].json() == {
        "errorMessage": "The service is temporarily unavailable; try again shortly",
        "errorCode": "SERVICE_UNAVAILABLE",
    }
    assert refused[0].headers["retry-after"] == "5"
    assert (await client.get(f"{URL}/1", headers=auth)).status_code == 200  # reads go on
    unready = await client.get("/readyz")
    assert unready.status_code == 503
    assert unready.json() == {"status": "unavailable", "problems": ["the disk is full"]}
    ours = [record for record in caplog.records if record.name.startswith("ecwid_customers")]
    assert len([r for r in ours if "database unavailable" in r.getMessage()]) == 1
    assert not any(record.exc_info for record in ours)  # no traceback, let alone 50

    faulty.cause = None  # the disk has room again / the file is writable again
    after = [await client.post(URL, json={"email": f"r{n}@x.net"}, headers=auth) for n in range(3)]
    assert [answer.status_code for answer in after] == [200, 200, 200]
    assert (await client.get("/readyz")).status_code == 200
    assert any("database available again" in r.getMessage() for r in caplog.records)
    found = (await client.get(URL, params={"limit": 100}, headers=auth)).json()["items"]
    emails = {item["email"] for item in found}
    refused_emails = {f"w{n}@x.net" for n in range(50)} - (emails - {"first@x.net"})
    assert {"first@x.net", "r0@x.net", "r1@x.net", "r2@x.net"} <= emails
    assert len(emails) == 4 + 50 - len(refused_emails)  # each 200 kept, no 503 kept
    assert len(refused_emails) == len(refused)
    figures.record(
        "disk_full",
        creates=50,
        refused=len(refused),
        log_lines=len([r for r in ours if "database unavailable" in r.getMessage()]),
        recovered=len(after),
    )


async def test_a_read_only_database_is_refused_at_start(migrated_sqlite: Path) -> None:
    await _seeded(migrated_sqlite)
    storage = SQLiteStorage(migrated_sqlite)
    Faulty(storage).cause = READ_ONLY
    with pytest.raises(StorageUnavailable, match="read-only"):
        await storage.open()
    await storage.close()


@pytest.fixture
def immutable_sqlite(migrated_sqlite: Path) -> Iterator[Path]:
    """The database file made immutable: not even root may write it."""
    if subprocess.run(["chattr", "+i", str(migrated_sqlite)], capture_output=True).returncode:
        pytest.skip("chattr +i is not available here (needs root and a file system with it)")
    try:
        yield migrated_sqlite
    finally:
        subprocess.run(["chattr", "-i", str(migrated_sqlite)], check=True)


async def test_an_immutable_database_file_is_refused_at_start(immutable_sqlite: Path) -> None:
    storage = SQLiteStorage(immutable_sqlite)
    with pytest.raises(StorageUnavailable, match="read-only"):
        await storage.open()
    await storage.close()


@pytest.fixture
def writable_again(migrated_sqlite: Path) -> Iterator[Callable[[bool], None]]:
    """Makes the database file and its WAL immutable (``True``) or writable again (``False``).
    (Not the ``-shm`` index: SQLite maps it into memory, and a write to an immutable mapping
    is a SIGBUS, not an error.)"""
    files = [migrated_sqlite, Path(f"{migrated_sqlite}-wal")]

    def immutable(on: bool) -> None:
        for path in files:
            if path.exists():
                flag = "+i" if on else "-i"
                if subprocess.run(["chattr", flag, str(path)], capture_output=True).returncode:
                    pytest.skip("chattr +i is not available here")

    yield immutable
    immutable(False)


async def test_a_database_made_read_only_while_serving_recovers_once_writable(
    migrated_sqlite: Path, writable_again: Callable[[bool], None]
) -> None:
    """The repro: the files made unwritable under a running server, then writable again:
    writes are refused meanwhile and work again without a restart."""
    token = await _seeded(migrated_sqlite)
    auth = {"Authorization": f"Bearer {token}"}
    storage = SQLiteStorage(migrated_sqlite)
    await storage.open()
    try:
        async with asgi_client(EcwidApp(storage)) as client:
            assert (
                await client.post(URL, json={"email": "a@x.net"}, headers=auth)
            ).status_code == 200
            writable_again(True)
            refused = [
                await client.post(URL, json={"email": f"n{n}@x.net"}, headers=auth)
                for n in range(5)
            ]
            assert {answer.status_code for answer in refused} == {503}
            writable_again(False)
            again = await client.post(URL, json={"email": "b@x.net"}, headers=auth)
            assert again.status_code == 200, again.text
    finally:
        writable_again(False)
        await storage.close()
