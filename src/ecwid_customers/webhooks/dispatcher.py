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
import functools
import logging
import os
import time
import uuid
from collections import Counter
from collections.abc import Callable
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from ecwid_customers import metrics
from ecwid_customers.domain.webhooks import CONNECT_TIMEOUT, RESPONSE_TIMEOUT, next_attempt_offset
from ecwid_customers.storage.base import Storage
from ecwid_customers.storage.outbox import AttemptResult, Claim, DueDelivery

if TYPE_CHECKING:
    from ecwid_customers.webhooks.sender import Sender

logger = logging.getLogger("ecwid_customers.webhooks")

# How often storage is asked about work another process (the CLI, another worker) queued.
POLL = 0.25
# Tokens a claim passes over by name at most.
MAX_SKIPPED = 500


# An attempt's outcome by (delivered, another attempt due).
_OUTCOMES = {(True, False): "delivered", (False, True): "retrying", (False, False): "abandoned"}


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
        # The deliveries those tasks attempt: a claim passes over them, so that an attempt slower
        # than its lease is not started twice here (another process may still take it then: the
        # lease is meant to outlast any attempt).
        self._attempting: set[int] = set()
        # Attempts under way by endpoint (scheme, host, port), and the endpoint of each token
        # seen: a claim passes over the tokens whose endpoint is full.
        self._busy: Counter[str] = Counter()
        self._endpoint_of: dict[int, str] = {}
        self._loop_task: asyncio.Task[None] | None = None
        self._sender: Sender | None = None

    async def start(self) -> None:
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
        if self._sender is not None:
            await self._sender.close()
            self._sender = None

    def wake(self) -> None:
        """Something was queued: look now rather than at the next poll (unless every slot is
        taken: a finishing attempt looks then, and a burst of writes costs no lookups)."""
        if len(self._in_flight) < self.concurrency:
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
        """Start what is due and there is room for; seconds to wait before looking again.

        Only what can start at once is claimed (a claim is good for one attempt's time): at
        most ``per_endpoint`` at a time, none for a token whose endpoint's slots are all taken.
        """
        free = self.concurrency - len(self._in_flight)
        if free <= 0:
            return POLL  # a finishing attempt wakes us sooner
        now = self.clock()
        due = await self.storage.next_delivery_due()
        if due is None or due > now:
            return POLL if due is None else max(0.005, min(POLL, due - now))
        full = tuple(
            token
            for token, endpoint in self._endpoint_of.items()
            if self._busy[endpoint] >= self.per_endpoint
        )
        if len(full) > MAX_SKIPPED:
            full = ()  # too many to name in a query: claim, and give back what cannot start
        limit = min(free, self.per_endpoint)
        claimed = await self.storage.claim_deliveries(
            Claim(
                owner=self.owner,
                now=now,
                limit=limit,
                lease=self.lease,
                skip_tokens=full,
                skip_ids=tuple(self._attempting),
            )
        )
        surplus = []
        for delivery in claimed:
            endpoint = self._endpoint_of[delivery.token_id] = _endpoint(delivery.url)
            if self._busy[endpoint] >= self.per_endpoint:
                surplus.append(delivery.id)
                continue
            self._busy[endpoint] += 1
            self._attempting.add(delivery.id)
            task = asyncio.create_task(
                self._deliver(delivery, endpoint), name=f"webhook-{delivery.id}"
            )
            self._in_flight.add(task)
            task.add_done_callback(functools.partial(self._finished, endpoint, delivery.id))
        if surplus:
            await self.storage.release_deliveries(surplus, self.owner)
        # All it could take: there may be more. Nothing: what is due is paused, another
        # process's or for a full app, so look again later, not at once.
        return 0 if len(claimed) == limit and not surplus else POLL

    def _finished(self, endpoint: str, delivery_id: int, task: asyncio.Task[None]) -> None:
        self._in_flight.discard(task)
        self._attempting.discard(delivery_id)
        self._busy[endpoint] -= 1
        if not self._busy[endpoint]:
            del self._busy[endpoint]
        self._wake.set()

    def _opened_sender(self) -> Sender:
        """The HTTP client, made at the first delivery: its library (aiohttp) takes a quarter
        of a second to import, which a server that never delivers should not wait for."""
        if self._sender is None:
            from ecwid_customers.webhooks.sender import Sender

            connect, response = self.timeouts
            self._sender = Sender.open(
                self.concurrency, connect_timeout=connect, response_timeout=response
            )
        return self._sender

    async def _deliver(self, delivery: DueDelivery, endpoint: str) -> None:
        try:
            result = await self._opened_sender().attempt(delivery)
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
        metrics.webhook_deliveries().labels(_OUTCOMES[result.delivered, next_at is not None]).inc()
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
