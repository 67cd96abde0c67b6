"""The dispatcher: one background task per server process that delivers queued webhooks.

It claims due deliveries from storage for a lease (so that, with many processes on one
PostgreSQL, each delivery is attempted by one of them at a time, and one a dead process held is
taken up again when the lease runs out), posts them with bounded concurrency overall and per
endpoint, and records every attempt. Pending deliveries wait in the database, not in memory:
the dispatcher holds at most ``concurrency`` of them. Nothing it does is on the API's request
path; a slow or dead receiver holds only its own slots.

Real time drives it, never a store's clock: a frozen clock does not stall deliveries. The
retry schedule is Ecwid's, multiplied by ``retry_scale`` (``serve --webhook-retry-scale``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
import uuid
from collections.abc import Callable
from urllib.parse import urlsplit

import httpx

from ecwid_customers.domain.webhooks import CONNECT_TIMEOUT, RESPONSE_TIMEOUT, next_attempt_offset
from ecwid_customers.storage.base import Storage
from ecwid_customers.storage.outbox import AttemptResult, DueDelivery
from ecwid_customers.webhooks import sender

logger = logging.getLogger("ecwid_customers.webhooks")

# How often storage is asked about work another process (the CLI, another worker) queued.
POLL = 0.25


def _endpoint(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


class Dispatcher:
    def __init__(
        self,
        storage: Storage,
        *,
        retry_scale: float = 1.0,
        concurrency: int = 32,
        per_endpoint: int = 4,
        clock: Callable[[], float] = time.time,
        connect_timeout: float = CONNECT_TIMEOUT,
        response_timeout: float = RESPONSE_TIMEOUT,
    ) -> None:
        self.storage = storage
        self.retry_scale = retry_scale
        self.concurrency = concurrency
        self.per_endpoint = per_endpoint
        self.clock = clock
        self.timeouts = (connect_timeout, response_timeout)
        # Longer than any attempt can take (each is cut off at the two timeouts).
        self.lease = connect_timeout + response_timeout + 5
        # Claims name the process and this dispatcher, for whoever reads the table.
        self.owner = f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self._wake = asyncio.Event()
        self._in_flight: set[asyncio.Task[None]] = set()
        self._endpoints: dict[str, asyncio.Semaphore] = {}
        self._loop_task: asyncio.Task[None] | None = None
        self._client: httpx.AsyncClient | None = None

    async def start(self) -> None:
        connect, response = self.timeouts
        self._client = sender.client(
            self.concurrency, connect_timeout=connect, response_timeout=response
        )
        self.storage.on_delivery_queued(self.wake)
        self._loop_task = asyncio.create_task(self._run(), name="webhook-dispatcher")

    async def stop(self) -> None:
        """Stop claiming; attempts under way are cancelled (their leases run out and another
        start delivers them again)."""
        if self._loop_task is not None:
            self._loop_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._loop_task
            self._loop_task = None
        for task in list(self._in_flight):
            task.cancel()
        if self._in_flight:
            await asyncio.gather(*self._in_flight, return_exceptions=True)
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    def wake(self) -> None:
        """Something was queued: look now rather than at the next poll."""
        self._wake.set()

    async def _run(self) -> None:
        while True:
            try:
                delay = await self._dispatch_due()
            except asyncio.CancelledError:
                raise
            except Exception:
                # A database that is briefly unreachable must not end deliveries for good.
                logger.exception("webhook dispatch failed; trying again")
                delay = 1.0
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(delay):
                    await self._wake.wait()

    async def _dispatch_due(self) -> float:
        """Start what is due and there is room for; seconds to wait before looking again."""
        free = self.concurrency - len(self._in_flight)
        if free <= 0:
            return POLL  # a finishing attempt wakes us sooner
        now = self.clock()
        due = await self.storage.next_delivery_due()
        if due is None or due > now:
            return POLL if due is None else max(0.005, min(POLL, due - now))
        claimed = await self.storage.claim_deliveries(
            now=now, limit=free, lease=self.lease, owner=self.owner
        )
        for delivery in claimed:
            task = asyncio.create_task(self._deliver(delivery), name=f"webhook-{delivery.id}")
            self._in_flight.add(task)
            task.add_done_callback(self._finished)
        return 0 if len(claimed) == free else POLL

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._in_flight.discard(task)
        self._wake.set()

    async def _deliver(self, delivery: DueDelivery) -> None:
        assert self._client is not None
        endpoint = _endpoint(delivery.url)
        slots = self._endpoints.get(endpoint)
        if slots is None:
            slots = self._endpoints[endpoint] = asyncio.Semaphore(self.per_endpoint)
        try:
            async with slots:
                result = await sender.attempt(self._client, delivery)
        except Exception as error:  # a bug here must not lose the delivery
            logger.exception("webhook delivery %s failed in the sender", delivery.id)
            result = AttemptResult(
                at=self.clock(),
                status=None,
                error=f"internal error: {type(error).__name__}",
                latency_ms=0.0,
                snippet=None,
                delivered=False,
            )
        next_at = None if result.delivered else self._next_attempt(delivery)
        await self.storage.finish_attempt(delivery, self.owner, result, next_at)
        if not result.delivered:
            logger.info(
                "webhook %s to %s: %s%s",
                delivery.event_type,
                endpoint,
                result.status if result.status is not None else result.error,
                "" if next_at is not None else " (no attempts left)",
            )

    def _next_attempt(self, delivery: DueDelivery) -> float | None:
        offset = next_attempt_offset(delivery.step + 1)
        if offset is None:
            return None
        return max(self.clock(), delivery.queued_at + offset * self.retry_scale)
