"""Fixtures: a real SQLite file per test, the real ASGI app, real tokens."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from ecwid_customers.domain.clock import ManualClock
from ecwid_customers.http.app import EcwidApp
from ecwid_customers.storage import migrate
from ecwid_customers.storage.sqlite.storage import SQLiteStorage
from tests.support import Api, asgi_client, make_store, make_token


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One SQLite file migrated to the newest schema per test session, copied by each test:
    running the migrations for every test would cost more than the tests."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    migrate.upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture
def migrated_sqlite(sqlite_template: Path, tmp_path: Path) -> Path:
    """A fresh copy of the migrated template: this test's own database file."""
    path = tmp_path / "customers.db"
    shutil.copyfile(sqlite_template, path)
    return path


@pytest.fixture
def database_path(migrated_sqlite: Path) -> Path:
    return migrated_sqlite


@pytest.fixture
async def storage(database_path: Path) -> AsyncIterator[SQLiteStorage]:
    opened = SQLiteStorage(database_path)
    await opened.open()
    yield opened
    await opened.close()


@pytest.fixture
def clock() -> ManualClock:
    """The app's clock: still unless a test advances it (2024-01-01 00:00:00 UTC to start)."""
    return ManualClock(1_704_067_200)


@pytest.fixture
async def app(storage: SQLiteStorage, clock: ManualClock) -> EcwidApp:
    return EcwidApp(storage, clock=clock)


@pytest.fixture
async def client(app: EcwidApp) -> AsyncIterator[httpx.AsyncClient]:
    async with asgi_client(app) as opened:
        yield opened


@pytest.fixture
async def api(storage: SQLiteStorage, client: httpx.AsyncClient, clock: ManualClock) -> Api:
    """Store 1003 (languages en, fr) and a token with every customer scope."""
    await make_store(storage, 1003, languages=("en", "fr"))
    token = await make_token(storage, 1003)
    return Api(client=client, storage=storage, store_id=1003, token=token, clock=clock)
