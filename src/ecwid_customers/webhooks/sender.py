"""One attempt at one delivery: Ecwid's POST, its signature, and what the answer means.

``POST <url>?eventtype=<eventType>`` (the URL's own query kept), the JSON body of
``domain.webhooks.WebhookBody``, ``X-Ecwid-Webhook-Signature``. Connect timeout 3 s, answer
timeout 10 s; redirects are not followed; only a bounded snippet of the answer is read.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit, urlunsplit

import aiohttp
import msgspec

from ecwid_customers.domain.webhooks import (
    CONNECT_TIMEOUT,
    RESPONSE_TIMEOUT,
    SIGNATURE_HEADER,
    WebhookBody,
    acknowledged,
    sign,
)
from ecwid_customers.storage.outbox import AttemptResult, DueDelivery

SNIPPET_BYTES = 512
_encode = msgspec.json.Encoder().encode
USER_AGENT = "ecwid-customers webhooks"


def delivery_url(url: str, event_type: str) -> str:
    """``url`` with ``eventtype=`` added to whatever query it has."""
    parts = urlsplit(url)
    added = urlencode({"eventtype": event_type})
    query = f"{parts.query}&{added}" if parts.query else added
    return urlunsplit(parts._replace(query=query))


def request_parts(delivery: DueDelivery) -> tuple[str, bytes, dict[str, str]]:
    """The URL, body and headers of the POST for ``delivery``."""
    body = WebhookBody(
        event_id=delivery.event_id,
        event_created=delivery.event_created,
        store_id=delivery.store_id,
        entity_id=delivery.entity_id,
        event_type=delivery.event_type,
        data=delivery.data,
    )
    headers = {"Content-Type": "application/json; charset=UTF-8", "User-Agent": USER_AGENT}
    if delivery.signature != "missing":
        # An "invalid" signature is made with a key that is not the client secret.
        key = delivery.client_secret
        if delivery.signature == "invalid":
            key = f"not-{key}"
        headers[SIGNATURE_HEADER] = sign(key, delivery.event_created, delivery.event_id)
    return delivery_url(delivery.url, delivery.event_type), _encode(body), headers


def _why(error: BaseException, connect: float, response: float) -> str:
    if isinstance(error, aiohttp.ConnectionTimeoutError):
        return f"no connection within {connect:g} s"
    if isinstance(error, aiohttp.ClientConnectorError):
        return f"could not connect: {error.os_error}" if error.os_error else "could not connect"
    if isinstance(error, (aiohttp.SocketTimeoutError, TimeoutError)):
        return f"no answer within {response:g} s"
    return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__


@dataclass(frozen=True)
class Sender:
    """An HTTP client with Ecwid's timeouts (3 s to connect, 10 s for the answer), that
    follows no redirect and takes no proxy from the environment (a receiver on localhost must
    not go through one). Made inside the event loop that uses it."""

    session: aiohttp.ClientSession
    connect_timeout: float
    response_timeout: float

    @classmethod
    def open(
        cls,
        max_connections: int,
        *,
        connect_timeout: float = CONNECT_TIMEOUT,
        response_timeout: float = RESPONSE_TIMEOUT,
    ) -> Sender:
        session = aiohttp.ClientSession(
            timeout=aiohttp.ClientTimeout(
                total=None, connect=connect_timeout, sock_read=response_timeout
            ),
            connector=aiohttp.TCPConnector(limit=max_connections),
            trust_env=False,
            auto_decompress=False,
        )
        return cls(session, connect_timeout, response_timeout)

    async def close(self) -> None:
        await self.session.close()

    async def attempt(self, delivery: DueDelivery) -> AttemptResult:
        """One POST of ``delivery``."""
        url, body, headers = request_parts(delivery)
        started_at = time.time()
        started = time.perf_counter()
        status: int | None = None
        snippet: str | None = None
        error: str | None = None
        try:
            # The whole exchange is bounded too: a receiver that trickles its answer a byte
            # at a time never holds a delivery longer than the two timeouts.
            async with (
                asyncio.timeout(self.connect_timeout + self.response_timeout),
                self.session.post(url, data=body, headers=headers, allow_redirects=False) as answer,
            ):
                status = answer.status
                taken = await answer.content.read(SNIPPET_BYTES)
                snippet = taken.decode("utf-8", "replace") or None
        except (aiohttp.ClientError, TimeoutError, OSError) as failure:
            error = _why(failure, self.connect_timeout, self.response_timeout)
        latency = round((time.perf_counter() - started) * 1000, 3)
        return AttemptResult(
            at=started_at,
            status=status,
            error=error,
            latency_ms=latency,
            snippet=snippet,
            delivered=acknowledged(status, error),
        )
