"""What only the PostgreSQL engine does: creates committed together, access answers kept
until another process's notice."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import psycopg
import pytest

from ecwid_customers.domain.create import build_new_customer
from ecwid_customers.domain.inputs import CustomerInput, ShippingAddressInput
from ecwid_customers.domain.models import CustomerDraft, Store
from ecwid_customers.domain.tokens import hash_token
from ecwid_customers.storage.base import NewToken
from ecwid_customers.storage.errors import EmailTaken, StoreNotFound
from ecwid_customers.storage.outbox import TokenWebhook
from ecwid_customers.storage.postgres.creates import CreateBatcher
from ecwid_customers.storage.postgres.storage import PostgresStorage

NOW = 1_704_067_200
STORE = Store(id=1003, languages=("en",))


def new_customer(email: str, *, addresses: int = 0) -> CustomerDraft:
    shipping = [ShippingAddressInput(name=f"Address {n}") for n in range(addresses)]
    sent = CustomerInput(email=email, shipping_addresses=shipping)
    return build_new_customer(sent, store=STORE, now=NOW)


async def create_at_once(storage: PostgresStorage, prefix: str, count: int) -> list[int]:
    """``count`` creates into store 1003 at one moment (so that they share batches)."""
    return list(
        await asyncio.gather(
            *(
                storage.create_customer(1003, new_customer(f"{prefix}{n}@example.net"), now=NOW)
                for n in range(count)
            )
        )
    )


def created_deliveries(url: str) -> list[int]:
    """The customers that ``customer.created`` deliveries are queued for, in id order."""
    with psycopg.connect(url) as connection:
        rows = connection.execute(
            "SELECT entity_id FROM webhook_deliveries WHERE event_type = 'customer.created' "
            "ORDER BY entity_id"
        ).fetchall()
    return [row[0] for row in rows]


@pytest.fixture
async def storage(postgres_database: str) -> AsyncIterator[PostgresStorage]:
    opened = PostgresStorage(postgres_database)
    await opened.open()
    await opened.create_store(STORE, now=NOW)
    yield opened
    await opened.close()


async def test_creates_waiting_together_share_a_batch(storage: PostgresStorage) -> None:
    emails = [f"c{n}@example.net" for n in range(40)]
    ids = await asyncio.gather(
        *(storage.create_customer(1003, new_customer(e, addresses=1), now=NOW) for e in emails)
    )
    assert sorted(ids) == list(range(1, 41))
    assert storage.creates.batches < storage.creates.creates  # some shared a statement
    page = await storage.get_store(1003)
    assert page is not None
    assert page.customers == 40
    # Every sub-record got an id of its own.
    customers = [await storage.get_customer(1003, i) for i in ids]
    address_ids = [c.shipping_addresses[0].id for c in customers if c is not None]
    assert len(set(address_ids)) == 40


async def test_one_email_created_at_once_many_times_is_kept_once(
    storage: PostgresStorage,
) -> None:
    results = await asyncio.gather(
        *(
            storage.create_customer(1003, new_customer(f"Same{n % 2}@Example.net"), now=NOW)
            for n in range(20)
        ),
        return_exceptions=True,
    )
    kept = [r for r in results if isinstance(r, int)]
    refused = [r for r in results if isinstance(r, EmailTaken)]
    assert len(kept) == 2  # one per email, whatever the case
    assert len(refused) == 18
    assert results[0] in kept  # the first of each email wins, as in sequence
    assert results[1] in kept
    summary = await storage.get_store(1003)
    assert summary is not None
    assert summary.customers == 2


async def test_two_storages_creating_at_once_never_share_an_id(
    storage: PostgresStorage, postgres_database: str
) -> None:
    other = PostgresStorage(postgres_database)
    await other.open()
    try:
        made = await asyncio.gather(
            *(
                (storage if n % 2 else other).create_customer(
                    1003, new_customer(f"p{n}@example.net"), now=NOW
                )
                for n in range(60)
            )
        )
    finally:
        await other.close()
    assert len(set(made)) == 60
    summary = await storage.get_store(1003)
    assert summary is not None
    assert summary.customers == 60


async def test_a_failed_create_gives_its_id_back_only_when_nobody_took_later_ones(
    storage: PostgresStorage, postgres_database: str
) -> None:
    assert await storage.create_customer(1003, new_customer("a@example.net"), now=NOW) == 1
    with pytest.raises(EmailTaken):
        await storage.create_customer(1003, new_customer("a@example.net"), now=NOW)
    assert await storage.create_customer(1003, new_customer("b@example.net"), now=NOW) == 2
    # Another process reserves between a failed create's reservation and its give-back: the
    # failed id stays unused (a gap), never handed out twice.
    other = PostgresStorage(postgres_database)
    await other.open()
    try:
        failing = asyncio.ensure_future(
            storage.create_customer(1003, new_customer("a@example.net"), now=NOW)
        )
        made = await other.create_customer(1003, new_customer("c@example.net"), now=NOW)
        with pytest.raises(EmailTaken):
            await failing
        after = await storage.create_customer(1003, new_customer("d@example.net"), now=NOW)
    finally:
        await other.close()
    assert made > 2
    assert after > made


async def test_batches_on_their_way_at_once_give_back_only_their_own_ids(
    storage: PostgresStorage, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A batch whose last create failed gives its ids back only while the counters are as its
    own reservation left them: a second batch reserving meanwhile keeps the ids after it."""
    assert await storage.create_customer(1003, new_customer("a@example.net"), now=NOW) == 1
    reserved, go_on = asyncio.Event(), asyncio.Event()
    number = CreateBatcher._number

    async def number_then_wait(
        self: CreateBatcher, store_id: int, share: list[Any]
    ) -> tuple[str | None, tuple[int, int, int]]:
        found = await number(self, store_id, share)
        if not reserved.is_set():  # the first batch waits, its ids reserved, before its insert
            reserved.set()
            await go_on.wait()
        return found

    monkeypatch.setattr(CreateBatcher, "_number", number_then_wait)
    failing = asyncio.ensure_future(
        storage.create_customer(1003, new_customer("a@example.net"), now=NOW)
    )
    await reserved.wait()
    made = await asyncio.wait_for(
        storage.create_customer(1003, new_customer("c@example.net"), now=NOW), 10
    )
    go_on.set()
    with pytest.raises(EmailTaken):
        await failing
    later = [
        await storage.create_customer(1003, new_customer(f"{name}@example.net"), now=NOW)
        for name in "def"
    ]
    assert made == 3  # id 2 went to the first batch's create
    assert later == [4, 5, 6]  # 2 stays a gap: 3 was reserved after it


