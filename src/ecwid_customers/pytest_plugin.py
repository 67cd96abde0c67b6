"""pytest fixtures for testing an Ecwid app against this server (installed as a pytest plugin).

- ``ecwid_server`` (session): a real ``ecwid-customers serve`` on a free loopback port, on a
  SQLite file of the session's own (``--ecwid-database URL`` picks another database), so
  clients in any language can reach it over HTTP; or, with ``--ecwid-url URL`` and
  ``--ecwid-admin-token``, a server that is already running;
- ``ecwid_store`` (per test): a new, empty store with a token that has every customer scope,
  made through the control plane in a few milliseconds and deleted after the test, with
  helpers for faults, the request journal and the store's clock;
- ``ecwid_store_factory`` (per test): the same with settings of your choosing (languages,
  plan flags, scopes, a frozen clock, a fixture to load, the token's ``webhook_url``,
  ``client_secret`` and ``webhook_events``);
- ``ecwid_webhooks`` (per test): a webhook receiver on a free port that checks signatures and
  lets a test ``wait_for("customer.created", entity_id=...)``; ``ecwid_webhook_store``: a new
  store whose token's app receives its webhooks there. The session's server retries failed
  webhooks on Ecwid's schedule scaled by 0.001 (15 minutes become 0.9 s).

Under pytest-xdist every worker runs its own server, so tests in parallel never share state.
The helpers (``ecwid_customers.testing``, which also has ``ThreadedServer`` for unittest)
speak the control plane's HTTP API (docs/testing.md) with the standard library: the plugin
adds no dependency to a user's project.
"""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from ecwid_customers.domain.tokens import new_admin_token
from ecwid_customers.storage.urls import DATABASE_URL_ENV
from ecwid_customers.testing import ControlClient, ControlError, EcwidStore
from ecwid_customers.webhook_receiver import WebhookReceiver

_START_TIMEOUT = 30.0
# Ecwid retries a webhook after 15 minutes; a test has no 15 minutes (0.9 s here).
WEBHOOK_RETRY_SCALE = 0.001


# Point the session at a server that is already running, instead of starting one.
URL_ENV = "ECWID_CUSTOMERS_URL"
ADMIN_TOKEN_ENV = "ECWID_CUSTOMERS_ADMIN_TOKEN"  # noqa: S105 - a variable's name
# The database of the server the session starts (default: a SQLite file of its own).
DATABASE_ENV = "ECWID_CUSTOMERS_TEST_DATABASE"

__all__ = ["ControlClient", "ControlError", "EcwidServer", "EcwidStore"]


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("ecwid-customers", "ecwid-customers (the Ecwid stand-in)")
    group.addoption(
        "--ecwid-url",
        default=os.environ.get(URL_ENV),
        metavar="URL",
        help=f"Use the ecwid-customers server at URL (http://host:port) instead of starting "
        f"one; its admin token from --ecwid-admin-token or {ADMIN_TOKEN_ENV}. Also {URL_ENV}.",
    )
    group.addoption(
        "--ecwid-admin-token",
        default=os.environ.get(ADMIN_TOKEN_ENV),
        metavar="admin_...",
        help=f"The control-plane token of the --ecwid-url server. Also {ADMIN_TOKEN_ENV}.",
    )
    group.addoption(
        "--ecwid-database",
        default=os.environ.get(DATABASE_ENV),
        metavar="URL",
        help="Database of the server the session starts, e.g. postgresql://user@host/db "
        f"(default: a SQLite file of the session's own). Also {DATABASE_ENV}.",
    )


@dataclass(frozen=True)
class EcwidServer:
    base_url: str  # http://127.0.0.1:PORT
    database: Path | str | None  # the SQLite file, or the URL given; None: not ours
    process: subprocess.Popen[bytes] | None  # None for a server the session did not start
    control: ControlClient


