"""PostgreSQL storage: an asyncpg pool; every write one transaction, committed before it returns.

Unlike SQLite (one writer thread), any number of server processes may share the database, so
correctness rests on PostgreSQL's locks and constraints, not on one writer: see
``core/customers.py`` for the lock order. A write that PostgreSQL still aborts for a deadlock
or a serialization failure undid everything, so it is run again (a few times at most).

The schema is the migrations': :meth:`PostgresEngine.open` applies any that are pending (as
``ecwid-customers db upgrade`` does), under a lock so that processes starting together do not
migrate twice.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import TypeVar

from ecwid_customers.domain.models import GENERAL_GROUP_ID, CustomerDraft
from ecwid_customers.storage import migrate
from ecwid_customers.storage.core.session import Work
from ecwid_customers.storage.core.storage import SqlStorage
from ecwid_customers.storage.errors import NOT_OPEN, StorageError, StorageUnavailable
from ecwid_customers.storage.faults import FaultLog
from ecwid_customers.storage.postgres import db
from ecwid_customers.storage.postgres.creates import CreateBatcher
from ecwid_customers.storage.postgres.dialect import POSTGRES, PostgresSession
from ecwid_customers.storage.urls import postgres_dsn

T = TypeVar("T")

# Runs of a transaction that PostgreSQL aborted as a deadlock or serialization failure.
ATTEMPTS = 3
# How often the access listener is asked whether it still answers (a silent loss is caught
# within this, and meanwhile at most this long do kept access answers outlive a change).
LISTENER_CHECK_SECONDS = 10


class PostgresEngine:
    dialect = POSTGRES

    def __init__(self, url: str, *, min_connections: int = 1, max_connections: int = 10) -> None:
        postgres_dsn(url)  # a wrong URL is refused now, not at open()
        self.url = url
        self.min_connections = min_connections
        self.max_connections = max_connections
        self.faults = FaultLog()
        self._pool: db.Pool | None = None
        # One connection that only reserves ids for batched creates (``creates.py``): its
        # commits need not wait for a flush, which the session setting says once.
        self._reserve_pool: db.Pool | None = None
        # The change stamp (see change_stamp): counts notices of access changes while a
        # listener is connected; None while none is, when nothing is kept.
        self._listener: db.Listener | None = None
        self._listening: asyncio.Task[None] | None = None
        # Notices counted, and losses of the listener too: it only ever grows, so an answer
        # kept before a loss never matches again after the reconnection.
        self._notices = 0
        self._connected = False

    async def open(self) -> None:
        if self._pool is not None:
            return
        pool = await db.create_pool(
            self.url, min_size=self.min_connections, max_size=self.max_connections
        )
        try:
            async with pool.acquire() as connection:
                revision: str | None = None
                if await connection.fetchval("SELECT to_regclass('alembic_version') IS NOT NULL"):
                    revision = await connection.fetchval("SELECT version_num FROM alembic_version")
            migrate.check_not_newer(revision)
            if revision != migrate.HEAD:
                await asyncio.to_thread(migrate.upgrade, self.url)
            async with pool.acquire() as connection:
                # A standby, or a database set read-only, is refused now with the reason.
                if (
                    await connection.fetchval("SELECT current_setting('transaction_read_only')")
                    == "on"
                ):
                    raise StorageUnavailable("the database is read-only")
            reserve_pool = await db.create_pool(
                self.url, min_size=1, max_size=1, settings={"synchronous_commit": "off"}
            )
        except BaseException:
            await pool.close()
            raise
        self._pool, self._reserve_pool = pool, reserve_pool
        self._listening = asyncio.create_task(self._listen())

    async def _listen(self) -> None:
        """Keep a listener connected, reconnecting after a loss (every second at most), and
        ask it every few seconds whether it still answers."""
        try:
            while True:
                lost = asyncio.Event()
                try:
                    self._listener = await db.Listener.start(self.url, self._notice, lost.set)
                except Exception:  # the database is away: nothing is kept meanwhile
                    await asyncio.sleep(1)
                    continue
                self._notices += 1  # what changed while nobody listened
                self._connected = True
                while not lost.is_set():
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(lost.wait(), LISTENER_CHECK_SECONDS)
                    if not lost.is_set() and not await self._listener.alive(2):
                        lost.set()
                self._connected, self._listener = False, None
                self._notices += 1
                # Not at once: a database that drops connections would be asked again and
                # again. Meanwhile every access check reads the database, so nothing is stale.
                await asyncio.sleep(1)
        finally:
            self._connected = False
            if self._listener is not None:
                listener, self._listener = self._listener, None
                await listener.close()

    def _notice(self) -> None:
        self._notices += 1

    async def close(self) -> None:
        if self._listening is not None:
            listening, self._listening = self._listening, None
            listening.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await listening
        if self._pool is not None:
            pool, self._pool = self._pool, None
            await pool.close()  # waits for the connections in use to be released
        if self._reserve_pool is not None:
            reserve_pool, self._reserve_pool = self._reserve_pool, None
            await reserve_pool.close()

    @property
    def _opened(self) -> db.Pool:
        if self._pool is None:
            raise StorageUnavailable(NOT_OPEN)
        return self._pool

    def pool(self) -> db.Pool:
        return self._opened

    def reserve_pool(self) -> db.Pool:
        if self._reserve_pool is None:
            raise StorageUnavailable(NOT_OPEN)
        return self._reserve_pool

    async def problems(self) -> tuple[str, ...]:
        if self._pool is None:
            return (NOT_OPEN,)
        found = list(self.faults.faults)
        try:
            async with asyncio.timeout(2), self._pool.acquire() as connection:
                await connection.fetchval("SELECT 1")
        except Exception as error:  # whatever it is, the database is not answering
            found.append(f"the database does not answer: {db.unavailable(error) or error}")
        return tuple(found)

    def change_stamp(self) -> int | None:
        # Another process's change is seen by its notice (see stores.access_changed), which
        # arrives about half a round trip after its commit.
        return self._notices if self._connected else None

    def commit_stamp(self) -> int | None:
        return None  # notices come for access changes only, not for every commit

    def fault(self, error: Exception) -> StorageUnavailable | None:
        """``error`` as the database fault it is (logged sparingly), or ``None`` when it is
        the request's or the code's. (Not a context manager: contextlib sets the traceback
        of what passes through, which the frozen EcwidError a change may raise refuses.)"""
        kind = None if isinstance(error, StorageError) else db.unavailable(error)
        if kind is None:
            return None
        fault = StorageUnavailable(kind)
        self.faults.failed(fault)
        return fault

    async def _read(self, work: Work[T], *, snapshot: bool) -> T:
        try:
            async with self._opened.acquire() as connection:
                if not snapshot:
                    return await work(PostgresSession(connection))
                async with connection.transaction(isolation="repeatable_read", readonly=True):
                    return await work(PostgresSession(connection))
        except Exception as error:
            fault = self.fault(error)
            if fault is None:
                raise
            raise fault from None

    async def read(self, work: Work[T]) -> T:
        return await self._read(work, snapshot=False)

    async def read_long(self, work: Work[T]) -> T:
        # The server does the waiting: a long query holds a connection, not the event loop.
        return await self._read(work, snapshot=False)

    async def snapshot(self, work: Work[T]) -> T:
        return await self._read(work, snapshot=True)

    async def write(self, work: Work[T], *, short: bool = False) -> T:
        """Run ``work`` in one transaction; its result once that has committed (``short``
        changes nothing here)."""
        attempt = 1
        while True:
            try:
                async with self._opened.acquire() as connection, connection.transaction():
                    result = await work(PostgresSession(connection))
            except db.RETRYABLE:
                if attempt == ATTEMPTS:
                    raise
                attempt += 1
                continue
            except Exception as error:
                fault = self.fault(error)
                if fault is None:
                    raise
                raise fault from None
            self.faults.succeeded()
            return result


class PostgresStorage(SqlStorage):
    """The storage of a PostgreSQL database."""

    def __init__(self, url: str, *, min_connections: int = 1, max_connections: int = 10) -> None:
        engine = PostgresEngine(
            url, min_connections=min_connections, max_connections=max_connections
        )
        super().__init__(engine)
        self.url = url
        self.creates = CreateBatcher(
            engine.pool, engine.reserve_pool, engine.fault, engine.faults.succeeded, self._queued
        )

    async def close(self) -> None:
        await self.creates.drain()
        await super().close()

    async def create_customer(self, store_id: int, draft: CustomerDraft, *, now: int) -> int:
        if draft.customer.customer_group_id != GENERAL_GROUP_ID:
            # It must see its group exist until it commits: the general way (one transaction).
            return await super().create_customer(store_id, draft, now=now)
        return await self.creates.create(store_id, draft, now)