async def test_a_create_in_a_missing_store_is_refused(storage: PostgresStorage) -> None:
    with pytest.raises(StoreNotFound):
        await storage.create_customer(4004, new_customer("a@example.net"), now=NOW)


async def test_batched_creates_queue_their_webhooks_in_their_transaction(
    storage: PostgresStorage,
) -> None:
    token = NewToken(
        token_hash=hash_token("secret_hooked"),
        kind="secret",
        scopes=("read_customers",),
        hint="hook",
        webhook=TokenWebhook(url="http://127.0.0.1:9/hook", client_secret="s" * 16),
    )
    await storage.create_token(1003, token, now=NOW)
    ids = await create_at_once(storage, "w", 5)
    with pytest.raises(EmailTaken):
        await storage.create_customer(1003, new_customer("w0@example.net"), now=NOW)
    assert created_deliveries(storage.url) == sorted(ids)  # one each, none for the refused one


async def test_access_answers_are_not_kept_while_nobody_listens(
    storage: PostgresStorage,
) -> None:
    engine = storage.engine

    async def stamp_is(expected_none: bool) -> bool:
        for _ in range(500):
            if (engine.change_stamp() is None) == expected_none:
                return True
            await asyncio.sleep(0.01)
        return False

    assert await stamp_is(False)
    with psycopg.connect(storage.url, autocommit=True) as connection:
        connection.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE application_name = 'ecwid-customers listener' AND datname = current_database()"
        )
    assert await stamp_is(True)  # the listener is gone: every access check asks again
    assert await stamp_is(False)  # and back, after at most a second


