"""The ASGI application: route, authorise, call the view, render errors.

A small hand-written layer rather than a web framework: Ecwid fixes the URL space, so a route
table (which doubles as the scope table) is all the routing needed, and measured here a
framework's request machinery costs a quarter of the create throughput
(``../shared/research/perf-anchors.md``). The checks run in Ecwid's order (spec 2.4): store,
token, route and method, scope, then the body (content type, JSON, validation).
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from ecwid_customers import errors
from ecwid_customers.config import Settings
from ecwid_customers.control import api as control
from ecwid_customers.control.faults import NOTHING
from ecwid_customers.control.journal import JournalEntry
from ecwid_customers.control.kit import TestKit
from ecwid_customers.domain import geo
from ecwid_customers.domain.clock import Clock, SystemClock, format_ecwid_time
from ecwid_customers.domain.models import Store, TokenGrant
from ecwid_customers.domain.ratelimit import RateLimiter
from ecwid_customers.domain.tokens import hash_token, redact_query
from ecwid_customers.http import routes
from ecwid_customers.http.asgi import Message, Receive, Scope, Send
from ecwid_customers.http.meta import meta_response
from ecwid_customers.http.request import ClientDisconnected, Request, header
from ecwid_customers.http.responses import Response, error_response, send_response
from ecwid_customers.storage.base import Storage

logger = logging.getLogger("ecwid_customers.http")

API_PREFIX = "/api/v3/"
MAX_STORE_ID = 2**63 - 1
# Returned instead of a response when a fault rule drops the connection: uvicorn then closes
# it without answering (server.py keeps its complaint about the return value out of the log).
DROPPED = "ecwid-customers: connection dropped by a fault rule"


class DropConnection(Exception):
    def __init__(self, fault_id: int | None) -> None:
        super().__init__(f"fault {fault_id}")
        self.fault_id = fault_id


@dataclass(slots=True)
class Exchange:
    """What the journal needs to know of one call, filled in as the call is handled."""

    store_id: int | None = None  # set once the store is known to exist
    arrived: int = 0  # the store's clock when the store was known
    fault_id: int | None = None
    request_bytes: int = 0
    error_code: str | None = None  # of the error the call was answered with


def _store_id(text: str) -> int | None:
    # The length check comes first: int() refuses strings of thousands of digits.
    digits = text.lstrip("0") or "0"
    if not text.isascii() or not text.isdigit() or len(digits) > 19:
        return None
    value = int(digits)
    return value if value <= MAX_STORE_ID else None


class EcwidApp:
    """``EcwidApp(storage)`` is an ASGI app. Its lifespan opens and closes ``storage``."""

    def __init__(
        self, storage: Storage, settings: Settings | None = None, clock: Clock | None = None
    ) -> None:
        self.storage = storage
        self.settings = settings or Settings()
        self.clock = clock or SystemClock()
        self.rate_limiter = RateLimiter()
        # The test kit lives only where the control plane is on (never in production mode).
        self.kit: TestKit | None = None
        self.control: control.ControlPlane | None = None
        if self.settings.admin_token:
            self.kit = TestKit.create(self.clock, self.settings.journal_size)
            self.control = control.ControlPlane(
                storage, self.kit, self.settings.admin_token, self.clock
            )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> Any:
        # None, as ASGI wants; DROPPED only when a fault rule drops the connection. Typed Any
        # so the app still fits servers' and clients' ASGI signatures, which expect None.
        if scope["type"] == "http":
            if self.kit is None:
                await self._http(scope, receive, send, None)
            else:
                return await self._journaled(scope, receive, send, self.kit)
        elif scope["type"] == "lifespan":
            await self._lifespan(receive, send)
        return None

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                try:
                    await self.storage.open()
                    geo.warm_up()
                except Exception as error:
                    logger.exception("could not start")
                    await send({"type": "lifespan.startup.failed", "message": str(error)})
                    return
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self.storage.close()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _http(
        self, scope: Scope, receive: Receive, send: Send, exchange: Exchange | None
    ) -> Response | None:
        """Answer one request; the response sent (``None`` when there was nobody to answer)."""
        try:
            response = await self._handle(scope, receive, exchange)
        except errors.EcwidError as error:
            response = self._error(error, exchange)
        except ClientDisconnected:
            return None
        except DropConnection:
            raise  # for _journaled: no answer at all
        except Exception:
            # Logged here with its traceback; the client sees Ecwid's plain 500 and no details.
            logger.exception("unhandled error in %s %s", scope["method"], scope["path"])
            response = self._error(errors.internal_error(), exchange)
        await send_response(send, response)
        return response

    @staticmethod
    def _error(error: errors.EcwidError, exchange: Exchange | None) -> Response:
        if exchange is not None:
            exchange.error_code = error.code  # for the journal
        return error_response(error)

    async def _journaled(
        self, scope: Scope, receive: Receive, send: Send, kit: TestKit
    ) -> str | None:
        """``_http`` with the test kit: faults may drop the call, the journal records it."""
        exchange = Exchange()
        started = time.perf_counter()

        async def counting_receive() -> Message:
            message = await receive()
            exchange.request_bytes += len(message.get("body", b""))
            return message

        dropped = False
        try:
            response = await self._http(scope, counting_receive, send, exchange)
        except DropConnection as drop:
            logger.info("fault %s dropped %s %s", drop.fault_id, scope["method"], scope["path"])
            dropped, response = True, None
        store_id = exchange.store_id
        if store_id is not None:
            status = response.status if response is not None else 0
            kit.journal.record(
                store_id,
                JournalEntry(
                    seq=kit.journal.next_seq(),
                    at=format_ecwid_time(exchange.arrived),
                    method=scope["method"],
                    path=scope["path"],
                    query=redact_query(scope["query_string"].decode("latin-1")),
                    status=status,
                    duration_ms=round((time.perf_counter() - started) * 1000, 3),
                    request_bytes=exchange.request_bytes or _declared_length(scope),
                    response_bytes=len(response.body) if response is not None else 0,
                    error_code=exchange.error_code,
                    fault_id=exchange.fault_id,
                ),
            )
        return DROPPED if dropped else None

    async def _handle(self, scope: Scope, receive: Receive, exchange: Exchange | None) -> Response:
        path: str = scope["path"]
        if not path.startswith(API_PREFIX) or "\x00" in path:
            if path == control.PREFIX or path.startswith(control.PREFIX + "/"):
                if self.control is None:
                    raise errors.control_disabled()
                return await self.control.handle(scope, receive)
            meta = await meta_response(path, scope["method"])
            if meta is None:
                raise errors.resource_not_found()
            return meta
        store_text, _, rest = path[len(API_PREFIX) :].rstrip("/").partition("/")
        store_id = _store_id(store_text)
        if store_id is None:
            raise errors.store_not_found()
        token = self._token(scope)
        access = await self.storage.access(store_id, hash_token(token) if token else None)
        if access.store is None:
            raise errors.store_not_found()
        if exchange is not None and self.kit is not None:
            exchange.store_id = store_id
            exchange.arrived = self.kit.clocks.of(store_id).now()
        if access.grant is None:
            raise errors.invalid_api_token()
        if access.store.suspended:
            raise errors.store_is_suspended()
        self._check_rate(access.store, token)
        # Routes only after authentication: a caller without a token learns nothing of them.
        candidates = routes.match(rest.split("/"))
        if not candidates:
            raise errors.resource_not_found()
        method: str = scope["method"]
        chosen = next(((r, p) for r, p in candidates if r.method == method), None)
        if chosen is None:
            raise errors.method_not_allowed(method)
        route, params = chosen
        required = route.scopes
        if self.settings.update_scope_only and route.legacy_scopes is not None:
            required = route.legacy_scopes
        _authorise(access.grant, route, required)
        clock = self.clock
        if self.kit is not None and exchange is not None:
            clock = self.kit.clocks.of(store_id)
            await self._faults(self.kit, exchange, store_id, route.path, method)

        request = Request(
            scope=scope,
            receive=receive,
            method=method,
            store_id=store_id,
            params=params,
            grant=access.grant,
            storage=self.storage,
            settings=self.settings,
            clock=clock,
        )
        return await route.view(request)

    @staticmethod
    async def _faults(
        kit: TestKit, exchange: Exchange, store_id: int, route: str, method: str
    ) -> None:
        """Apply the fault rules that fire on this call, once it would reach its view."""
        outcome = kit.faults.outcome(store_id, route, method)
        if outcome is NOTHING:
            return
        exchange.fault_id = outcome.fault_id
        if outcome.latency:
            await asyncio.sleep(outcome.latency)
        if outcome.drop:
            raise DropConnection(outcome.fault_id)
        if outcome.error is not None:
            raise outcome.error

    def _check_rate(self, store: Store, token: str | None) -> None:
        """Spec 2.4 step 4: after the store and token, before scopes."""
        limit = store.rate_limit if store.rate_limit is not None else self.settings.rate_limit
        if limit and token:
            wait = self.rate_limiter.retry_after(hash_token(token), limit)
            if wait is not None:
                raise errors.rate_limited(wait)

    def _token(self, scope: Scope) -> str | None:
        authorization = header(scope, b"authorization")
        if authorization is not None:
            scheme, _, token = authorization.strip().partition(" ")
            if scheme.lower() != "bearer":
                return None
            return token.strip() or None
        if self.settings.allow_query_token:
            values = parse_qs(scope["query_string"].decode("latin-1")).get("token")
            return values[0] if values else None
        return None


def _authorise(grant: TokenGrant, route: routes.Route, required: tuple[str, ...]) -> None:
    """Plan first (402), then scopes (403), as in spec 2.4."""
    if route.customer_groups and not grant.store.customer_groups_enabled:
        raise errors.not_available_on_current_plan()
    # Public tokens are for storefront data only: never customers (spec 2.2).
    usable = frozenset() if grant.kind == "public" else grant.scopes
    for scope_name in required:
        if scope_name not in usable:
            raise errors.insufficient_scope(scope_name)
    if route.any_of and usable.isdisjoint(route.any_of):
        raise errors.insufficient_scope(route.any_of[0])


def _declared_length(scope: Scope) -> int:
    """The body size a client announced: what it sent, when the call was answered before its
    body was read (a refused token, a fault)."""
    declared = header(scope, b"content-length")
    return int(declared) if declared is not None and declared.isdigit() else 0
