"""Creates on PostgreSQL, committed together: group commit in each server process.

One transaction per create that also takes its id from the store's row holds that row until the
commit, so one store's creates take turns (one WAL flush and, with the database elsewhere, a few
network round trips each) however many processes serve it. Instead, the creates that wait at
the same moment form a batch, and each store's share of it costs two statements:

1. **Ids** for the whole share, reserved with one ``UPDATE stores ... RETURNING`` on a
   connection of its own with ``synchronous_commit`` off: the row is locked for one statement,
   not for a transaction, and its commit waits for no flush. That is safe: a reservation is
   flushed by the first commit that uses its ids (the WAL is written in order), and one lost
   in a crash only hands out again ids nobody has seen.
2. **Rows**, all in one ``INSERT ... SELECT FROM unnest(...) ON CONFLICT (store_id, email_key)
   DO NOTHING RETURNING id`` whose statement also adds the new customers to one of the store's
   count shares (not to its row, which would stay locked until the flush and make every
   process's batches take turns): one round trip and one commit (one flush) for the share. A
   create whose row is not returned lost its email to an existing customer or to an earlier
   create of the same batch, which wins as it would have in sequence; it answers
   ``EmailTaken`` and leaves its ids unused.

Ids of a store therefore stay unique and increase in each process, but a failed create leaves
a gap, and two processes' creates interleave (docs/compatibility.md says so). When the store
has webhook subscriptions, the rows and the outbox entries are written in one transaction.
Creates into a customer group other than General go the general way (``core/customers.py``):
they must see the group exist until they commit.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from ecwid_customers.domain.create import assign_ids, new_ids_needed
from ecwid_customers.domain.ids import MAX_ID
from ecwid_customers.domain.models import CustomerDraft
from ecwid_customers.domain.webhooks import CUSTOMER_CREATED, customer_event
from ecwid_customers.storage.core import outbox
from ecwid_customers.storage.core.ids import COUNT_SHARES
from ecwid_customers.storage.core.rows import encode
from ecwid_customers.storage.core.session import Row
from ecwid_customers.storage.errors import (
    EmailTaken,
    IdsExhausted,
    StorageUnavailable,
    StoreNotFound,
)
from ecwid_customers.storage.postgres import db
from ecwid_customers.storage.postgres.dialect import PostgresSession

logger = logging.getLogger(__name__)

# Large enough to amortise a flush over a burst, small enough that one statement stays short.
MAX_BATCH = 256
# Batches on their way at once. A batch spends most of its time waiting: on two round trips
# and on PostgreSQL's work and flush. One at a time, creates 1 ms from the database stopped
# near 1,000/s with the server and PostgreSQL half idle (34 ms a batch of 32); the next batch
# can be on its way meanwhile. Each reserves its own ids and writes its rows in email order,
# so two batches cannot deadlock, and a duplicate email in both is kept once (the unique index).
MAX_RUNNING = 2
# Runs of a share that PostgreSQL aborted (a deadlock, or a reset of the store under it).
ATTEMPTS = 3

_RESERVE = (
    "UPDATE stores SET next_customer_id = next_customer_id + $1, "
    "next_contact_id = next_contact_id + $2, next_address_id = next_address_id + $3 "
    "WHERE id = $4 RETURNING next_customer_id - $1, next_contact_id - $2, "
    "next_address_id - $3, webhook_subscriptions"
)

# The new customers count in a share of the store's count (``core/ids.py``), which also gives
# the subscriptions: an existing share's are read locked, so current (``core/outbox.py``
# rewrites every share's with the store's, holding them till its commit); a new share's come
# from the store's row as this statement saw it, and a change still under way waits for it.
_INSERT = """
WITH added AS (
    INSERT INTO customers (store_id, id, email_key, name_key, group_id, registered_at,
                           updated_at, password_hash, doc)
    SELECT $1, * FROM unnest($2::bigint[], $3::text[], $4::text[], $5::bigint[],
                             $6::bigint[], $7::bigint[], $8::text[], $9::jsonb[])
    ON CONFLICT (store_id, email_key) DO NOTHING
    RETURNING id
)
INSERT INTO customer_count_shares AS n (store_id, slot, customers, webhook_subscriptions)
SELECT $1, $10, count(*),
       coalesce((SELECT webhook_subscriptions FROM stores WHERE id = $1), '') FROM added
