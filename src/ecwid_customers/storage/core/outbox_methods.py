"""The storage interface's webhook part (``storage/outbox.py``), over an engine."""

from __future__ import annotations

import time

from ecwid_customers.domain.webhooks import WebhookEvent
from ecwid_customers.storage.core import outbox, stores
from ecwid_customers.storage.core.session import Engine
from ecwid_customers.storage.outbox import (
    BY_DEFAULT,
    AttemptResult,
    Claim,
    DeliveryView,
    DueDelivery,
    Firing,
    TokenWebhook,
)


class OutboxMethods:
    engine: Engine

    async def set_token_webhook(self, token_id: int, webhook: TokenWebhook | None) -> bool:
        return await self.engine.write(lambda s: outbox.set_token_webhook(s, token_id, webhook))

    async def emit_event(
        self, store_id: int, event: WebhookEvent, *, now: int, firing: Firing = BY_DEFAULT
    ) -> int:
        wall = time.time()
        queued = await self.engine.write(
            lambda s: outbox.queue_checked(s, store_id, event, now, wall, firing)
        )
        if queued:
            self._queued()
        return queued

    def _queued(self) -> None:
        """Tell whoever listens that deliveries were queued (``SqlStorage`` does)."""

    async def next_delivery_due(self) -> float | None:
        return await self.engine.read(outbox.next_due)

    async def claim_deliveries(self, claim: Claim) -> list[DueDelivery]:
        return await self.engine.write(lambda s: outbox.claim(s, claim))

    async def release_deliveries(self, ids: list[int], owner: str) -> None:
        await self.engine.write(lambda s: outbox.release(s, ids, owner))

    async def finish_attempt(
        self, delivery: DueDelivery, owner: str, result: AttemptResult, next_at: float | None
    ) -> None:
        await self.engine.write(lambda s: outbox.finish(s, delivery, owner, result, next_at))

    async def list_deliveries(self, store_id: int, *, limit: int = 100) -> list[DeliveryView]:
        return await self.engine.read_long(lambda s: outbox.list_for_store(s, store_id, limit))

    async def redeliver(self, store_id: int, delivery_id: int, *, now: float) -> bool:
        redelivered = await self.engine.write(
            lambda s: outbox.redeliver(s, store_id, delivery_id, now)
        )
        if redelivered:
            self._queued()
        return redelivered

    async def set_webhooks_paused(self, store_id: int, paused: bool) -> bool:
        changed = await self.engine.write(
            lambda s: stores.set_store_setting(s, store_id, "webhooks_paused", paused)
        )
        if changed and not paused:
            self._queued()
        return changed

    async def clear_deliveries(self, store_id: int) -> int:
        return await self.engine.write(lambda s: outbox.clear(s, store_id))
