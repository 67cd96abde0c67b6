"""The webhook outbox on both engines: queued in the change's transaction, claimed by one
owner at a time, attempts recorded, steered (pause, redeliver, clear)."""

from __future__ import annotations

import asyncio

import pytest

from ecwid_customers import admin
from ecwid_customers.domain.create import build_new_customer
from ecwid_customers.domain.inputs import CustomerInput
from ecwid_customers.domain.models import Store
from ecwid_customers.domain.webhooks import customer_event, event_by_hand
from ecwid_customers.scopes import CUSTOMER_SCOPES, READ_CUSTOMERS
from ecwid_customers.storage.base import Storage
from ecwid_customers.storage.core.storage import SqlStorage
from ecwid_customers.storage.errors import EmailTaken, StoreNotFound
from ecwid_customers.storage.outbox import (
    AttemptResult,
    Claim,
    DueDelivery,
    Firing,
    TokenWebhook,
)

STORE = Store(id=1003, languages=("en",))
NOW = 1_750_000_000
WALL = 2_000_000_000.0  # real time, as the dispatcher passes it


@pytest.fixture
async def outbox(storage: Storage) -> Storage:
    await storage.create_store(STORE, now=NOW)
    return storage


async def subscribe(
    storage: Storage,
    url: str = "http://127.0.0.1:9/h",
    scopes: tuple[str, ...] = CUSTOMER_SCOPES,
    events: tuple[str, ...] | None = None,
) -> int:
    webhook = TokenWebhook(url=url, client_secret="shh-secret-value", events=events)
    issued = await admin.issue_token(storage, 1003, scopes, webhook=webhook)
    return issued.info.id


async def create(storage: Storage, email: str) -> int:
    draft = build_new_customer(CustomerInput(email=email), store=STORE, now=NOW)
    return await storage.create_customer(1003, draft, now=NOW)


def ok(at: float = WALL) -> AttemptResult:
    return AttemptResult(
        at=at, status=200, error=None, latency_ms=1.0, snippet="ok", delivered=True
    )


def refused(at: float = WALL) -> AttemptResult:
    return AttemptResult(
        at=at, status=None, error="could not connect", latency_ms=1.0, snippet=None,
        delivered=False,
    )  # fmt: skip


async def attempt_rows(storage: Storage) -> int:
    """Rows left in the attempt log (the listing shows only those of deliveries it lists)."""
    assert isinstance(storage, SqlStorage)
    return int(
        await storage.engine.read(lambda s: s.value("SELECT count(*) FROM webhook_attempts"))
    )


async def claim_all(storage: Storage, owner: str = "a", now: float = WALL) -> list[DueDelivery]:
    return await storage.claim_deliveries(Claim(owner=owner, now=now, limit=100, lease=30))


async def test_without_a_subscribed_token_nothing_is_queued(outbox: Storage) -> None:
    await admin.issue_token(outbox, 1003, CUSTOMER_SCOPES)  # no webhook
    await create(outbox, "a@example.net")
    assert await outbox.list_deliveries(1003) == []
    assert await outbox.next_delivery_due() is None


async def test_a_change_queues_one_delivery_per_subscribed_token(outbox: Storage) -> None:
    first, second = await subscribe(outbox), await subscribe(outbox, "https://x.example/h")
    customer_id = await create(outbox, "a@example.net")
    deliveries = await outbox.list_deliveries(1003)
    assert sorted(d.token_id for d in deliveries) == [first, second]
    assert {(d.event_type, d.entity_id, d.state) for d in deliveries} == {
        ("customer.created", customer_id, "pending")
    }
    assert len({d.event_id for d in deliveries}) == 1  # one event, two apps
    assert deliveries[0].data == {"customerEmail": "a@example.net"}
    assert deliveries[0].event_created == NOW


async def test_a_refused_change_queues_nothing(outbox: Storage) -> None:
    await subscribe(outbox)
    await create(outbox, "a@example.net")
    with pytest.raises(EmailTaken):
        await create(outbox, "A@example.net")
    assert len(await outbox.list_deliveries(1003)) == 1


async def test_events_and_scopes_filter_tokens(outbox: Storage) -> None:
    wanted = await subscribe(outbox, events=("customer.deleted",))
    webhook = TokenWebhook(url="http://127.0.0.1:9/h", client_secret="shh-secret-value")
    await admin.issue_token(outbox, 1003, ("create_customers",), webhook=webhook)
    customer_id = await create(outbox, "a@example.net")
    assert await outbox.list_deliveries(1003) == []
    assert await outbox.delete_customer(1003, customer_id, now=NOW)
    (delivery,) = await outbox.list_deliveries(1003)
    assert (delivery.token_id, delivery.event_type) == (wanted, "customer.deleted")


