"""Webhooks delivered to a real receiver over a socket: what each change sends, the wire
format and signature, what counts as acknowledged, retries, and receivers that fail."""

from __future__ import annotations

import asyncio
import socket
import time
import uuid

import pytest

from ecwid_customers.config import Settings
from ecwid_customers.scopes import CREATE_CUSTOMERS
from ecwid_customers.storage.outbox import TokenWebhook
from tests.support.receiver import Receiver, arrived
from tests.webhooks.conftest import RETRY_SCALE, TIMEOUT, Hooked, subscribe

NOW = 1_704_067_200  # the api fixture's still clock


def _events(receiver: Receiver) -> set[str]:
    """The distinct events received (a retry repeats its event's id)."""
    return {body["eventId"] for body in receiver.bodies()}


async def _wait_state(hooked: Hooked, state: str, within: float = 10.0) -> None:
    for _ in range(int(within / 0.02)):
        if all(d.state == state for d in await hooked.deliveries()):
            return
        await asyncio.sleep(0.02)
    raise AssertionError([(d.id, d.state, d.attempts) for d in await hooked.deliveries()])


async def test_a_created_customer_sends_a_signed_customer_created(hooked: Hooked) -> None:
    customer_id = await hooked.api.create_ok({"email": "Ann.Smith@example.net"})
    (got,) = await arrived(hooked.receiver, 1)
    body = got.json
    assert list(body) == ["eventId", "eventCreated", "storeId", "entityId", "eventType", "data"]
    assert str(uuid.UUID(body["eventId"])) == body["eventId"]
    assert body["eventCreated"] == NOW  # the store's clock when the change happened
    assert (body["storeId"], body["entityId"]) == (1003, customer_id)
    assert isinstance(body["entityId"], int)
    assert body["eventType"] == "customer.created"
    assert body["data"] == {"customerEmail": "Ann.Smith@example.net"}
    # ?eventtype= joins the URL's own query; Ecwid's content type; a valid signature.
    assert got.path == "/ecwid/hooks"
    assert got.query == {"app": ["tests"], "eventtype": ["customer.created"]}
    assert got.headers["content-type"] == "application/json; charset=UTF-8"
    assert got.signed_with(hooked.receiver.secret)
    assert not got.signed_with("another secret")
    await _wait_state(hooked, "delivered")


async def test_every_change_of_a_customer_is_announced(hooked: Hooked) -> None:
    api = hooked.api
    customer_id = await api.create_ok({"email": "ann@example.net"})
    await arrived(hooked.receiver, 1)
    updated = await api.client.put(
        api.url(f"customers/{customer_id}"), json={"email": "ann2@example.net"}, headers=api.auth()
    )
    assert updated.status_code == 200, updated.text
    contact = await api.client.post(
        api.url(f"customers/{customer_id}/contacts"),
        json={"contact": "+100", "type": "PHONE"},
        headers=api.auth(),
    )
    assert contact.status_code == 200, contact.text
    deleted = await api.client.delete(api.url(f"customers/{customer_id}"), headers=api.auth())
    assert deleted.status_code == 200, deleted.text
    received = await arrived(hooked.receiver, 4)
    events = sorted(
        (r.json["eventType"], r.json["entityId"], r.json["data"]["customerEmail"]) for r in received
    )
    assert events == [
        ("customer.created", customer_id, "ann@example.net"),
        ("customer.deleted", customer_id, "ann2@example.net"),
        ("customer.updated", customer_id, "ann2@example.net"),
        ("customer.updated", customer_id, "ann2@example.net"),  # the new contact
    ]
    assert len({r.json["eventId"] for r in received}) == 4
    assert all(r.signed_with(hooked.receiver.secret) for r in received)


async def test_group_changes_are_announced_without_data(hooked: Hooked) -> None:
    api = hooked.api
    created = await api.client.post(
        api.url("customer_groups"), json={"name": "VIP"}, headers=api.auth()
    )
    group_id = created.json()["id"]
    await api.client.put(
        api.url(f"customer_groups/{group_id}"), json={"name": "Gold"}, headers=api.auth()
    )
    await api.client.delete(api.url(f"customer_groups/{group_id}"), headers=api.auth())
    received = await arrived(hooked.receiver, 3)
    # Deliveries run side by side: like Ecwid's, they come in no promised order.
    assert sorted((r.json["eventType"], r.json["entityId"]) for r in received) == [
        ("customer_group.created", group_id),
        ("customer_group.deleted", group_id),
        ("customer_group.updated", group_id),
    ]
    assert all("data" not in r.json for r in received)


