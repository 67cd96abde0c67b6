"""The ASGI application: route, authorise, call the view, render errors.

A small hand-written layer rather than a web framework: Ecwid fixes the URL space, so a route
table (which doubles as the scope table) is all the routing needed, and measured here a
framework's request machinery cost a quarter of the create throughput. The checks run in
Ecwid's order (spec 2.4): store, token, route and method, scope, then the body (content type,
JSON, validation).

This is the bare API, as ``serve --no-control`` runs it. The test kit (``control/``) is a layer
above it that takes part in calls through :class:`~ecwid_customers.http.hooks.CallHooks`.
"""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Protocol

from ecwid_customers import errors, metrics
from ecwid_customers.config import Settings
from ecwid_customers.domain import geo, passwords
from ecwid_customers.domain.clock import Clock, SystemClock
from ecwid_customers.domain.ids import parse_store_id
from ecwid_customers.domain.models import Store, TokenGrant
from ecwid_customers.domain.ratelimit import RateLimiter
from ecwid_customers.domain.tokens import hash_token
from ecwid_customers.http import encoding, health, routes
from ecwid_customers.http.asgi import Receive, Scope, Send
from ecwid_customers.http.batches import BatchBook
from ecwid_customers.http.hooks import CallHooks, NoAnswer
from ecwid_customers.http.meta import meta_response
from ecwid_customers.http.request import ClientDisconnected, Request, header, presented_token
from ecwid_customers.http.responses import Response, error_response, send_response
from ecwid_customers.http.storage_errors import ecwid_error
from ecwid_customers.storage.base import Storage
from ecwid_customers.storage.errors import StorageError

logger = logging.getLogger("ecwid_customers.http")

API_PREFIX = "/api/v3/"
# Where the test kit's control plane answers when it is on; the bare app says it is off.
CONTROL_PREFIX = "/_control"
MAX_KEPT_HASHES = 4096
# The scope key under which a request's matched route (its path in the route table) is left
# for whoever wraps the app (the metrics count requests by route pattern, never by raw path).
ROUTE_KEY = "ecwid_customers.route"


def is_control_path(path: str) -> bool:
    return path == CONTROL_PREFIX or path.startswith(CONTROL_PREFIX + "/")


async def respond(
    scope: Scope, send: Send, handle: Callable[[], Awaitable[Response]]
) -> Response | None:
    """Send what ``handle`` answers, or the Ecwid error it raised; the response sent
    (``None`` when the client went away before there was anyone to answer)."""
    try:
        response = await handle()
    except errors.EcwidError as error:
        response = error_response(error)
    except StorageError as error:
        response = error_response(ecwid_error(error))
    except ClientDisconnected:
        return None
    except NoAnswer:
        raise  # for the layer whose hook asked for it: no answer at all
    except Exception:
        # Logged here with its traceback; the client sees Ecwid's plain 500 and no details.
        logger.exception("unhandled error in %s %s", scope["method"], scope["path"])
        response = error_response(errors.internal_error())
    gzip_ok = encoding.accepts_gzip(header(scope, b"accept-encoding"))
    await send_response(send, response, gzip_ok=gzip_ok)
    return response


class Service(Protocol):
    """Background work that lives as long as the app (the webhook dispatcher)."""

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


# The ISO tables, the metrics library and argon2 take a fifth of a second to load: a second after
# start, on a thread, so the server answers its first requests without waiting for them and
# later requests find them loaded (one needing them sooner loads them itself).
WARM_UP_AFTER = 1.0
# Whether the warm-up may freeze the heap (below): only in a process that is the server's
# own (server.py sets it), never in one that embeds the app, such as a test run.
FREEZE_HEAP = False


def _warm_up() -> None:
    geo.warm_up()
    metrics.warm_up()
    passwords.warm_up()
    if FREEZE_HEAP:
        # What start-up and the warm-up loaded lives as long as the process: kept out of
        # the collector's full passes, which otherwise walk all of it (20-30 ms a pass,
        # measured here, in the middle of requests). Collected first: no garbage is kept.
        gc.collect()
        gc.freeze()


