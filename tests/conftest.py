"""Fixtures: real databases (a SQLite file, a PostgreSQL database), the real ASGI app.

Every test that uses ``storage`` (and so ``api``) runs once per backend. PostgreSQL comes from
``ECWID_TEST_POSTGRES_URL`` (``make test`` starts a server and sets it); without it those runs
skip, except under ``CI=true``, where they fail.
"""

from __future__ import annotations

import os
import shutil
import signal
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import httpx
import pytest

from ecwid_customers.domain.clock import ManualClock
from ecwid_customers.http.app import EcwidApp
from ecwid_customers.storage import migrate
from ecwid_customers.storage.base import Storage
from ecwid_customers.storage.sqlite.storage import SQLiteStorage
from tests.support import Api, asgi_client, make_store, make_token, postgres
from tests.support.installed import Install, install
from tests.support.servers import Server, start

BACKENDS = ("sqlite", "postgresql")

# pytester runs a user-like test suite against the pytest plugin (tests/test_pytest_plugin.py).
pytest_plugins = ["pytester"]


@pytest.fixture
def launch() -> Iterator[Callable[..., Server]]:
    """Start servers; whatever a test leaves running is killed, even when it fails."""
    started: list[Server] = []

    def launch_one(database: Path | str, *extra: str) -> Server:
        started.append(start(database, *extra))
        return started[-1]

    yield launch_one
    for server in started:
        server.stop(signal.SIGKILL)


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


@pytest.fixture(scope="session")
def postgres_server() -> str:
    """The URL of the PostgreSQL server the tests may use."""
    url = os.environ.get("ECWID_TEST_POSTGRES_URL", "")
    if not url:
        reason = "no PostgreSQL: ECWID_TEST_POSTGRES_URL is unset (make test starts one)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason}; CI must run the PostgreSQL suites")
        pytest.skip(reason)
    return url


@pytest.fixture(scope="session")
def postgres_url(postgres_server: str, worker_id: str) -> Iterator[str]:
    """A migrated database of this test process's own (xdist workers run side by side)."""
    # The process id keeps two test runs on one server (a developer's and an editor's, say)
    # from dropping each other's databases.
    with postgres.database(postgres_server, f"ecwid_test_{worker_id}_{os.getpid()}") as url:
        migrate.upgrade(url)
        yield url


@pytest.fixture
def postgres_database(postgres_url: str) -> str:
    """The process's database, emptied for this test."""
    postgres.empty(postgres_url)
    return postgres_url


@pytest.fixture(params=BACKENDS)
def engine(request: pytest.FixtureRequest) -> str:
    """The database engine this run of the test uses."""
    param: str = request.param
    return param


@pytest.fixture
async def storage(engine: str, request: pytest.FixtureRequest) -> AsyncIterator[Storage]:
    opened: Storage
    if engine == "sqlite":
        opened = SQLiteStorage(request.getfixturevalue("migrated_sqlite"))
    else:
        from ecwid_customers.storage.postgres.storage import PostgresStorage

        opened = PostgresStorage(request.getfixturevalue("postgres_database"))
    await opened.open()
    yield opened
    await opened.close()


@pytest.fixture
def clock() -> ManualClock:
    """The app's clock: still unless a test advances it (2024-01-01 00:00:00 UTC to start)."""
    return ManualClock(1_704_067_200)


@pytest.fixture
async def app(storage: Storage, clock: ManualClock) -> EcwidApp:
    return EcwidApp(storage, clock=clock)


@pytest.fixture
async def client(app: EcwidApp) -> AsyncIterator[httpx.AsyncClient]:
    async with asgi_client(app) as opened:
        yield opened


@pytest.fixture
async def api(storage: Storage, client: httpx.AsyncClient, clock: ManualClock) -> Api:
    """Store 1003 (languages en, fr) and a token with every customer scope."""
    await make_store(storage, 1003, languages=("en", "fr"))
    token = await make_token(storage, 1003)
    return Api(client=client, storage=storage, store_id=1003, token=token, clock=clock)


@pytest.fixture(scope="session")
def installed(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Install:
    """The package as a user installs it (wheel, fresh venv, [pytest] extra), built once per
    run: xdist workers share the base temporary directory's parent and wait for one build."""
    base = tmp_path_factory.getbasetemp()
    shared = base if worker_id == "master" else base.parent
    return install(shared / "installed")