async def test_an_answer_kept_before_a_listener_loss_is_not_reused_after_it(
    storage: PostgresStorage, postgres_database: str
) -> None:
    """A change made while nobody listened sends its notice to no one: what was kept before
    the loss must not count again once the listener is back, however many notices follow."""
    engine = storage.engine
    await storage.create_store(Store(id=2002, languages=("en",)), now=NOW)
    token_hash = hash_token("secret_kept")
    token = NewToken(token_hash=token_hash, kind="secret", scopes=("read_customers",), hint="k")
    info = await storage.create_token(1003, token, now=NOW)

    async def stamp() -> int:
        for _ in range(300):  # a listener (back) within a second or so
            found = engine.change_stamp()
            if found is not None:
                return found
            await asyncio.sleep(0.01)
        raise AssertionError("the listener did not come back")

    kept_at = await stamp()
    assert (await storage.access(1003, token_hash)).grant is not None  # kept from here on
    with psycopg.connect(storage.url, autocommit=True) as connection:
        connection.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE application_name = 'ecwid-customers listener' AND datname = current_database()"
        )
        # Revoked by hand while the listener is away (as another process would): no notice.
        connection.execute("UPDATE tokens SET revoked_at = 1 WHERE id = %s", (info.id,))
    other = PostgresStorage(postgres_database)
    await other.open()
    try:
        # The count never goes back, so nothing kept before the loss can match it again.
        assert await stamp() > kept_at
        # Notices about another store, until the count is well past where the answer was kept.
        for limit in range(1, kept_at + 5):
            before = await stamp()
            assert (await storage.access(1003, token_hash)).grant is None
            await other.set_store_rate_limit(2002, limit)
            for _ in range(300):  # this change's notice, counted
                if (engine.change_stamp() or 0) > before:
                    break
                await asyncio.sleep(0.01)
            assert (await storage.access(1003, token_hash)).grant is None
    finally:
        await other.close()


async def test_a_store_deleted_between_reservation_and_insert_refuses_the_batch(
    storage: PostgresStorage, monkeypatch: pytest.MonkeyPatch
) -> None:
    await storage.create_customer(1003, new_customer("before@example.net"), now=NOW)
    number = CreateBatcher._number

    async def number_then_delete(
        self: CreateBatcher, store_id: int, share: list[Any]
    ) -> tuple[str | None, tuple[int, int, int]]:
        found = await number(self, store_id, share)
        with psycopg.connect(storage.url, autocommit=True) as other:  # another server, say
            other.execute("DELETE FROM stores WHERE id = %s", (store_id,))
        return found

    monkeypatch.setattr(CreateBatcher, "_number", number_then_delete)
    results = await asyncio.gather(
        *(
            storage.create_customer(1003, new_customer(f"d{n}@example.net"), now=NOW)
            for n in range(3)
        ),
        return_exceptions=True,
    )
    assert all(isinstance(result, StoreNotFound) for result in results), results
    assert await storage.get_store(1003) is None


async def test_a_webhook_added_between_reservation_and_insert_still_gets_its_events(
    storage: PostgresStorage, monkeypatch: pytest.MonkeyPatch
) -> None:
    number = CreateBatcher._number
    hooked = NewToken(
        token_hash=hash_token("secret_late_hook"),
        kind="secret",
        scopes=("read_customers",),
        hint="late",
        webhook=TokenWebhook(url="http://127.0.0.1:9/hook", client_secret="s" * 16),
    )

    async def number_then_subscribe(
        self: CreateBatcher, store_id: int, share: list[Any]
    ) -> tuple[str | None, tuple[int, int, int]]:
        found = await number(self, store_id, share)  # read before the webhook exists
        monkeypatch.setattr(CreateBatcher, "_number", number)
        await storage.create_token(store_id, hooked, now=NOW)
        return found

    monkeypatch.setattr(CreateBatcher, "_number", number_then_subscribe)
    ids = await create_at_once(storage, "h", 3)
    assert created_deliveries(storage.url) == sorted(ids)


