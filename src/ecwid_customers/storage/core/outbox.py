"""The webhook outbox, for both engines: queueing events inside the change's transaction,
claiming due deliveries, recording attempts, and what the control plane shows of them.
"""

from __future__ import annotations

import functools
import uuid
from typing import Any, NamedTuple

import msgspec

from ecwid_customers.domain.webhooks import Signature, WebhookEvent, acknowledged
from ecwid_customers.storage.core import ids
from ecwid_customers.storage.core.session import Row, Session
from ecwid_customers.storage.errors import StoreNotFound
from ecwid_customers.storage.outbox import (
    AttemptResult,
    AttemptView,
    Claim,
    DeliveryView,
    DueDelivery,
    Firing,
    TokenWebhook,
)

_decode_data = msgspec.json.Decoder(dict[str, str] | None).decode
_encode = msgspec.json.Encoder().encode

_INSERT = (
    "INSERT INTO webhook_deliveries (store_id, token_id, event_id, event_type, entity_id, "
    "data, event_created, signature, queued_at, next_attempt_at) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


class Subscription(NamedTuple):
    token_id: int
    scopes: frozenset[str]
    events: frozenset[str] | None  # None: every event the scopes allow


# A store's subscriptions live in its row as ``id|scopes|events;...`` (events empty: all),
# rewritten with every change of one of its tokens' webhook or life. A change reads them with
# the row it locks anyway, so announcing it costs no query of the tokens.
@functools.lru_cache(maxsize=1024)
def parse_subscriptions(text: str) -> tuple[Subscription, ...]:
    found = []
    for entry in filter(None, text.split(";")):
        token_id, scopes, events = entry.split("|")
        found.append(
            Subscription(
                int(token_id),
                frozenset(scopes.split(",")),
                frozenset(events.split(",")) if events else None,
            )
        )
    return tuple(found)


_DELIVERY_COLUMNS = (
    "d.id, d.store_id, d.token_id, d.event_id, d.event_type, d.entity_id, d.data, "
    "d.event_created, d.signature"
)


def _receives(subscription: Subscription, event: WebhookEvent, token_id: int | None) -> bool:
    if event.scope not in subscription.scopes:
        return False
    if token_id is not None:  # fired by hand at one token: its choice of events is set aside
        return subscription.token_id == token_id
    return subscription.events is None or event.type in subscription.events


async def queue(
    session: Session,
    store_id: int,
    event: WebhookEvent,
    now: int,
    wall: float,
    *,
    signature: Signature = "valid",
    token_id: int | None = None,
    subscriptions: str | None = None,
) -> int:
    """Queue ``event`` for the store's live tokens that have a webhook, the scope and (when
    they chose) the event, or only ``token_id``; how many deliveries that made.
    ``subscriptions``: the store's, when the caller read them already."""
    if subscriptions is None:
        subscriptions = await session.value(
            "SELECT webhook_subscriptions FROM stores WHERE id = ?", store_id
        )
    if not subscriptions:
        return 0  # the common case: nobody listens, and nothing need be written
    receivers = [
        subscription.token_id
        for subscription in parse_subscriptions(subscriptions)
        if _receives(subscription, event, token_id)
    ]
    if not receivers:
        return 0
    data = None if event.data is None else _encode(event.data).decode()
    values = (str(uuid.uuid4()), event.type, event.entity_id, data, now, signature, wall, wall)
    if len(receivers) == 1:
        await session.run(_INSERT, store_id, receivers[0], *values)
    else:
        await session.run_many(_INSERT, [(store_id, receiver, *values) for receiver in receivers])
    return len(receivers)


async def queue_checked(
    session: Session, store_id: int, event: WebhookEvent, now: int, wall: float, firing: Firing
) -> int:
    """:func:`queue` for an event fired by hand: the store must exist."""
    if await session.value("SELECT 1 FROM stores WHERE id = ?", store_id) is None:
        raise StoreNotFound(store_id)
    return await queue(
        session, store_id, event, now, wall, signature=firing.signature, token_id=firing.token_id
    )


async def set_token_webhook(session: Session, token_id: int, webhook: TokenWebhook | None) -> bool:
    url, secret, events = (None, None, None)
    if webhook is not None:
        url, secret = webhook.url, webhook.client_secret
        events = None if webhook.events is None else ",".join(webhook.events)
    changed = await session.run(
        "UPDATE tokens SET webhook_url = ?, client_secret = ?, webhook_events = ? "
        "WHERE id = ? AND revoked_at IS NULL",
        *(url, secret, events, token_id),
    )
    if not changed:
        return False
    if webhook is None:
        await cancel_for_token(session, token_id)
    await refresh_subscriptions(session, token_id)
    return True


async def refresh_subscriptions(session: Session, token_id: int) -> None:
    """Rewrite the subscriptions of the token's store (after any change of a token's webhook
    or life), from its live tokens with a webhook."""
    store_id = await session.value("SELECT store_id FROM tokens WHERE id = ?", token_id)
    rows = await session.rows(
        "SELECT id, scopes, webhook_events FROM tokens WHERE store_id = ? "
        "AND webhook_url IS NOT NULL AND revoked_at IS NULL ORDER BY id",
        store_id,
    )
    text = ";".join(f"{row[0]}|{row[1]}|{row[2] or ''}" for row in rows)
    changed = await session.run(
        "UPDATE stores SET webhook_subscriptions = ? WHERE id = ? AND webhook_subscriptions <> ?",
        text,
        store_id,
        text,
    )
    if not changed:
        return
    # Every share, existing or not, and locked till the commit: a batch of creates that
    # counts in one after this reads these subscriptions (``postgres/creates.py``).
    await session.run_many(
        "INSERT INTO customer_count_shares (store_id, slot, webhook_subscriptions) "
        "VALUES (?, ?, ?) ON CONFLICT (store_id, slot) "
        "DO UPDATE SET webhook_subscriptions = excluded.webhook_subscriptions",
        [(store_id, slot, text) for slot in range(ids.COUNT_SHARES)],
    )


async def cancel_for_token(session: Session, token_id: int) -> None:
    """A revoked token, or one without a webhook now, gets nothing more."""
    await session.run(
        "UPDATE webhook_deliveries SET state = 'cancelled', next_attempt_at = NULL "
        "WHERE store_id = (SELECT store_id FROM tokens WHERE id = ?) AND token_id = ? "
        "AND state = 'pending'",
        token_id,
        token_id,
    )


_DUE = (
    "FROM webhook_deliveries d JOIN stores s ON s.id = d.store_id "
    "JOIN tokens t ON t.id = d.token_id AND t.revoked_at IS NULL AND t.webhook_url IS NOT NULL "
    "WHERE d.state = 'pending' AND d.next_attempt_at <= ? "
    "AND (d.claimed_until IS NULL OR d.claimed_until < ?) AND s.webhooks_paused = ?"
)


async def next_due(session: Session) -> float | None:
    """The earliest attempt due, paused stores' included: the first entry of the due index,
    however many wait (a claim passes over the paused ones)."""
    value = await session.value(
        "SELECT min(next_attempt_at) FROM webhook_deliveries WHERE state = 'pending'"
    )
    return None if value is None else float(value)


async def claim(session: Session, claim: Claim) -> list[DueDelivery]:
    now, skip_tokens, skip_ids = claim.now, claim.skip_tokens, claim.skip_ids
    skip_locked = session.dialect.for_update_skip_locked
    skipping = (
        f" AND d.token_id NOT IN ({', '.join('?' * len(skip_tokens))})" if skip_tokens else ""
    )
    if skip_ids:
        skipping += f" AND d.id NOT IN ({', '.join('?' * len(skip_ids))})"
    ids = [
        row[0]
        for row in await session.rows(
            f"SELECT d.id {_DUE}{skipping} ORDER BY d.next_attempt_at LIMIT ?{skip_locked}",
            *(now, now, False, *skip_tokens, *skip_ids, claim.limit),
        )
    ]
    if not ids:
        return []
    marks = ", ".join("?" * len(ids))
    await session.run(
        f"UPDATE webhook_deliveries SET claimed_until = ?, claimed_by = ? WHERE id IN ({marks})",
        *(now + claim.lease, claim.owner, *ids),
    )
    rows = await session.rows(
        f"SELECT {_DELIVERY_COLUMNS}, d.attempts, d.step, d.queued_at, t.webhook_url, "
        "t.client_secret FROM webhook_deliveries d JOIN tokens t ON t.id = d.token_id "
        f"WHERE d.id IN ({marks}) ORDER BY d.next_attempt_at",
        *ids,
    )
    return [_due(row) for row in rows]


async def release(session: Session, ids: list[int], owner: str) -> None:
    marks = ", ".join("?" * len(ids))
    await session.run(
        "UPDATE webhook_deliveries SET claimed_until = NULL, claimed_by = NULL "
        f"WHERE id IN ({marks}) AND claimed_by = ?",
        *ids,
        owner,
    )


def _delivery(row: Row) -> dict[str, Any]:
    """The fields of a :class:`Delivery` from its :data:`_DELIVERY_COLUMNS` at ``row[:9]``."""
    return {
        "id": row[0],
        "store_id": row[1],
        "token_id": row[2],
        "event_id": row[3],
        "event_type": row[4],
        "entity_id": row[5],
        "data": _decode_data(row[6]) if row[6] is not None else None,
        "event_created": row[7],
        "signature": row[8],
    }


def _due(row: Row) -> DueDelivery:
    return DueDelivery(
        **_delivery(row),
        attempts=row[9],
        step=row[10],
        queued_at=row[11],
        url=row[12],
        client_secret=row[13],
    )


async def finish(
    session: Session,
    delivery: DueDelivery,
    owner: str,
    result: AttemptResult,
    next_at: float | None,
) -> None:
    attempt = delivery.attempts + 1
    state = "delivered" if result.delivered else ("pending" if next_at is not None else "failed")
    # One conditional UPDATE: a revoke or a clear that got there first wins (PostgreSQL
    # re-checks the condition once the row is free), and then nothing is recorded.
    held = await session.run(
        "UPDATE webhook_deliveries SET attempts = ?, step = step + 1, state = ?, "
        "next_attempt_at = ?, claimed_until = NULL, claimed_by = NULL "
        "WHERE id = ? AND claimed_by = ? AND state = 'pending'",
        *(attempt, state, None if result.delivered else next_at, delivery.id, owner),
    )
    if not held:
        return  # taken back meanwhile: cancelled, cleared, or the lease ran out
    await session.run(
        "INSERT INTO webhook_attempts (delivery_id, attempt, at, status, error, latency_ms, "
        "snippet, by_owner) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        *(delivery.id, attempt, result.at, result.status, result.error, result.latency_ms),
        *(result.snippet, owner),
    )


async def list_for_store(session: Session, store_id: int, limit: int) -> list[DeliveryView]:
    rows = await session.rows(
        f"SELECT {_DELIVERY_COLUMNS}, d.state, d.attempts, d.next_attempt_at "
        "FROM webhook_deliveries d WHERE d.store_id = ? ORDER BY d.id DESC LIMIT ?",
        store_id,
        limit,
    )
    if not rows:
        return []
    marks = ", ".join("?" * len(rows))
    attempts: dict[int, list[AttemptView]] = {}
    for a in await session.rows(
        "SELECT delivery_id, attempt, at, status, error, latency_ms, snippet, by_owner "
        f"FROM webhook_attempts WHERE delivery_id IN ({marks}) ORDER BY delivery_id, attempt",
        *(row[0] for row in rows),
    ):
        view = AttemptView(
            attempt=a[1],
            at=a[2],
            status=a[3],
            error=a[4],
            latency_ms=a[5],
            snippet=a[6],
            delivered=acknowledged(a[3], a[4]),
            by=a[7],
        )
        attempts.setdefault(a[0], []).append(view)
    return [
        DeliveryView(
            **_delivery(row),
            state=row[9],
            attempts=row[10],
            next_attempt_at=row[11],
            attempt_log=attempts.get(row[0], []),
        )
        for row in rows
    ]


async def redeliver(session: Session, store_id: int, delivery_id: int, now: float) -> bool:
    changed = await session.run(
        "UPDATE webhook_deliveries SET state = 'pending', step = 0, queued_at = ?, "
        "next_attempt_at = ?, claimed_until = NULL, claimed_by = NULL "
        "WHERE store_id = ? AND id = ? AND EXISTS (SELECT 1 FROM tokens t "
        "WHERE t.id = webhook_deliveries.token_id AND t.revoked_at IS NULL "
        "AND t.webhook_url IS NOT NULL)",
        *(now, now, store_id, delivery_id),
    )
    return changed > 0


async def clear(session: Session, store_id: int) -> int:
    # Their attempts go with them (ON DELETE CASCADE), as in a reset.
    return await session.run("DELETE FROM webhook_deliveries WHERE store_id = ?", store_id)