@pytest.mark.parametrize("member_events", [False, True])
async def test_members_of_a_changed_group_are_announced_only_when_configured(
    hooked: Hooked, member_events: bool
) -> None:
    settings = Settings(webhook_member_events=member_events)
    async with hooked.api.with_settings(settings) as api:
        created = await api.client.post(
            api.url("customer_groups"), json={"name": "VIP"}, headers=api.auth()
        )
        group_id = created.json()["id"]
        members = [
            await api.create_ok({"email": f"m{n}@example.net", "customerGroupId": group_id})
            for n in range(2)
        ]
        await api.client.put(
            api.url(f"customer_groups/{group_id}"), json={"name": "Gold"}, headers=api.auth()
        )
        await api.client.delete(api.url(f"customer_groups/{group_id}"), headers=api.auth())
    expected = 1 + 2 + 2 + (4 if member_events else 0)
    received = await arrived(hooked.receiver, expected)
    await asyncio.sleep(0.3)  # nothing more comes
    assert len(_events(hooked.receiver)) == expected
    updates = [r.json["entityId"] for r in received if r.json["eventType"] == "customer.updated"]
    assert sorted(updates) == (sorted(members * 2) if member_events else [])


async def test_a_refused_change_queues_nothing(hooked: Hooked) -> None:
    await hooked.api.create_ok({"email": "ann@example.net"})
    duplicate = await hooked.api.create({"email": "ANN@example.net"})
    assert duplicate.status_code == 409
    invalid = await hooked.api.create({"email": "not an email"})
    assert invalid.status_code == 400
    await arrived(hooked.receiver, 1)
    await asyncio.sleep(0.3)
    assert len(_events(hooked.receiver)) == 1
    assert len(await hooked.deliveries()) == 1


async def test_a_token_receives_only_the_events_it_chose(hooked: Hooked) -> None:
    only_deleted = Receiver().start()
    try:
        await subscribe(hooked.storage, 1003, only_deleted, events=("customer.deleted",))
        customer_id = await hooked.api.create_ok({"email": "ann@example.net"})
        await hooked.api.client.delete(
            hooked.api.url(f"customers/{customer_id}"), headers=hooked.api.auth()
        )
        await arrived(hooked.receiver, 2)
        (got,) = await arrived(only_deleted, 1)
        assert got.json["eventType"] == "customer.deleted"
        await asyncio.sleep(0.3)
        assert len(_events(only_deleted)) == 1
    finally:
        only_deleted.close()


async def test_events_need_the_scope_to_be_received(hooked: Hooked) -> None:
    no_read = Receiver().start()
    try:
        await subscribe(hooked.storage, 1003, no_read, scopes=(CREATE_CUSTOMERS,))
        await hooked.api.create_ok({"email": "ann@example.net"})
        await arrived(hooked.receiver, 1)
        await asyncio.sleep(0.3)
        assert no_read.received == []
    finally:
        no_read.close()


@pytest.mark.parametrize("status", [200, 201, 202, 204, 209])
async def test_these_answers_acknowledge(hooked: Hooked, status: int) -> None:
    hooked.receiver.statuses = [status]
    await hooked.api.create_ok({"email": "ann@example.net"})
    await arrived(hooked.receiver, 1)
    await _wait_state(hooked, "delivered")
    await asyncio.sleep(RETRY_SCALE * 900 * 1.5)  # past the first retry: none comes
    assert len(hooked.receiver.received) == 1


@pytest.mark.parametrize("status", [203, 208, 226, 301, 302, 400, 410, 500, 503])
async def test_every_other_answer_is_a_failed_attempt(hooked: Hooked, status: int) -> None:
    hooked.receiver.statuses = [status, 200]
    await hooked.api.create_ok({"email": "ann@example.net"})
    first, second = await arrived(hooked.receiver, 2)
    assert first.json == second.json  # the same event, the same id
    await _wait_state(hooked, "delivered")
    (delivery,) = await hooked.deliveries()
    assert [a.status for a in delivery.attempt_log] == [status, 200]
    assert [a.delivered for a in delivery.attempt_log] == [False, True]
    assert delivery.attempts == 2


async def test_a_redirect_is_not_followed(hooked: Hooked) -> None:
    elsewhere = Receiver().start()
    try:
        hooked.receiver.statuses = [302]
        hooked.receiver.location = elsewhere.url
        await hooked.api.create_ok({"email": "ann@example.net"})
        await arrived(hooked.receiver, 2)  # the first attempt and a retry, both refused
        assert elsewhere.received == []
    finally:
        elsewhere.close()


async def test_retries_follow_the_scaled_schedule_until_acknowledged(hooked: Hooked) -> None:
    hooked.receiver.statuses = [500, 500, 500, 200]
    # The schedule counts from the event, not from the first attempt (which a busy machine may
    # make late), so the retries are timed from a moment before the event was queued.
    before_event = time.time()
    await hooked.api.create_ok({"email": "ann@example.net"})
    received = await arrived(hooked.receiver, 4)
    await _wait_state(hooked, "delivered")
    assert len({r.json["eventId"] for r in received}) == 1
    # Each retry waits its (scaled) time after the event: 15, 30, 45 minutes.
    offsets = [r.at - before_event for r in received[1:]]
    assert offsets == sorted(offsets), offsets
    for offset, minutes in zip(offsets, (15, 30, 45), strict=True):
        assert offset >= minutes * 60 * RETRY_SCALE, offsets
    (delivery,) = await hooked.deliveries()
    assert [a.attempt for a in delivery.attempt_log] == [1, 2, 3, 4]
    assert delivery.next_attempt_at is None


