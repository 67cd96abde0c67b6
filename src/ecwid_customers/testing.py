"""The test kit outside pytest: a server in a thread of your own process, and a client of its
control plane, for ``unittest``, scripts and notebooks.

``ThreadedServer`` is a context manager (like moto's ``ThreadedMotoServer``): it serves the
real app under uvicorn, on a free loopback port by default, in a thread with its own event
loop, until ``stop()``. ``new_store()`` makes a throwaway store through the control plane.

``ControlClient`` and ``EcwidStore`` are what the pytest plugin's fixtures hand out; they use
only the standard library.
"""

from __future__ import annotations

import json
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

from ecwid_customers.config import Settings

FIXTURE_FORMAT = "ecwid-customers/store-fixture@1"

# The server is on loopback: never send its admin token through an http_proxy from the
# environment.
_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class ControlError(Exception):
    """The control plane refused a request; ``status``, ``code`` and ``message`` are its
    Ecwid-shaped answer (``errorCode``, ``errorMessage``)."""

    def __init__(self, method: str, path: str, status: int, body: bytes) -> None:
        self.status = status
        self.code, self.message = _ecwid_error(body)
        super().__init__(f"{method} /_control{path}: {status} {self.code}: {self.message}")


def _ecwid_error(body: bytes) -> tuple[str, str]:
    try:
        decoded = json.loads(body)
    except ValueError:
        decoded = None
    if isinstance(decoded, dict) and "errorCode" in decoded:
        return str(decoded["errorCode"]), str(decoded.get("errorMessage", ""))
    return "", body.decode(errors="replace").strip()[:200] or "(no body)"


@dataclass(frozen=True)
class ControlClient:
    """A minimal client of the control plane (``/_control/...``)."""

    base_url: str
    admin_token: str = field(repr=False)

    def call(self, method: str, path: str, body: Any = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(  # noqa: S310 - the test server's http URL
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
            raise ControlError(method, path, error.code, error.read()) from None

    def new_store(self, **settings: Any) -> EcwidStore:
        """A new store; settings as ``POST /_control/stores`` takes them, in Python or JSON
        spelling (``languages=["en", "fr"]``, ``legacy_sign_in=True``, ``fixture={...}``)."""
        body = {_camel(name): value for name, value in settings.items()}
        if "fixture" in body:
            body["fixture"] = {"format": FIXTURE_FORMAT, **body["fixture"]}
        created = self.call("POST", "/stores", body)
        return EcwidStore(created["storeId"], created["token"], created["apiUrl"], self)


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


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

    def load(self, fixture: dict[str, Any]) -> None:
        """Replace the store's content with a fixture (the format ``export`` returns)."""
        fixture = {"format": FIXTURE_FORMAT, **fixture}
        self.control.call("POST", f"/stores/{self.id}/import", fixture)

    def delete(self) -> None:
        self.control.call("DELETE", f"/stores/{self.id}")

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


_START_TIMEOUT = 30.0


class ThreadedServer:
    """The server in a thread of this process, with its control plane on::

        with ThreadedServer() as server:
            store = server.new_store()
            httpx.post(f"{store.api_url}/customers", headers=store.headers, json={...})

    ``database``: a database URL (default: a SQLite file in a temporary folder, removed on
    ``stop()``); ``port`` 0 (the default) takes a free one; ``settings`` are the server's wire
    settings (``ecwid_customers.config.Settings``; its admin token, if any, is used).
    ``start()`` returns once the server answers; ``url``, ``port``, ``admin_token`` and
    ``control`` are then set."""

    def __init__(
        self,
        database: str | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        settings: Settings | None = None,
    ) -> None:
        self.database = database
        self.host = host
        self.port = port
        self._settings = settings
        self._folder: tempfile.TemporaryDirectory[str] | None = None
        self._thread: threading.Thread | None = None
        self._server: Any = None
        self._failure: BaseException | None = None
        self.admin_token = ""
        self.url = ""

    @property
    def control(self) -> ControlClient:
        return ControlClient(self.url, self.admin_token)

    def new_store(self, **settings: Any) -> EcwidStore:
        """A new store and a token with every customer scope (``ControlClient.new_store``)."""
        return self.control.new_store(**settings)

    def start(self) -> ThreadedServer:
        import resource

        import uvicorn

        from ecwid_customers.application import serving_app
        from ecwid_customers.config import plan_serving
        from ecwid_customers.http.protocol import GuardedHttpToolsProtocol
        from ecwid_customers.server import FD_RESERVE, listen
        from ecwid_customers.storage import open_storage

        if self._thread is not None:
            raise RuntimeError("the server is already started")
        if self.database is None:
            self._folder = tempfile.TemporaryDirectory(prefix="ecwid-customers-")
            self.database = f"sqlite:///{Path(self._folder.name) / 'customers.db'}"
        plan = plan_serving(self.database, self._settings or Settings(), workers=1, control=True)
        settings = plan.settings
        assert settings.admin_token is not None  # one process: the control plane is on
        # The guards of this server alone, and no change to the process's open-file limit:
        # the host process may run other servers, and its limits are its own.
        files = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
        protocol = GuardedHttpToolsProtocol.configured(
            head_timeout=settings.head_timeout,
            body_timeout=settings.body_timeout,
            write_timeout=settings.write_timeout,
            max_connections=settings.max_connections or max(1, files - FD_RESERVE),
        )
        config = uvicorn.Config(
            serving_app(open_storage(self.database), settings),
            lifespan="on",
            loop="asyncio",  # a loop of the thread's own, whatever policy the process has
            http=protocol,
            ws="none",
            log_config=None,  # leave the host process's logging alone
            log_level="warning",
            server_header=False,
        )
        sock = listen(self.host, self.port, config.backlog)
        self.port = sock.getsockname()[1]
        server = uvicorn.Server(config)

        def serve() -> None:
            try:
                server.run(sockets=[sock])
            except BaseException as error:  # reported by start(), not lost in the thread
                self._failure = error
            finally:
                sock.close()

        self._server = server
        self._thread = threading.Thread(target=serve, name="ecwid-customers", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + _START_TIMEOUT
        while not server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"ecwid-customers did not start: {self._failure!r}")
            time.sleep(0.01)
        reachable = f"[{self.host}]" if ":" in self.host else self.host
        self.url = f"http://{reachable}:{self.port}"
        self.admin_token = settings.admin_token
        return self

    def stop(self) -> None:
        """Stop serving (connections are finished, the database closed); safe to repeat."""
        if self._thread is not None:
            self._server.should_exit = True
            self._thread.join(timeout=_START_TIMEOUT)
            self._thread = None
        if self._folder is not None:
            self._folder.cleanup()
            self._folder = None
            self.database = None

    def __enter__(self) -> ThreadedServer:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
