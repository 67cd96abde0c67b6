"""SQLite storage: WAL, ``synchronous=FULL``, one group-committing writer, and readers.

Lookups by key (a customer, a token) take microseconds, so they run directly on the event
loop's own connection: a thread hop would cost more than the read. Searches and listings can
take longer and run on reader threads so they never hold up other requests. In WAL mode no
reader waits for the writer, and every read sees the last commit. Writes go to the writer
(``writer.py``), together in a batch that commits once on its thread, a failing write
undone alone (see there for how).
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Awaitable
from pathlib import Path
from typing import TypeVar

from ecwid_customers.domain.models import GENERAL_GROUP_ID, CustomerDraft
from ecwid_customers.storage import migrate
from ecwid_customers.storage.core.session import Work, run_sync
from ecwid_customers.storage.core.storage import SqlStorage
from ecwid_customers.storage.errors import NOT_OPEN, StorageUnavailable
from ecwid_customers.storage.faults import FaultLog, sqlite_fault
from ecwid_customers.storage.sqlite import checkpoints, creates, text_index
from ecwid_customers.storage.sqlite import connection as sqlite_connection
from ecwid_customers.storage.sqlite.dialect import SQLITE, SQLiteSession
from ecwid_customers.storage.sqlite.readers import ReaderPool
from ecwid_customers.storage.sqlite.trigram_counts import TrigramCounts
from ecwid_customers.storage.sqlite.wal_index import WalIndexHeader
from ecwid_customers.storage.sqlite.writer import GroupCommitWriter

T = TypeVar("T")


def _in_snapshot(connection: sqlite3.Connection, work: Work[T], counts: TrigramCounts) -> T:
    """``work`` inside one read transaction: every statement sees the same commit."""
    connection.execute("BEGIN")
    try:
        return run_sync(work(SQLiteSession(connection, counts)))
    finally:
        connection.execute("COMMIT")


class SQLiteEngine:
    dialect = SQLITE

    def __init__(self, path: Path) -> None:
        self.path = path
        self._writer: GroupCommitWriter | None = None
        self._reader: SQLiteSession | None = None
        self._readers: ReaderPool | None = None
        self._wal_index: WalIndexHeader | None = None
        self._checkpointer: checkpoints.Checkpointer | None = None
        self.faults = FaultLog()
        self._trigram_counts = TrigramCounts()

    def _connect(self) -> sqlite3.Connection:
        connection = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        sqlite_connection.configure(connection)
        return connection

    def _connect_writer(self) -> sqlite3.Connection:
        connection = self._connect()
        # The checkpointer thread copies the WAL back; this connection only past the backstop.
        connection.execute(f"PRAGMA wal_autocheckpoint = {checkpoints.BACKSTOP_PAGES}")
        return connection

    def _frames_to_copy(self) -> int | None:
        return None if self._wal_index is None else self._wal_index.frames_to_copy()

    async def open(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        revision = migrate.sqlite_revision(self.path)
        migrate.check_not_newer(revision)
        if revision != migrate.HEAD:
            await asyncio.to_thread(migrate.upgrade, f"sqlite:///{self.path}")
        setup = self._connect()
        try:
            setup.execute("PRAGMA journal_mode = WAL")  # persistent; set here for new files
            # A file the server cannot write is found now, with the reason, not at the first
            # create (taking the write lock needs the file and its directory writable).
            setup.execute("BEGIN IMMEDIATE")
            setup.execute("ROLLBACK")
        except sqlite3.OperationalError as error:
            fault = sqlite_fault(error)
            if fault is None:
                raise
            raise StorageUnavailable(f"{fault.kind} ({self.path})") from None
        finally:
            setup.close()
        reader = self._connect()
        reader.execute("PRAGMA query_only = ON")
        # A first read sets up the WAL index, whose header then gives the change stamp.
        reader.execute("SELECT count(*) FROM sqlite_master").fetchone()
        self._wal_index = WalIndexHeader.open(self.path)
        self._reader = SQLiteSession(reader, self._trigram_counts)
        self._readers = ReaderPool(self._connect)
        self._checkpointer = checkpoints.Checkpointer(self._connect, self._frames_to_copy)
        self._checkpointer.start()
        self._writer = GroupCommitWriter(
            self._connect_writer,
            before_commit=text_index.flush,
            after_commit=self._checkpointer.nudge,
        )
        self._writer.start()

    async def close(self) -> None:
        if self._writer is not None:
            writer, self._writer = self._writer, None
            await asyncio.to_thread(writer.stop)
        if self._checkpointer is not None:  # after the writer: nothing nudges it any more
            checkpointer, self._checkpointer = self._checkpointer, None
            await asyncio.to_thread(checkpointer.stop)
        if self._readers is not None:
            readers, self._readers = self._readers, None
            await asyncio.to_thread(readers.close)
        if self._reader is not None:
            self._reader.connection.close()
            self._reader = None
        if self._wal_index is not None:  # after every connection (see wal_index.py)
            wal_index, self._wal_index = self._wal_index, None
            wal_index.close()

    async def problems(self) -> tuple[str, ...]:
        if self._reader is None or self._writer is None:
            return (NOT_OPEN,)
        found = list(self.faults.faults)
        if not self._writer.running:
            found.append("the SQLite writer thread has stopped")
        try:
            self._reader.connection.execute("SELECT 1 FROM stores LIMIT 1").fetchall()
        except sqlite3.Error as error:
            found.append(f"the database cannot be read: {error}")
        return tuple(found)

    def change_stamp(self) -> int | None:
        # Every commit (the writer's, another process's) rewrites the WAL-index header; where
        # it cannot be mapped, SQLite changes data_version on this connection whenever another
        # connection commits (the loop's reader never writes itself).
        if self._reader is None:
            return None
        if self._wal_index is not None:
            mapped = self._wal_index.stamp()
            if mapped is not None:
                return mapped
        try:
            stamp: int = self._reader.connection.execute("PRAGMA data_version").fetchone()[0]
        except sqlite3.Error:
            return None  # nothing is reused; the read that follows reports the fault
        return stamp

    def commit_stamp(self) -> int | None:
        return self.change_stamp()  # SQLite's stamp moves with every commit

    async def read(self, work: Work[T]) -> T:
        if self._reader is None:
            raise StorageUnavailable(NOT_OPEN)
        try:
            return await work(self._reader)  # a SQLite session never suspends: no thread hop
        except StorageUnavailable as fault:
            self.faults.failed(fault)
            raise

    async def read_long(self, work: Work[T]) -> T:
        if self._readers is None:
            raise StorageUnavailable(NOT_OPEN)
        try:
            return await self._readers.run(
                lambda connection: _in_snapshot(connection, work, self._trigram_counts)
            )
        except StorageUnavailable as fault:
            self.faults.failed(fault)
            raise

    async def snapshot(self, work: Work[T]) -> T:
        return await self.read_long(work)

    async def write(self, work: Work[T], *, short: bool = False) -> T:
        if self._writer is None:
            raise StorageUnavailable(NOT_OPEN)
        job = self._writer.submit(lambda c: run_sync(work(SQLiteSession(c))), short=short)
        return await self._written(job)

    async def create(self, store_id: int, draft: CustomerDraft, now: int) -> creates.Created:
        """A create written together with the creates beside it in the writer's batch."""
        if self._writer is None:
            raise StorageUnavailable(NOT_OPEN)
        new = creates.NewCustomer(store_id, draft, now)
        created: creates.Created = await self._written(
            self._writer.submit_together(creates.write, new)
        )
        return created

    async def _written(self, done: Awaitable[T]) -> T:
        try:
            result = await done
        except StorageUnavailable as fault:
            self.faults.failed(fault)
            raise
        self.faults.succeeded()
        return result


class SQLiteStorage(SqlStorage):
    """The storage of a SQLite file."""

    engine: SQLiteEngine

    def __init__(self, path: Path) -> None:
        super().__init__(SQLiteEngine(path))
        self.path = path

    async def create_customer(self, store_id: int, draft: CustomerDraft, *, now: int) -> int:
        if draft.customer.customer_group_id != GENERAL_GROUP_ID:
            # It must see its group exist until it commits: the general way.
            return await super().create_customer(store_id, draft, now=now)
        created = await self.engine.create(store_id, draft, now)
        if created.queued:
            self._queued()
        return created.customer_id
