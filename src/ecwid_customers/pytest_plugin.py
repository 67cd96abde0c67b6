"""pytest fixtures for testing an Ecwid app against this server (installed as a pytest plugin).

- ``ecwid_server`` (session): a real ``ecwid-customers serve`` on a free loopback port, on a
  SQLite file of the session's own, so clients in any language can reach it over HTTP;
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
The helpers speak the control plane's HTTP API (docs/testing.md) with the standard library:
the plugin adds no dependency to a user's project.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from ecwid_customers.domain.tokens import new_admin_token
from ecwid_customers.webhook_receiver import WebhookReceiver

_START_TIMEOUT = 30.0
# Ecwid retries a webhook after 15 minutes; a test has no 15 minutes (0.9 s here).
WEBHOOK_RETRY_SCALE = 0.001


# The server is on loopback: never send its admin token through an http_proxy from the
# environment.
_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class ControlError(Exception):
    """The control plane refused a request (its Ecwid-shaped error is in the message)."""


@dataclass(frozen=True)
class ControlClient:
    """A minimal client of the control plane (``/_control/...``)."""

    base_url: str
    admin_token: str

    def call(self, method: str, path: str, body: Any = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(  # noqa: S310 - our own server's http URL
            f"{self.base_url}/_control{path}",
            data=data,
            method=method,
            headers={
                "Authorization": f"Bearer {self.admin_token}",
                "Content-Type": "application/json",
            },
        )
        try:
            with _DIRECT.open(request, timeout=30) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError as error:
            raise ControlError(f"{method} /_control{path}: {error.code} {error.read()!r}") from None


@dataclass(frozen=True)
class EcwidServer:
    base_url: str  # http://127.0.0.1:PORT
    database: Path
    process: subprocess.Popen[bytes]
    control: ControlClient


@dataclass(frozen=True)
class EcwidStore:
    id: int
    token: str
    api_url: str  # http://127.0.0.1:PORT/api/v3/STORE_ID, where an Ecwid client points
    control: ControlClient = field(repr=False)

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    # -- faults ----------------------------------------------------------------------------

    def fault(self, **rule: Any) -> dict[str, Any]:
        """Add a fault rule for this store, in Python or JSON spelling: ``error=`` an Ecwid
        errorCode, ``latency_ms=``, ``drop=True``; ``route=``, ``method=``, ``nth=``,
        ``times=``, ``probability=``, ``ttl_seconds=``. Returns the rule with its id."""
        body = {_camel(name): value for name, value in rule.items()}
        body["storeId"] = self.id
        added: dict[str, Any] = self.control.call("POST", "/faults", body)
        return added

    def clear_faults(self) -> None:
        self.control.call("DELETE", f"/faults?storeId={self.id}")

    # -- journal ---------------------------------------------------------------------------

    def journal(self, **filters: str | int) -> list[dict[str, Any]]:
        """The calls this store received, oldest first; filters: method, status, path, after."""
        query = urllib.parse.urlencode(filters)
        found = self.control.call("GET", f"/stores/{self.id}/journal?{query}")
        items: list[dict[str, Any]] = found["items"]
        return items

    def clear_journal(self) -> None:
        self.control.call("DELETE", f"/stores/{self.id}/journal")

    # -- clock, data -----------------------------------------------------------------------

    def freeze_clock(self, at: str | int | None = None) -> dict[str, Any]:
        """Stop the store's clock now, or at ``at`` (UNIX seconds or ``2024-05-01 10:00:00``)."""
        change: dict[str, Any] = {"frozenAt": at} if at is not None else {"freeze": True}
        state: dict[str, Any] = self.control.call("POST", f"/stores/{self.id}/clock", change)
        return state

    def advance_clock(self, seconds: int) -> dict[str, Any]:
        state: dict[str, Any] = self.control.call(
            "POST", f"/stores/{self.id}/clock", {"advance": seconds}
        )
        return state

    def reset(self) -> None:
        """Empty the store and restart its ids; the token stays valid."""
        self.control.call("POST", f"/stores/{self.id}/reset")

    def export(self) -> dict[str, Any]:
        exported: dict[str, Any] = self.control.call("GET", f"/stores/{self.id}/export")
        return exported

    def set_order_history(
        self,
        customer_id: int,
        stats: dict[str, Any] | None = None,
        purchased_product_ids: list[int] | None = None,
    ) -> dict[str, Any]:
        """Give a customer the orders search filters and sorts see (the order-history
        stand-in): Ecwid's ``stats`` (``numberOfOrders``, ``salesValue``, optionally
        ``averageOrderValue``, ``firstOrderDate``, ``lastOrderDate``) and the products bought.
        Replaces what the customer had; returns what it has now."""
        body: dict[str, Any] = {}
        if stats is not None:
            body["stats"] = stats
        if purchased_product_ids is not None:
            body["purchasedProductIds"] = purchased_product_ids
        path = f"/stores/{self.id}/customers/{customer_id}/order-history"
        history: dict[str, Any] = self.control.call("PUT", path, body)
        return history

    def order_history(self, customer_id: int) -> dict[str, Any]:
        path = f"/stores/{self.id}/customers/{customer_id}/order-history"
        history: dict[str, Any] = self.control.call("GET", path)
        return history

    # -- webhooks ----------------------------------------------------------------------------

    def deliveries(self) -> list[dict[str, Any]]:
        """The store's webhook deliveries, newest first, each with its attempts."""
        found = self.control.call("GET", f"/stores/{self.id}/webhooks")
        items: list[dict[str, Any]] = found["items"]
        return items

    def fire(
        self,
        event_type: str,
        entity_id: int,
        data: dict[str, str] | None = None,
        signature: str = "valid",
    ) -> int:
        """Send an event by hand, signed right, with a wrong key (``"invalid"``) or not at
        all (``"missing"``); how many apps it was queued for."""
        body = {"eventType": event_type, "entityId": entity_id, "signature": signature}
        if data is not None:
            body["data"] = data
        queued: int = self.control.call("POST", f"/stores/{self.id}/webhooks/fire", body)["queued"]
        return queued

    def pause_webhooks(self) -> None:
        self.control.call("POST", f"/stores/{self.id}/webhooks/pause")

    def resume_webhooks(self) -> None:
        self.control.call("POST", f"/stores/{self.id}/webhooks/resume")

    def redeliver(self, delivery_id: int) -> None:
        self.control.call("POST", f"/stores/{self.id}/webhooks/{delivery_id}/redeliver")

    def load(self, fixture: dict[str, Any]) -> None:
        """Replace the store's content with a fixture (the format ``export`` returns)."""
        fixture = {"format": "ecwid-customers/store-fixture@1", **fixture}
        self.control.call("POST", f"/stores/{self.id}/import", fixture)


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def _start(database: Path, log: Path) -> EcwidServer:
    admin_token = new_admin_token()
    with log.open("wb") as out:
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            [sys.executable, "-m", "ecwid_customers", "serve", "--database",
             f"sqlite:///{database}", "--port", "0", "--log-level", "warning",
             "--webhook-retry-scale", str(WEBHOOK_RETRY_SCALE)],
            stdout=out,
            stderr=subprocess.STDOUT,
            # Through the environment, not argv: other users of the machine can read argv.
            env={**os.environ, "PYTHONUNBUFFERED": "1",
                 "ECWID_CUSTOMERS_ADMIN_TOKEN": admin_token},
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
        body = {_camel(name): value for name, value in settings.items()}
        if "fixture" in body:
            body["fixture"] = {"format": "ecwid-customers/store-fixture@1", **body["fixture"]}
        created = control.call("POST", "/stores", body)
        made.append(created["storeId"])
        return EcwidStore(created["storeId"], created["token"], created["apiUrl"], control)

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