class EcwidApp:
    """``EcwidApp(storage)`` is an ASGI app. Its lifespan opens and closes ``storage``, and
    starts and stops ``services`` while storage is open."""

    def __init__(
        self,
        storage: Storage,
        settings: Settings | None = None,
        clock: Clock | None = None,
        services: Sequence[Service] = (),
    ) -> None:
        self.storage = storage
        self.services = tuple(services)
        self.settings = settings or Settings()
        self.clock = clock or SystemClock()
        self.rate_limiter = RateLimiter()
        # SHA-256 of the tokens seen: a few distinct values serve nearly every request.
        self._hashes: dict[str, bytes] = {}
        # Batches run their requests through this app; a layer above it (the test kit) sets
        # itself as the batches' app, so each request takes part in it as a direct call would.
        self.batches = BatchBook(self)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> Any:
        # Typed Any so the app fits servers' and clients' ASGI signatures alike.
        if scope["type"] == "http":
            await self.answer(scope, receive, send, None)
        elif scope["type"] == "lifespan":
            await self.lifespan(receive, send)
        return None

    async def lifespan(self, receive: Receive, send: Send) -> None:
        warm_up: asyncio.TimerHandle | None = None
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                try:
                    await self.storage.open()
                    loop = asyncio.get_running_loop()
                    warm_up = loop.call_later(WARM_UP_AFTER, loop.run_in_executor, None, _warm_up)
                    for service in self.services:
                        await service.start()
                except StorageError as error:  # the database's state, not a bug: one line
                    logger.error("could not start: %s", error)
                    await send({"type": "lifespan.startup.failed", "message": str(error)})
                    return
                except Exception as error:
                    logger.exception("could not start")
                    await send({"type": "lifespan.startup.failed", "message": str(error)})
                    return
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                if warm_up is not None:
                    warm_up.cancel()
                await self.batches.stop()  # their requests need storage and the services
                for service in reversed(self.services):
                    await service.stop()
                await self.storage.close()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def answer(
        self, scope: Scope, receive: Receive, send: Send, hooks: CallHooks | None
    ) -> Response | None:
        """Answer one HTTP request, with ``hooks`` taking part (see ``hooks.py``); the
        response sent. :class:`NoAnswer` from a hook comes through unanswered."""
        return await respond(scope, send, lambda: self._handle(scope, receive, hooks))

    async def _handle(self, scope: Scope, receive: Receive, hooks: CallHooks | None) -> Response:
        path: str = scope["path"]
        if not path.startswith(API_PREFIX) or "\x00" in path:
            if is_control_path(path):
                raise errors.control_disabled(self.settings.control_off_reason)
            if path in health.PATHS:
                return await health.health_response(path, scope["method"], self.storage)
            meta = await meta_response(path, scope["method"])
            if meta is None:
                raise errors.resource_not_found()
            return meta
        store_text, _, rest = path[len(API_PREFIX) :].rstrip("/").partition("/")
        store_id = parse_store_id(store_text)
        if store_id is None:
            raise errors.store_not_found()
        token = self._token(scope)
        token_hash = self._hash(token) if token else None
        access = await self.storage.access(store_id, token_hash)
        if access.store is None:
            raise errors.store_not_found()
        clock = self.clock if hooks is None else hooks.store_found(store_id)
        if access.grant is None:
            raise errors.invalid_api_token()
        if access.store.suspended:
            raise errors.store_is_suspended()
        self._check_rate(access.store, token_hash)
        # Routes only after authentication: a caller without a token learns nothing of them.
        method: str = scope["method"]
        found = routes.ROUTER.resolve(method, rest.split("/"))
        if found is False:
            raise errors.resource_not_found()
        if found is True:
            raise errors.method_not_allowed(method)
        route = found.route
        scope[ROUTE_KEY] = route.path
        required = route.scopes
        if self.settings.update_scope_only and route.legacy_scopes is not None:
            required = route.legacy_scopes
        _authorise(access.grant, route, required)
        if hooks is not None:
            await hooks.before_view(store_id, route.path, method)
        request = Request(
            scope=scope,
            receive=receive,
            method=method,
            store_id=store_id,
            params=found.params,
            grant=access.grant,
            storage=self.storage,
            settings=self.settings,
            clock=clock,
            batches=self.batches,
        )
        return await route.view(request)

    def _hash(self, token: str) -> bytes:
        found = self._hashes.get(token)
        if found is None:
            if len(self._hashes) >= MAX_KEPT_HASHES:
                self._hashes.clear()  # a flood of made-up tokens costs a hash each, as before
            found = self._hashes[token] = hash_token(token)
        return found

    def _check_rate(self, store: Store, token_hash: bytes | None) -> None:
        """Spec 2.4 step 4: after the store and token, before scopes."""
        limit = store.rate_limit if store.rate_limit is not None else self.settings.rate_limit
        if limit and token_hash:
            wait = self.rate_limiter.retry_after(token_hash, limit)
            if wait is not None:
                raise errors.rate_limited(wait)

    def _token(self, scope: Scope) -> str | None:
        return presented_token(scope, self.settings.allow_query_token)


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