def _start(database: Path | str, log: Path) -> EcwidServer:
    admin_token = new_admin_token()
    url = database if isinstance(database, str) else f"sqlite:///{database}"
    with log.open("wb") as out:
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            [sys.executable, "-m", "ecwid_customers", "serve",
             "--port", "0", "--log-level", "warning", "--no-default-store",
             "--webhook-retry-scale", str(WEBHOOK_RETRY_SCALE)],
            stdout=out,
            stderr=subprocess.STDOUT,
            # Through the environment, not argv: other users of the machine can read argv
            # (the token, and a database URL's password).
            env={**os.environ, "PYTHONUNBUFFERED": "1",
                 "ECWID_CUSTOMERS_ADMIN_TOKEN": admin_token, DATABASE_URL_ENV: url},
        )  # fmt: skip
    deadline = time.monotonic() + _START_TIMEOUT
    while time.monotonic() < deadline:
        found = re.search(r"listening on (http://127\.0\.0\.1:\d+)/", log.read_text())
        if found:
            control = ControlClient(found[1], admin_token)
            return EcwidServer(found[1], database, process, control)
        if process.poll() is not None:
            break
        time.sleep(0.02)
    process.kill()
    raise RuntimeError(f"ecwid-customers did not start:\n{log.read_text()}")


def _running(url: str, admin_token: str | None) -> EcwidServer:
    """The server at ``url``, once its control plane has answered the admin token."""
    if not admin_token:
        pytest.fail(f"--ecwid-url needs --ecwid-admin-token (or {ADMIN_TOKEN_ENV})", pytrace=False)
    control = ControlClient(url.rstrip("/"), admin_token)
    try:
        control.call("GET", "")
    except ControlError as error:
        pytest.fail(f"the server at {url} refused the admin token: {error}", pytrace=False)
    except OSError as error:
        pytest.fail(f"no ecwid-customers server at {url}: {error}", pytrace=False)
    return EcwidServer(control.base_url, None, None, control)


@pytest.fixture(scope="session")
def ecwid_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[EcwidServer]:
    """A running server for the whole session: the one ``--ecwid-url`` names, else one the
    session starts (one per xdist worker) on ``--ecwid-database`` or a SQLite file."""
    url = request.config.getoption("ecwid_url")
    if url:
        yield _running(url, request.config.getoption("ecwid_admin_token"))
        return
    folder = tmp_path_factory.mktemp("ecwid-customers")
    database = request.config.getoption("ecwid_database") or folder / "customers.db"
    server = _start(database, folder / "server.log")
    assert server.process is not None
    try:
        yield server
    finally:
        server.process.terminate()
        try:
            server.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.process.kill()


StoreFactory = Callable[..., EcwidStore]


@pytest.fixture
def ecwid_store_factory(ecwid_server: EcwidServer) -> Iterator[StoreFactory]:
    """``make(**settings)``: a new store; settings as ``POST /_control/stores`` takes them, in
    Python or JSON spelling (``languages=["en", "fr"]``, ``legacy_sign_in=True``,
    ``customer_groups_enabled=False``, ``scopes=[...]``, ``frozen_at=...``, ``fixture={...}``).
    Every store made is deleted after the test."""
    made: list[int] = []
    control = ecwid_server.control

    def make(**settings: Any) -> EcwidStore:
        store = control.new_store(**settings)
        made.append(store.id)
        return store

    yield make
    for store_id in made:
        with contextlib.suppress(ControlError):  # the test may have deleted it itself
            control.call("DELETE", f"/stores/{store_id}")


@pytest.fixture
def ecwid_store(ecwid_store_factory: StoreFactory) -> EcwidStore:
    """A new, empty store of the session's server and a token with every customer scope."""
    return ecwid_store_factory()


@pytest.fixture
def ecwid_webhooks() -> Iterator[WebhookReceiver]:
    """A webhook receiver (a real HTTP endpoint on a free port) with a client secret of its
    own; pass ``webhook_url=ecwid_webhooks.url, client_secret=ecwid_webhooks.client_secret``
    to ``ecwid_store_factory``, or use ``ecwid_webhook_store``."""
    receiver = WebhookReceiver().start()
    try:
        yield receiver
    finally:
        receiver.stop()


@pytest.fixture
def ecwid_webhook_store(
    ecwid_store_factory: StoreFactory, ecwid_webhooks: WebhookReceiver
) -> EcwidStore:
    """A new store whose token's app receives every event at ``ecwid_webhooks``."""
    return ecwid_store_factory(
        webhook_url=ecwid_webhooks.url, client_secret=ecwid_webhooks.client_secret
    )