async def test_a_refused_connection_is_retried_and_recorded(hooked: Hooked) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        dead_url = f"http://127.0.0.1:{probe.getsockname()[1]}/hooks"
    await hooked.storage.set_token_webhook(
        hooked.token_id, TokenWebhook(url=dead_url, client_secret="s" * 12)
    )
    await hooked.api.create_ok({"email": "ann@example.net"})
    for _ in range(200):
        (delivery,) = await hooked.deliveries()
        if delivery.attempts >= 2:
            break
        await asyncio.sleep(0.02)
    assert delivery.state == "pending"  # retried later, not given up
    assert delivery.attempt_log[0].status is None
    assert "could not connect" in (delivery.attempt_log[0].error or "")


async def test_a_receiver_that_never_answers_times_out(hooked: Hooked) -> None:
    hooked.receiver.delay = TIMEOUT * 4
    await hooked.api.create_ok({"email": "ann@example.net"})
    await arrived(hooked.receiver, 1)
    for _ in range(200):
        (delivery,) = await hooked.deliveries()
        if delivery.attempts >= 1:
            break
        await asyncio.sleep(0.02)
    assert delivery.attempt_log[0].error == f"no answer within {TIMEOUT:g} s"
    assert delivery.state == "pending"


async def test_a_dead_receiver_does_not_hold_up_the_api(hooked: Hooked) -> None:
    hooked.receiver.delay = TIMEOUT * 4
    ids = await asyncio.gather(
        *(hooked.api.create_ok({"email": f"c{n}@example.net"}) for n in range(100))
    )
    assert sorted(ids) == list(range(1, 101))
    # At most the dispatcher's slots for one endpoint are taken, whatever is queued.
    assert len(hooked.dispatcher._in_flight) <= hooked.dispatcher.concurrency
    assert len(await hooked.deliveries()) == 100


async def test_a_revoked_token_gets_nothing_more(hooked: Hooked) -> None:
    hooked.receiver.statuses = [500]
    await hooked.api.create_ok({"email": "ann@example.net"})
    await arrived(hooked.receiver, 1)
    assert await hooked.storage.revoke_token(hooked.token_id, now=NOW)
    count = len(hooked.receiver.received)
    await asyncio.sleep(RETRY_SCALE * 2700 * 1.5)  # past three retries
    assert len(hooked.receiver.received) <= count + 1  # one may have been under way
    (delivery,) = await hooked.deliveries()
    assert delivery.state == "cancelled"
    await hooked.api.create_ok({"email": "bob@example.net"})
    await asyncio.sleep(0.3)
    assert all(r.json["entityId"] == 1 for r in hooked.receiver.received)


async def test_removing_a_webhook_drops_what_is_queued(hooked: Hooked) -> None:
    await hooked.storage.set_webhooks_paused(1003, True)
    await hooked.api.create_ok({"email": "ann@example.net"})
    assert await hooked.storage.set_token_webhook(hooked.token_id, None)
    await hooked.storage.set_webhooks_paused(1003, False)
    await asyncio.sleep(0.3)
    assert hooked.receiver.received == []
    assert [d.state for d in await hooked.deliveries()] == ["cancelled"]


async def test_a_paused_store_keeps_its_deliveries_until_resumed(hooked: Hooked) -> None:
    await hooked.storage.set_webhooks_paused(1003, True)
    await hooked.api.create_ok({"email": "ann@example.net"})
    await asyncio.sleep(0.3)
    assert hooked.receiver.received == []
    await hooked.storage.set_webhooks_paused(1003, False)
    await arrived(hooked.receiver, 1)


async def test_a_backlog_for_a_slow_app_is_never_sent_twice(hooked: Hooked) -> None:
    # Claims last a little over one attempt; a backlog waiting behind the app's four slots
    # must not be claimed before it can start, or a second claim would send it again.
    hooked.dispatcher.lease = 1.0
    hooked.receiver.delay = 0.3
    for n in range(20):
        await hooked.api.create_ok({"email": f"c{n}@example.net"})
    received = await arrived(hooked.receiver, 20, within=30)
    await _wait_state(hooked, "delivered", within=30)
    await asyncio.sleep(0.5)
    ids = [got.json["eventId"] for got in hooked.receiver.received]
    assert len(ids) == len(set(ids)) == 20, len(received)
    assert all(d.attempts == 1 for d in await hooked.deliveries())


async def test_an_attempt_that_outlives_its_lease_is_not_started_again(hooked: Hooked) -> None:
    # The lease runs out three times over while the receiver thinks: the dispatcher that is
    # still making the attempt must not claim it again.
    hooked.dispatcher.lease = 0.1
    hooked.receiver.delay = 0.4
    await hooked.api.create_ok({"email": "ann@example.net"})
    await arrived(hooked.receiver, 1)
    await _wait_state(hooked, "delivered", within=10)
    await asyncio.sleep(0.3)
    assert len(hooked.receiver.received) == 1
