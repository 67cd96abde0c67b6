"""A real webhook receiver for the tests: an HTTP server on a free loopback port.

It records every request and answers as told (a status per request, a delay, never). It
checks signatures with its own few lines of HMAC, not the server's code, so a wrong signature
on our side cannot be "verified" by the same mistake.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass(frozen=True)
class Received:
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]  # names lower-cased
    body: bytes
    at: float

    @property
    def json(self) -> Any:
        return json.loads(self.body)

    def signed_with(self, secret: str) -> bool:
        """Whether ``X-Ecwid-Webhook-Signature`` is Base64(HMAC-SHA256(secret, created.id))."""
        sent = self.headers.get("x-ecwid-webhook-signature")
        if sent is None:
            return False
        body = self.json
        message = f"{body['eventCreated']}.{body['eventId']}".encode()
        wanted = base64.b64encode(hmac.new(secret.encode(), message, hashlib.sha256).digest())
        return hmac.compare_digest(sent.encode(), wanted)


@dataclass
class Receiver:
    secret: str = "client-secret-for-tests"
    # The status of each answer in turn (the last one repeats); a callable decides by request.
    statuses: list[int] = field(default_factory=lambda: [200])
    delay: float = 0.0  # seconds before answering
    location: str | None = None  # sent with 3xx answers
    received: list[Received] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _server: ThreadingHTTPServer | None = None
    decide: Callable[[Received], int] | None = None

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}/ecwid/hooks?app=tests"

    def start(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length", "0"))
                parts = urlsplit(self.path)
                got = Received(
                    path=parts.path,
                    query=parse_qs(parts.query),
                    headers={k.lower(): v for k, v in self.headers.items()},
                    body=self.rfile.read(length),
                    at=time.time(),
                )
                status = receiver._record(got)
                if receiver.delay:
                    time.sleep(receiver.delay)
                self.send_response(status)
                if receiver.location and 300 <= status < 400:
                    self.send_header("Location", receiver.location)
                answer = b'{"ok": true}' if status not in (204, 304) else b""  # no body there
                self.send_header("Content-Length", str(len(answer)))
                try:
                    self.end_headers()
                    self.wfile.write(answer)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the sender gave up first (a delay past its timeout): expected

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def _record(self, got: Received) -> int:
        with self._lock:
            self.received.append(got)
            if self.decide is not None:
                return self.decide(got)
            index = min(len(self.received) - 1, len(self.statuses) - 1)
            return self.statuses[index]

    def close(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def bodies(self) -> list[Any]:
        with self._lock:
            return [got.json for got in self.received]

    def wait_for(
        self, count: int, *, timeout: float = 15.0, where: Callable[[Any], bool] | None = None
    ) -> list[Received]:
        """At least ``count`` requests (whose body passes ``where``), or AssertionError."""
        deadline = time.monotonic() + timeout
        while True:
            found = self.matching(where)
            if len(found) >= count or time.monotonic() > deadline:
                break
            time.sleep(0.01)
        assert len(found) >= count, f"{len(found)} of {count} webhooks after {timeout} s"
        return found

    def matching(self, where: Callable[[Any], bool] | None = None) -> list[Received]:
        """The requests so far whose body passes ``where`` (all of them without one)."""
        with self._lock:
            return [r for r in self.received if where is None or where(r.json)]


async def arrived(
    receiver: Receiver,
    count: int,
    *,
    within: float = 15.0,
    where: Callable[[Any], bool] | None = None,
) -> list[Received]:
    """:meth:`Receiver.wait_for` without blocking the event loop (the dispatcher may be
    running on it)."""
    deadline = time.monotonic() + within
    while True:
        found = receiver.matching(where)
        if len(found) >= count or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.01)
    assert len(found) >= count, f"{len(found)} of {count} webhooks after {within} s"
    return found


def running(receiver: Receiver) -> Iterator[Receiver]:
    """For fixtures: the receiver started, then closed."""
    receiver.start()
    try:
        yield receiver
    finally:
        receiver.close()