async def test_an_event_fired_by_hand_needs_the_store_and_its_scope(outbox: Storage) -> None:
    token_id = await subscribe(outbox, scopes=(READ_CUSTOMERS,))
    event = event_by_hand("customer.personalDataExportRequest", 5)
    assert await outbox.emit_event(1003, event, now=NOW) == 0  # needs read_store_profile
    signed = event_by_hand("customer.updated", 5, {"customerEmail": "x@y.z"})
    assert await outbox.emit_event(1003, signed, now=NOW, firing=Firing(signature="invalid")) == 1
    assert await outbox.emit_event(1003, signed, now=NOW, firing=Firing(token_id=token_id + 1)) == 0
    with pytest.raises(StoreNotFound):
        await outbox.emit_event(4004, signed, now=NOW)
    (delivery,) = await outbox.list_deliveries(1003)
    assert delivery.signature == "invalid"


async def test_a_claim_is_held_by_one_owner_until_its_lease_runs_out(outbox: Storage) -> None:
    await subscribe(outbox)
    await create(outbox, "a@example.net")
    (claimed,) = await claim_all(outbox, "a")
    assert claimed.url == "http://127.0.0.1:9/h"
    assert claimed.client_secret == "shh-secret-value"
    assert await claim_all(outbox, "b") == []
    assert await claim_all(outbox, "b", now=WALL + 31) != []  # the lease ran out


async def test_concurrent_claims_never_share_a_delivery(outbox: Storage) -> None:
    await subscribe(outbox)
    for n in range(30):
        await create(outbox, f"c{n}@example.net")
    claims = await asyncio.gather(
        *(
            outbox.claim_deliveries(Claim(owner=f"owner-{n}", now=WALL, limit=7, lease=30))
            for n in range(6)
        )
    )
    ids = [d.id for claim in claims for d in claim]
    assert len(ids) == len(set(ids)) == 30


async def test_an_attempt_is_recorded_only_by_the_owner(outbox: Storage) -> None:
    await subscribe(outbox)
    await create(outbox, "a@example.net")
    (claimed,) = await claim_all(outbox, "a")
    await outbox.finish_attempt(claimed, "b", ok(), None)  # not b's: nothing happens
    (delivery,) = await outbox.list_deliveries(1003)
    assert (delivery.state, delivery.attempts) == ("pending", 0)
    await outbox.finish_attempt(claimed, "a", refused(), WALL + 900)
    (delivery,) = await outbox.list_deliveries(1003)
    assert (delivery.state, delivery.attempts, delivery.next_attempt_at) == (
        "pending",
        1,
        WALL + 900,
    )
    assert delivery.attempt_log[0].error == "could not connect"
    assert await claim_all(outbox, "a", now=WALL + 899) == []
    (again,) = await claim_all(outbox, "a", now=WALL + 900)
    assert (again.attempts, again.step) == (1, 1)
    await outbox.finish_attempt(again, "a", ok(WALL + 900), None)
    (delivery,) = await outbox.list_deliveries(1003)
    assert (delivery.state, delivery.attempts, delivery.next_attempt_at) == ("delivered", 2, None)
    assert [a.delivered for a in delivery.attempt_log] == [False, True]


async def test_a_delivery_with_no_attempts_left_fails(outbox: Storage) -> None:
    await subscribe(outbox)
    await create(outbox, "a@example.net")
    (claimed,) = await claim_all(outbox)
    await outbox.finish_attempt(claimed, "a", refused(), None)
    (delivery,) = await outbox.list_deliveries(1003)
    assert delivery.state == "failed"
    assert await outbox.next_delivery_due() is None
    assert await outbox.redeliver(1003, delivery.id, now=WALL + 5)
    (again,) = await claim_all(outbox, now=WALL + 5)
    assert (again.step, again.attempts, again.queued_at) == (0, 1, WALL + 5)
    assert not await outbox.redeliver(2002, delivery.id, now=WALL)  # another store's id


