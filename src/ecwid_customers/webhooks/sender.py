"""One attempt at one delivery: Ecwid's POST, its signature, and what the answer means.

``POST <url>?eventtype=<eventType>`` (the URL's own query kept), the JSON body of
``domain.webhooks.WebhookBody``, ``X-Ecwid-Webhook-Signature``. Connect timeout 3 s, answer
timeout 10 s; redirects are not followed; only a bounded snippet of the answer is read.
"""

from __future__ import annotations

import asyncio
import time
from urllib.parse import urlencode, urlsplit, urlunsplit

import httpx
import msgspec

from ecwid_customers.domain.webhooks import (
    ACKNOWLEDGED,
    CONNECT_TIMEOUT,
    RESPONSE_TIMEOUT,
    SIGNATURE_HEADER,
    WebhookBody,
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


def _why(error: Exception, timeouts: httpx.Timeout) -> str:
    if isinstance(error, httpx.ConnectTimeout):
        return f"no connection within {timeouts.connect:g} s"
    if isinstance(error, httpx.ConnectError):
        return f"could not connect: {error}" if str(error) else "could not connect"
    if isinstance(error, (httpx.TimeoutException, TimeoutError)):
        return f"no answer within {timeouts.read:g} s"
    return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__


async def attempt(client: httpx.AsyncClient, delivery: DueDelivery) -> AttemptResult:
    """One POST of ``delivery`` with ``client`` (see :func:`client` for its settings)."""
    timeouts = client.timeout
    bound = (timeouts.connect or CONNECT_TIMEOUT) + (timeouts.read or RESPONSE_TIMEOUT)
    url, body, headers = request_parts(delivery)
    started_at = time.time()
    started = time.perf_counter()
    status: int | None = None
    snippet: str | None = None
    error: str | None = None
    try:
        # The whole exchange is bounded too: a receiver that trickles its answer a byte at a
        # time never holds a delivery longer than the two timeouts.
        async with asyncio.timeout(bound):
            request = client.build_request("POST", url, content=body, headers=headers)
            response = await client.send(request, stream=True, follow_redirects=False)
            try:
                status = response.status_code
                taken = bytearray()
                async for chunk in response.aiter_raw():
                    taken += chunk
                    if len(taken) >= SNIPPET_BYTES:
                        break
                snippet = bytes(taken[:SNIPPET_BYTES]).decode("utf-8", "replace") or None
            finally:
                await response.aclose()
    except (httpx.HTTPError, TimeoutError, OSError) as failure:
        error = _why(failure, timeouts)
    latency = round((time.perf_counter() - started) * 1000, 3)
    return AttemptResult(
        at=started_at,
        status=status,
        error=error,
        latency_ms=latency,
        snippet=snippet,
        delivered=status in ACKNOWLEDGED and error is None,
    )


def client(
    max_connections: int,
    *,
    connect_timeout: float = CONNECT_TIMEOUT,
    response_timeout: float = RESPONSE_TIMEOUT,
) -> httpx.AsyncClient:
    """The dispatcher's HTTP client: Ecwid's timeouts (3 s to connect, 10 s for the answer),
    no redirects, no proxies from the environment (a receiver on localhost must not go
    through one)."""
    return httpx.AsyncClient(
        timeout=httpx.Timeout(response_timeout, connect=connect_timeout),
        limits=httpx.Limits(max_connections=max_connections, max_keepalive_connections=16),
        follow_redirects=False,
        trust_env=False,
    )
