"""A webhook receiver for an Ecwid app's tests: a real HTTP endpoint on a free loopback port
that checks each webhook's signature the way an app must, and lets a test wait for events.

Standard library only, like the pytest plugin that serves it as the ``ecwid_webhooks``
fixture. It answers 200 to every POST (``status`` changes that, to make the server retry).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

SIGNATURE_HEADER = "X-Ecwid-Webhook-Signature"
MAX_BODY = 1024 * 1024


@dataclass(frozen=True)
class Webhook:
    """One POST the receiver got."""

    body: dict[str, Any]
    event_type_param: str | None  # ?eventtype= as sent
    signature: str | None
    verified: bool  # the signature matched the client secret
    received_at: float

    @property
    def event_type(self) -> str:
        return str(self.body.get("eventType"))

    @property
    def entity_id(self) -> Any:
        return self.body.get("entityId")


def signature_of(client_secret: str, event_created: Any, event_id: Any) -> str:
    """What Ecwid sends in ``X-Ecwid-Webhook-Signature``: Base64(HMAC-SHA256(client secret,
    "<eventCreated>.<eventId>"))."""
    message = f"{event_created}.{event_id}".encode()
    return base64.b64encode(
        hmac.new(client_secret.encode(), message, hashlib.sha256).digest()
    ).decode()


@dataclass
class WebhookReceiver:
    client_secret: str = field(default_factory=lambda: "cs_" + secrets.token_urlsafe(24))
    status: int = 200  # what every POST is answered with
    received: list[Webhook] = field(default_factory=list)
    _server: ThreadingHTTPServer | None = field(default=None, repr=False)
    _changed: threading.Condition = field(default_factory=threading.Condition, repr=False)

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the receiver is not running")
        return f"http://127.0.0.1:{self._server.server_address[1]}/webhooks"

    def start(self) -> WebhookReceiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                length = min(int(self.headers.get("Content-Length") or 0), MAX_BODY)
                raw = self.rfile.read(length)
                receiver._take(raw, self.path, self.headers.get(SIGNATURE_HEADER))
                self.send_response(receiver.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def _take(self, raw: bytes, path: str, signature: str | None) -> None:
        try:
            body = json.loads(raw)
        except ValueError:
            body = {}
        if not isinstance(body, dict):
            body = {}
        expected = signature_of(self.client_secret, body.get("eventCreated"), body.get("eventId"))
        verified = signature is not None and hmac.compare_digest(signature, expected)
        event_type = parse_qs(urlsplit(path).query).get("eventtype", [None])[0]
        webhook = Webhook(body, event_type, signature, verified, time.time())
        with self._changed:
            self.received.append(webhook)
            self._changed.notify_all()

    def events(self, event_type: str | None = None, *, verified: bool = True) -> list[Webhook]:
        """The webhooks received so far (only correctly signed ones unless told otherwise)."""
        with self._changed:
            return [
                w
                for w in self.received
                if (event_type is None or w.event_type == event_type)
                and (w.verified or not verified)
            ]

    def wait_for(
        self,
        event_type: str,
        *,
        entity_id: Any = None,
        timeout: float = 10.0,
        verified: bool = True,
    ) -> Webhook:
        """The first (correctly signed) webhook of this type (and entity), waiting for it;
        ``TimeoutError`` naming what did arrive."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                for webhook in self.received:
                    if (
                        webhook.event_type == event_type
                        and (entity_id is None or webhook.entity_id == entity_id)
                        and (webhook.verified or not verified)
                    ):
                        return webhook
                left = deadline - time.monotonic()
                if left <= 0:
                    seen = [(w.event_type, w.entity_id, w.verified) for w in self.received]
                    raise TimeoutError(
                        f"no {event_type} webhook (entity {entity_id}) in {timeout} s; got {seen}"
                    )
                self._changed.wait(left)

    def clear(self) -> None:
        with self._changed:
            self.received.clear()