ON CONFLICT (store_id, slot) DO UPDATE SET customers = n.customers + excluded.customers
RETURNING (SELECT coalesce(array_agg(id), '{}') FROM added), n.webhook_subscriptions
"""

# Ids of creates that failed at the end of a share go back when nobody reserved after them,
# so that in sequence (a duplicate, then a create) no id is skipped, as on SQLite.
_GIVE_BACK = (
    "UPDATE stores SET next_customer_id = $1, next_contact_id = $2, next_address_id = $3 "
    "WHERE id = $4 AND next_customer_id = $5 AND next_contact_id = $6 AND next_address_id = $7"
)


# The next customer, contact and address ids of a store.
_Counters = tuple[int, int, int]


@dataclass(slots=True)
class _Create:
    store_id: int
    draft: CustomerDraft
    now: int
    future: asyncio.Future[int]
    # Filled in by the batch: the first id of each kind it took, and its row.
    ids: tuple[int, int, int] = (0, 0, 0)
    row: tuple[object, ...] = field(default=())

    @property
    def customer_id(self) -> int:
        return self.ids[0]


class CreateBatcher:
    """Takes creates from any number of requests; runs up to :data:`MAX_RUNNING` batches at
    a time."""

    def __init__(
        self,
        pool: Callable[[], db.Pool],
        reserve_pool: Callable[[], db.Pool],
        fault: Callable[[Exception], Exception | None],
        succeeded: Callable[[], None],
        queued: Callable[[], None],
    ) -> None:
        self._pool = pool
        self._reserve_pool = reserve_pool
        self._fault = fault
        self._succeeded = succeeded
        self._queued = queued
        self._waiting: list[_Create] = []
        self._runners: set[asyncio.Task[None]] = set()
        # Runners whose loop has not yet ended. Counted by the loop itself, not read from
        # ``_runners`` (which forgets a runner only in a done callback, a moment after its
        # loop ended): a create that came in between would otherwise wait for the next one.
        self._running = 0
        # Count shares the running batches write: each takes another (two batches in one
        # share would commit in turn).
        self._shares_held: set[int] = set()
        # Batches run, and creates in them: their ratio is the batching achieved.
        self.batches = 0
        self.creates = 0

    async def create(self, store_id: int, draft: CustomerDraft, now: int) -> int:
        """The new customer's id, once its row has committed."""
        future: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        self._waiting.append(_Create(store_id, draft, now, future))
        if self._running < MAX_RUNNING:
            self._running += 1
            runner = asyncio.create_task(self._run())
            self._runners.add(runner)
            runner.add_done_callback(self._runners.discard)
        # A caller that gives up (its client went away) does not cancel the batch.
        return await asyncio.shield(future)

    async def _run(self) -> None:
        try:
            while self._waiting:
                batch, self._waiting = self._waiting[:MAX_BATCH], self._waiting[MAX_BATCH:]
                self.batches += 1
                self.creates += len(batch)
                by_store: dict[int, list[_Create]] = {}
                for job in batch:
                    by_store.setdefault(job.store_id, []).append(job)
                for store_id, share in by_store.items():
                    await self._settle(store_id, share)
        finally:
            # No await between the empty queue seen above and this: a create that comes
            # after it starts a runner of its own.
            self._running -= 1

    async def _settle(self, store_id: int, share: list[_Create]) -> None:
        """Write one store's share of a batch and answer every create in it."""
        attempt = 1
        while True:
            try:
                created, ends = await self._write(store_id, share)
                break
            except db.RETRYABLE_BATCH:
                # PostgreSQL undid the statement: a deadlock with another process's batch
                # (emails in crossing order) or with a write that locked the store's row
                # first, or a reset of the store under these ids.
                if attempt == ATTEMPTS:
                    busy = StorageUnavailable("the database kept undoing the write; try again")
                    self._answer_all(share, busy)
                    return
                attempt += 1
            except db.ForeignKeyViolation:  # the store was deleted after the reservation
                self._answer_all(share, StoreNotFound(store_id))
                return
            except StoreNotFound as refusal:
                self._answer_all(share, refusal)
                return
            except Exception as error:
                self._answer_all(share, self._fault(error) or error)
                return
        self._succeeded()
        # Before the answers, so that whatever the callers do next reserves after it.
        await self._give_back(store_id, share, created, ends)
        for job in share:
            if job.future.done():
                continue
            if job.customer_id in created:
                job.future.set_result(job.customer_id)
            else:
                job.future.set_exception(EmailTaken())

    async def _give_back(
        self, store_id: int, share: list[_Create], created: set[int], ends: _Counters
    ) -> None:
        """``ends``: the counters as this share's reservation left them; the ids go back only
        while they still are (no batch has reserved since)."""
        unused = 0
        while unused < len(share) and share[-1 - unused].customer_id not in created:
            unused += 1
        if not unused:
            return
        first = share[-unused].ids
        try:
            async with self._reserve_pool().acquire() as connection:
                await connection.execute(_GIVE_BACK, *first, store_id, *ends)
        except Exception as error:  # the ids stay unused: a gap, which is allowed
            self._fault(error)

    @staticmethod
    def _answer_all(share: list[_Create], error: Exception) -> None:
        for job in share:
            if not job.future.done():
                job.future.set_exception(error)

    async def _write(self, store_id: int, share: list[_Create]) -> tuple[set[int], _Counters]:
        """The ids of the creates written, and the counters the share's reservation left."""
        subscriptions, ends = await self._number(store_id, share)
        if not share:
            return set(), ends
        # Email order: two batches that share emails wait on each other's rows in one order,
        # so they cannot deadlock. The sort is stable: of two equal emails the earlier wins.
        ordered = sorted(share, key=lambda job: job.draft.email_key)
        columns = list(zip(*(job.row for job in ordered), strict=True))
        slot = random.choice([n for n in range(COUNT_SHARES) if n not in self._shares_held])
        self._shares_held.add(slot)
        try:
            return await self._insert(store_id, share, columns, slot, subscriptions), ends
        finally:
            self._shares_held.discard(slot)

    async def _insert(
        self,
        store_id: int,
        share: list[_Create],
        columns: list[tuple[object, ...]],
        slot: int,
        subscriptions: str | None,
    ) -> set[int]:
        """Insert the rows and queue their events (``subscriptions``: as the reservation
        read them); the ids of the rows written."""
        async with self._pool().acquire() as connection:
            if not subscriptions:
                row = await connection.fetchrow(_INSERT, store_id, *columns, slot)
                added = set(row[0]) if row is not None else set()
                if row is None or not row[1]:
                    return added
                # A webhook was added between the reservation and the insert: the rows are
                # committed already, so their events are queued right after. Should that
                # fail (or the process die in between) the events are lost, not the rows,
                # whose creates are answered as made; the window is one round trip wide.
                try:
                    async with connection.transaction():
                        session = PostgresSession(connection)
                        queued = await self._announce(session, store_id, share, added, row)
                except Exception:
                    logger.exception("customer.created events of %d creates lost", len(added))
                    queued = 0
            else:
                async with connection.transaction():
                    row = await connection.fetchrow(_INSERT, store_id, *columns, slot)
                    added = set(row[0]) if row is not None else set()
                    session = PostgresSession(connection)
                    queued = await self._announce(session, store_id, share, added, row)
        if queued:
            self._queued()
        return added

    async def _number(self, store_id: int, share: list[_Create]) -> tuple[str | None, _Counters]:
        """Reserve the share's ids and give each create its row; the store's webhook
        subscriptions, read on the way, and the counters the reservation left."""
        needs = [new_ids_needed(job.draft.customer) for job in share]
        contacts = sum(need[0] for need in needs)
        addresses = sum(need[1] for need in needs)
        async with self._reserve_pool().acquire() as connection:
            row = await connection.fetchrow(_RESERVE, len(share), contacts, addresses, store_id)
        if row is None:
            raise StoreNotFound(store_id)
        customer_id, contact_id, address_id, subscriptions = row[0], row[1], row[2], row[3]
        ends = (customer_id + len(share), contact_id + contacts, address_id + addresses)
        for job, (job_contacts, job_addresses) in zip(share, needs, strict=True):
            if customer_id > MAX_ID and not job.future.done():
                job.future.set_exception(IdsExhausted(store_id))
            numbered = assign_ids(
                job.draft.customer,
                customer_id=customer_id,
                first_contact_id=contact_id,
                first_address_id=address_id,
            )
            job.ids = (customer_id, contact_id, address_id)
            draft = job.draft
            job.row = (
                customer_id,
                draft.email_key,
                draft.name_key,
                numbered.customer_group_id,
                job.now,
                job.now,
                draft.password_hash,
                encode(numbered).decode(),
            )
            customer_id += 1
            contact_id += job_contacts
            address_id += job_addresses
        # A create past the last id is refused above; the rest of the share goes on.
        share[:] = [job for job in share if not job.future.done()]
        return (str(subscriptions) if subscriptions else None), ends

    @staticmethod
    async def _announce(
        session: PostgresSession,
        store_id: int,
        share: list[_Create],
        added: set[int],
        row: Row | None,
    ) -> int:
        """Queue ``customer.created`` for each create kept, to the subscriptions the insert's
        own statement read from the store's row (locked there, so current: a token's webhook
        may have changed since the reservation)."""
        if row is None or not row[1]:
            return 0
        subscriptions = str(row[1])
        queued = 0
        for job in share:
            if job.customer_id in added:
                event = customer_event(CUSTOMER_CREATED, job.customer_id, job.draft.customer.email)
                queued += await outbox.queue(
                    session, store_id, event, job.now, time.time(), subscriptions=subscriptions
                )
        return queued

    async def drain(self) -> None:
        """Wait until every create taken has its answer (before the pool closes)."""
        while self._runners:
            await asyncio.shield(next(iter(self._runners)))
