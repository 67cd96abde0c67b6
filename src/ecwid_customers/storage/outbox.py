"""The webhook outbox's part of the storage interface: what storage queues, hands the
dispatcher and shows.

Every change that Ecwid announces with a webhook queues one delivery per subscribed token in
the transaction that makes the change, so a change that committed always has its deliveries
and one that rolled back never does. Deliveries are claimed for a while (a lease) by one
dispatcher at a time, so with many processes each is attempted by one process at a time, and
one that a dead process held is taken up again when its lease runs out.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal, Protocol

import msgspec

from ecwid_customers.domain.webhooks import Signature, WebhookEvent

DeliveryState = Literal["pending", "delivered", "failed", "cancelled"]


class TokenWebhook(msgspec.Struct, frozen=True, kw_only=True):
    """Where the app a token belongs to receives webhooks, and how they are signed."""

    url: str
    client_secret: str  # the signing key; never a secret_ token, never shown again in full
    events: tuple[str, ...] | None = None  # None: every event the token's scopes allow


class Delivery(msgspec.Struct, rename="camel", frozen=True, kw_only=True):
    """One event for one token's app."""

    id: int
    store_id: int
    token_id: int
    event_id: str
    event_type: str
    entity_id: int
    data: dict[str, str] | None
    event_created: int  # the store's clock when the change happened (eventCreated)
    signature: Signature


class DueDelivery(Delivery, frozen=True, kw_only=True):
    """A delivery claimed for an attempt, with what the attempt needs."""

    attempts: int  # made so far
    step: int  # place in the retry schedule (a redelivery starts it again)
    queued_at: float  # real time the schedule counts from
    url: str
    client_secret: str


class Claim(msgspec.Struct, frozen=True, kw_only=True):
    """What a dispatcher asks for: due deliveries, held for it a while."""

    owner: str  # the dispatcher (process and a tag)
    now: float  # real time
    limit: int
    lease: float  # seconds the claim holds
    skip_tokens: tuple[int, ...] = ()  # tokens whose endpoint has no free slot
    # Deliveries the dispatcher is attempting now: an attempt that outlives its lease must not
    # be claimed (and sent) a second time by the dispatcher that is still making it.
    skip_ids: tuple[int, ...] = ()


class Firing(msgspec.Struct, frozen=True, kw_only=True):
    """How an event fired by hand is sent."""

    signature: Signature = "valid"
    token_id: int | None = None  # only to this token's app


BY_DEFAULT = Firing()


class AttemptResult(msgspec.Struct, rename="camel", frozen=True, kw_only=True):
    at: float  # real time the attempt started
    status: int | None  # the HTTP status, None when there was no answer
    error: str | None  # why there was no answer (refused, timeout...), or what was wrong
    latency_ms: float
    snippet: str | None  # the first bytes of the answer, never more
    delivered: bool


class AttemptView(AttemptResult, frozen=True, kw_only=True):
    attempt: int
    by: str  # the dispatcher (process id and a tag) that made it


class DeliveryView(Delivery, frozen=True, kw_only=True):
    """A delivery as the control plane and the CLI show it."""

    state: DeliveryState
    attempts: int
    next_attempt_at: float | None
    attempt_log: list[AttemptView]


class WebhookStorage(Protocol):
    def on_delivery_queued(self, listener: Callable[[], None]) -> None:
        """Call ``listener`` (on the event loop) after a write of this process queued
        deliveries, so a dispatcher need not wait for its next look."""
        ...

    async def set_token_webhook(self, token_id: int, webhook: TokenWebhook | None) -> bool:
        """Give a live token its app's webhook (or take it away); ``False`` for no such live
        token. Taking it away cancels what is still queued for it."""
        ...

    async def emit_event(
        self, store_id: int, event: WebhookEvent, *, now: int, firing: Firing = BY_DEFAULT
    ) -> int:
        """Queue ``event`` (happening at store time ``now``) for every subscribed token, or
        only ``firing.token_id``; how many deliveries were queued. Raises ``StoreNotFound``."""
        ...

    async def next_delivery_due(self) -> float | None:
        """When the earliest pending delivery is due (real time; a paused store's too)."""
        ...

    async def claim_deliveries(self, claim: Claim) -> list[DueDelivery]:
        """Up to ``claim.limit`` deliveries due at ``claim.now`` (none to its skipped tokens),
        held for its owner for ``claim.lease`` seconds (nobody else claims them meanwhile)."""
        ...

    async def release_deliveries(self, ids: list[int], owner: str) -> None:
        """Give back claims ``owner`` holds and will not use: due again for anyone."""
        ...

    async def finish_attempt(
        self, delivery: DueDelivery, owner: str, result: AttemptResult, next_at: float | None
    ) -> None:
        """Record an attempt: delivered, due again at ``next_at``, or failed for good. Does
        nothing to a delivery that ``owner`` no longer holds."""
        ...

    async def list_deliveries(self, store_id: int, *, limit: int = 100) -> list[DeliveryView]:
        """The store's newest deliveries first, each with its attempts."""
        ...

    async def redeliver(self, store_id: int, delivery_id: int, *, now: float) -> bool:
        """Queue a delivery again now, its retry schedule started afresh; ``False`` when the
        store has no such delivery or its token is gone."""
        ...

    async def set_webhooks_paused(self, store_id: int, paused: bool) -> bool:
        """Hold (or release) the store's deliveries; ``False`` for no such store."""
        ...

    async def clear_deliveries(self, store_id: int) -> int:
        """Forget the store's deliveries, pending ones too; how many."""
        ...
