"""The ASGI application: route, authorise, call the view, render errors.

A small hand-written layer rather than a web framework: Ecwid fixes the URL space, so a route
table (which doubles as the scope table) is all the routing needed, and measured here a
framework's request machinery costs a quarter of the create throughput
(``../shared/research/perf-anchors.md``). The checks run in Ecwid's order (spec 2.4): store,
token, route and method, scope, then the body (content type, JSON, validation).
"""

from __future__ import annotations

import logging
from urllib.parse import parse_qs

from ecwid_customers import errors
from ecwid_customers.config import Settings
from ecwid_customers.domain import geo
from ecwid_customers.domain.clock import Clock, SystemClock
from ecwid_customers.domain.models import Store, TokenGrant
from ecwid_customers.domain.ratelimit import RateLimiter
from ecwid_customers.domain.tokens import hash_token
from ecwid_customers.http import routes
from ecwid_customers.http.asgi import Receive, Scope, Send
from ecwid_customers.http.meta import meta_response
from ecwid_customers.http.request import ClientDisconnected, Request, header
from ecwid_customers.http.responses import Response, error_response, send_response
from ecwid_customers.storage.base import Storage

logger = logging.getLogger("ecwid_customers.http")

API_PREFIX = "/api/v3/"
MAX_STORE_ID = 2**63 - 1


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

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await self._http(scope, receive, send)
        elif scope["type"] == "lifespan":
            await self._lifespan(receive, send)

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

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            response = await self._handle(scope, receive)
        except errors.EcwidError as error:
            response = error_response(error)
        except ClientDisconnected:
            return
        except Exception:
            # Logged here with its traceback; the client sees Ecwid's plain 500 and no details.
            logger.exception("unhandled error in %s %s", scope["method"], scope["path"])
            response = error_response(errors.internal_error())
        await send_response(send, response)

    async def _handle(self, scope: Scope, receive: Receive) -> Response:
        path: str = scope["path"]
        if not path.startswith(API_PREFIX) or "\x00" in path:
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

        request = Request(
            scope=scope,
            receive=receive,
            method=method,
            store_id=store_id,
            params=params,
            grant=access.grant,
            storage=self.storage,
            settings=self.settings,
            clock=self.clock,
        )
        return await route.view(request)

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