async def test_a_batch_commits_while_another_transaction_holds_the_store_row(
    storage: PostgresStorage, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Batches count their customers in shares, not on the store's row: a batch that locked
    the row until its commit would make every other process's batches wait for its flush."""
    number = CreateBatcher._number
    holders: list[psycopg.Connection[Any]] = []

    async def number_then_lock(
        self: CreateBatcher, store_id: int, share: list[Any]
    ) -> tuple[str | None, tuple[int, int, int]]:
        found = await number(self, store_id, share)
        holder = psycopg.connect(storage.url)  # another server's write, under way
        holder.execute("SELECT 1 FROM stores WHERE id = %s FOR NO KEY UPDATE", (store_id,))
        holders.append(holder)
        return found

    monkeypatch.setattr(CreateBatcher, "_number", number_then_lock)
    try:
        made = await asyncio.wait_for(
            storage.create_customer(1003, new_customer("locked@example.net"), now=NOW), 10
        )
    finally:
        for holder in holders:
            holder.close()
    assert made == 1
    summary = await storage.get_store(1003)
    assert summary is not None
    assert summary.customers == 1


async def test_the_count_adds_batches_in_shares_to_the_stores_own(
    storage: PostgresStorage,
) -> None:
    await create_at_once(storage, "s", 30)
    assert await storage.delete_customer(1003, 1, now=NOW)  # counted on the store's row
    with psycopg.connect(storage.url) as connection:
        own, shared = connection.execute(
            "SELECT customer_count, (SELECT sum(customers) FROM customer_count_shares "
            "WHERE store_id = 1003) FROM stores WHERE id = 1003"
        ).fetchone() or (None, None)
    assert (own, shared) == (-1, 30)
    summary = await storage.get_store(1003)
    assert summary is not None
    assert summary.customers == 29


async def test_a_create_that_comes_as_the_last_runner_ends_is_still_written(
    storage: PostgresStorage, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The moment between a runner's loop ending and its task's done callbacks: a create
    that arrives then must start a runner, not wait for some later create to start one."""
    monkeypatch.setattr("ecwid_customers.storage.postgres.creates.MAX_RUNNING", 1)
    settle = CreateBatcher._settle
    settled = asyncio.Event()

    async def settle_then_signal(self: CreateBatcher, store_id: int, share: list[Any]) -> None:
        await settle(self, store_id, share)
        # Wakes the waiter below right after this runner's loop ends (its last step), before
        # the callbacks that the runner's task schedules as it finishes.
        settled.set()

    monkeypatch.setattr(CreateBatcher, "_settle", settle_then_signal)

    async def create_once_settled() -> int:
        await settled.wait()
        return await storage.create_customer(1003, new_customer("late@example.net"), now=NOW)

    late = asyncio.ensure_future(create_once_settled())
    first = await storage.create_customer(1003, new_customer("first@example.net"), now=NOW)
    assert first == 1
    assert await asyncio.wait_for(late, 5) == 2


async def test_a_webhook_removed_after_batches_queued_for_it_gets_no_more(
    storage: PostgresStorage, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The batch reads the subscriptions from its count share: removing the webhook must
    rewrite every share's copy, or later batches would still queue deliveries for it."""
    # Every batch in the first free share, so that the batches after the change use a share
    # the batches before it wrote.
    monkeypatch.setattr(
        "ecwid_customers.storage.postgres.creates.random.choice", lambda free: free[0]
    )
    hooked = NewToken(
        token_hash=hash_token("secret_removed_hook"),
        kind="secret",
        scopes=("read_customers",),
        hint="gone",
        webhook=TokenWebhook(url="http://127.0.0.1:9/hook", client_secret="s" * 16),
    )
    token = await storage.create_token(1003, hooked, now=NOW)
    before = await create_at_once(storage, "w", 8)
    assert await storage.set_token_webhook(token.id, None)
    await create_at_once(storage, "x", 8)
    assert created_deliveries(storage.url) == sorted(before)
