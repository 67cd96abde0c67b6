"""CORS for browser apps that call the API directly (``serve --cors-origin``; off by default).

:class:`Cors` wraps the app. For a path under ``/api/v3/`` it answers a browser's preflight
(``OPTIONS`` with ``Origin`` and ``Access-Control-Request-Method``) from an allowed origin
itself, with 204 and no token needed: a browser never sends credentials on a preflight. Every
other request goes to the app, and an answer to an allowed origin gains
``Access-Control-Allow-Origin``, so the page can read it, errors included.

Tokens travel in ``Authorization``, never in cookies, so credentials are not allowed
(``Access-Control-Allow-Credentials`` is never sent). A preflight from an origin not allowed
goes to the app like any call, which answers it as Ecwid would (403 without a token), and the
browser then refuses the real request.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ecwid_customers.http.app import API_PREFIX
from ecwid_customers.http.asgi import Message, Receive, Scope, Send
from ecwid_customers.http.request import header

ANY_ORIGIN = "*"
ALLOWED_METHODS = b"GET, POST, PUT, DELETE"
ALLOWED_HEADERS = b"Authorization, Content-Type"
# Seconds a browser may keep a preflight's answer (Chromium keeps at most two hours).
MAX_AGE = b"7200"
# Read by a page that backs off when rate limited (429); other headers it reads are safelisted.
EXPOSED_HEADERS = b"Retry-After"
_VARY_ORIGIN = (b"vary", b"Origin")


class Cors:
    def __init__(self, app: Any, origins: Iterable[str]) -> None:
        self.app = app
        self.origins = frozenset(origin.lower() for origin in origins)
        self.any_origin = ANY_ORIGIN in self.origins

    def allowed(self, origin: str) -> bytes | None:
        """What ``Access-Control-Allow-Origin`` says to ``origin``; ``None``: not allowed."""
        if self.any_origin:
            return b"*"
        if origin.lower() in self.origins:
            return origin.encode("latin-1")
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> Any:
        if scope["type"] != "http" or not scope["path"].startswith(API_PREFIX):
            return await self.app(scope, receive, send)
        origin = header(scope, b"origin")
        allow = self.allowed(origin) if origin is not None else None
        if allow is None:
            if self.any_origin:
                return await self.app(scope, receive, send)

            # The answer depends on Origin: a shared cache must not give it to another one.
            async def varying_send(message: Message) -> None:
                if message["type"] == "http.response.start":
                    message["headers"] = [*message["headers"], _VARY_ORIGIN]
                await send(message)

            return await self.app(scope, receive, varying_send)
        if scope["method"] == "OPTIONS" and header(scope, b"access-control-request-method"):
            await self._preflight(send, allow)
            return None
        extra = self._answer_headers(allow)

        async def allowing_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message["headers"], *extra]
            await send(message)

        return await self.app(scope, receive, allowing_send)

    def _answer_headers(self, allow: bytes) -> list[tuple[bytes, bytes]]:
        headers = [
            (b"access-control-allow-origin", allow),
            (b"access-control-expose-headers", EXPOSED_HEADERS),
        ]
        if not self.any_origin:
            headers.append(_VARY_ORIGIN)
        return headers

    async def _preflight(self, send: Send, allow: bytes) -> None:
        headers = [
            (b"access-control-allow-origin", allow),
            (b"access-control-allow-methods", ALLOWED_METHODS),
            (b"access-control-allow-headers", ALLOWED_HEADERS),
            (b"access-control-max-age", MAX_AGE),
            (b"content-length", b"0"),
        ]
        if not self.any_origin:
            headers.append(_VARY_ORIGIN)
        await send({"type": "http.response.start", "status": 204, "headers": headers})
        await send({"type": "http.response.body", "body": b""})