async def test_revoking_cancels_what_is_queued_and_stops_claims(outbox: Storage) -> None:
    token_id = await subscribe(outbox)
    await create(outbox, "a@example.net")
    assert await outbox.revoke_token(token_id, now=NOW)
    assert await claim_all(outbox) == []
    (delivery,) = await outbox.list_deliveries(1003)
    assert delivery.state == "cancelled"
    assert not await outbox.redeliver(1003, delivery.id, now=WALL)
    assert not await outbox.set_token_webhook(token_id, None)  # not a live token


async def test_pause_holds_deliveries_and_clear_forgets_them(outbox: Storage) -> None:
    await subscribe(outbox)
    await create(outbox, "a@example.net")
    assert await outbox.set_webhooks_paused(1003, True)
    assert (await outbox.get_store(1003)).webhooks_paused  # type: ignore[union-attr]
    assert await claim_all(outbox) == []
    assert await outbox.set_webhooks_paused(1003, False)
    assert await outbox.next_delivery_due() is not None
    (claimed,) = await claim_all(outbox)
    await outbox.finish_attempt(claimed, "a", refused(), WALL + 1)
    assert await attempt_rows(outbox) == 1
    assert await outbox.clear_deliveries(1003) == 1
    assert await outbox.list_deliveries(1003) == []
    assert await attempt_rows(outbox) == 0  # the attempts went with their deliveries
    assert not await outbox.set_webhooks_paused(4004, True)


async def test_reset_and_delete_of_a_store_take_its_deliveries(outbox: Storage) -> None:
    await subscribe(outbox)
    await create(outbox, "a@example.net")
    (claimed,) = await claim_all(outbox)
    await outbox.finish_attempt(claimed, "a", refused(), WALL + 1)
    assert await attempt_rows(outbox) == 1
    assert await outbox.reset_store(1003)
    assert await outbox.list_deliveries(1003) == []
    assert await attempt_rows(outbox) == 0
    await create(outbox, "b@example.net")
    (claimed,) = await claim_all(outbox)
    await outbox.finish_attempt(claimed, "a", refused(), WALL + 1)
    assert await outbox.delete_store(1003)
    assert await outbox.next_delivery_due() is None
    assert await attempt_rows(outbox) == 0


async def test_token_listing_shows_the_webhook_but_never_the_secret(outbox: Storage) -> None:
    token_id = await subscribe(outbox, events=("customer.created", "customer.updated"))
    (info,) = [t for t in await outbox.list_tokens(1003) if t.id == token_id]
    assert info.webhook_url == "http://127.0.0.1:9/h"
    assert info.webhook_events == ("customer.created", "customer.updated")
    assert info.client_secret_hint == "sh***ue"
    assert "shh-secret-value" not in repr(await outbox.list_tokens())
    dump = await outbox.export_store(1003)
    assert "shh-secret-value" not in repr(dump)


async def test_the_customer_event_is_what_the_domain_builds(outbox: Storage) -> None:
    await subscribe(outbox)
    customer_id = await create(outbox, "Ann@Example.net")
    (delivery,) = await outbox.list_deliveries(1003)
    event = customer_event("customer.created", customer_id, "Ann@Example.net")
    assert (delivery.event_type, delivery.entity_id, delivery.data) == (
        event.type,
        event.entity_id,
        event.data,
    )
    assert event.scope == READ_CUSTOMERS


async def test_a_claim_passes_over_the_deliveries_it_is_told_are_under_way(
    outbox: Storage,
) -> None:
    await subscribe(outbox)
    await create(outbox, "a@example.net")
    await create(outbox, "b@example.net")
    first, second = await claim_all(outbox, "a")
    later = WALL + 60  # both leases have run out
    found = await outbox.claim_deliveries(
        Claim(owner="a", now=later, limit=10, lease=30, skip_ids=(first.id,))
    )
    assert [d.id for d in found] == [second.id]


async def test_a_claim_passes_over_busy_apps_and_can_be_given_back(outbox: Storage) -> None:
    busy, other = await subscribe(outbox), await subscribe(outbox, "http://127.0.0.1:9/o")
    await create(outbox, "a@example.net")
    found = await outbox.claim_deliveries(
        Claim(owner="a", now=WALL, limit=10, lease=30, skip_tokens=(busy,))
    )
    assert [d.token_id for d in found] == [other]
    await outbox.release_deliveries([found[0].id], "b")  # not b's to give back
    assert [d.token_id for d in await claim_all(outbox, "c")] == [busy]  # a's stays a's
    await outbox.release_deliveries([found[0].id], "a")
    (again,) = await claim_all(outbox, "d")
    assert again.id == found[0].id
