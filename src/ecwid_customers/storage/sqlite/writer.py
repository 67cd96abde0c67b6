"""The writer that commits waiting writes together (group commit).

SQLite allows one writer at a time and, with ``synchronous=FULL``, every commit waits for an
fsync. Committing per request caps creates at the fsync rate and blocks the event loop while it
waits (about 2,200 creates/s measured here). Instead every write is a job; the jobs waiting at
one moment form a batch, each runs so that one failing job, say a duplicate email, is undone
alone (inside its own SAVEPOINT, or see below for the batches the event loop runs), the batch
commits once, and only then are the callers
woken. A caller's await therefore returns only after its data is durable, and a batch costs one
fsync. One batch is on its way at a time; the jobs that come meanwhile form the next.

Where a batch runs: the commit (and its fsync) always on the writer's thread, so the event
loop goes on serving meanwhile. A batch of *short* jobs (a few statements on a row or two: a
PUT) runs its statements on the event loop's thread first: on the writer's thread each
statement gives up the GIL and then waits to take it back from the busy event loop, and for a
PUT that waiting cost more than the work (PUT at 64 connections: 4,200-5,600/s with its
statements on the writer's thread, 6,500-7,800/s on the loop's, in alternating runs). The loop
runs at most ``MAX_ON_LOOP`` of them in one batch, so that a burst of PUTs holds every other
request up for a few milliseconds at most. It runs them without a savepoint each (the
``SAVEPOINT`` and ``RELEASE`` cost about a fifth of a PUT's SQL): a job that fails without
having changed a row (a PUT of a customer that is not there) leaves nothing to undo, and
when one fails after changing one, the loop rolls the batch back and hands it whole to the
writer's thread, which runs it again the careful way. The jobs are written to be run again
(PostgreSQL retries its transactions too). Any other
batch (creates, imports, webhook bookkeeping) runs whole on the writer's thread, so a long job
never holds up the event loop. The transaction is begun on the event loop only when SQLite's
write lock is free at once; when another process holds it, the writer's thread waits for it.
The writer's connection is opened on its thread too (the first batch, and the first after a
failure, run whole there): opening it reads the schema, which another process can lock.

Jobs of one kind that run side by side in a batch can be written together: a job submitted
with :meth:`GroupCommitWriter.submit_together` names a function that takes the payloads of
every such job in a row of the batch and answers each (creates, ``creates.py``). The thread
then runs one savepoint and a few statements for the row instead of several per job, and
takes the GIL back that many times fewer.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from ecwid_customers import metrics
from ecwid_customers.storage.errors import StorageUnavailable
from ecwid_customers.storage.faults import sqlite_fault

logger = logging.getLogger(__name__)

T = TypeVar("T")
P = TypeVar("P")

# Writes the payloads of adjacent jobs in one go; per payload, its result or its error.
Together = Callable[[sqlite3.Connection, list[Any]], list[Any]]

# How long the writer's thread waits for another process's write lock (as every connection).
BUSY_TIMEOUT_MS = 10_000

# Enough to amortise one fsync over a burst, small enough to keep a batch's latency short.
MAX_BATCH = 256
# Short jobs the event loop runs in one batch: at about 80 µs each under load, 64 hold the
# loop (every other request of every store) up for about 5 ms; the rest wait for the next.
MAX_ON_LOOP = 64


@dataclass(slots=True)
class _Job:
    work: Callable[[sqlite3.Connection], Any] | None
    loop: asyncio.AbstractEventLoop
    future: asyncio.Future[Any]
    result: Any = None
    error: BaseException | None = None
    # A job written together with its like (``work`` is None then).
    together: Together | None = None
    payload: Any = None
    # A few statements on a row or two: may run on the caller's event loop.
    short: bool = False


def _settle(jobs: list[_Job]) -> None:
    """Runs on the event loop: hand each caller its result (unless it gave up waiting)."""
    for job in jobs:
        if job.future.done():  # cancelled: the caller gave up waiting
            continue
        if job.error is None:
            job.future.set_result(job.result)
            continue
        try:
            job.future.set_exception(job.error)
        except TypeError:  # StopIteration and its kind cannot be raised into a future
            failure = RuntimeError(f"the write raised {type(job.error).__name__}")
            failure.__cause__ = job.error
            job.future.set_exception(failure)


class GroupCommitWriter:
    def __init__(
        self,
        connect: Callable[[], sqlite3.Connection],
        before_commit: Callable[[sqlite3.Connection], None] | None = None,
        after_commit: Callable[[], None] | None = None,
    ) -> None:
        self._connect = connect
        # Work for the whole batch, in its transaction (the text index's new rows).
        self._before_commit = before_commit
        # Told after each commit, before the callers are woken (the checkpointer).
        self._after_commit = after_commit
        self._lock = threading.Lock()
        self._pending: list[_Job] = []
        self._busy = False  # a batch is on its way; the jobs that come meanwhile wait for it
        self._idle = threading.Event()
        self._idle.set()
        self._thread: concurrent.futures.ThreadPoolExecutor | None = None
        self._stopping = False
        # Used by one thread at a time: the one the batch is on its way on.
        self._connection: sqlite3.Connection | None = None
        # Transactions committed, and jobs in them: their ratio is the batching achieved.
        self.commits = 0
        self.jobs = 0

    def start(self) -> None:
        self._thread = concurrent.futures.ThreadPoolExecutor(1, "sqlite-writer")

    @property
    def running(self) -> bool:
        return self._thread is not None and not self._stopping

    def stop(self) -> None:
        """Finish every job already queued, then close. Call it off the event loop (say with
        ``asyncio.to_thread``) while jobs may still be on their way: they need the loop."""
        if self._thread is None or self._stopping:
            return
        self._stopping = True  # no more jobs; the ones queued go on
        self._idle.wait()
        self._thread.shutdown()
        self._thread = None
        self._stopping = False
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def submit(
        self, work: Callable[[sqlite3.Connection], T], *, short: bool = False
    ) -> asyncio.Future[T]:
        """Queue ``work``; the future resolves after the transaction holding it has committed.
        ``short``: ``work`` is a few statements on a row or two, which may run on this event
        loop's thread (see the module's docstring)."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        self._add(_Job(work, loop, future, short=short))
        return future

    def submit_together(self, together: Together, payload: object) -> asyncio.Future[Any]:
        """Queue ``payload`` for ``together``, which writes it with the payloads of the jobs
        beside it in the batch; the future resolves (to what ``together`` answered for it)
        after their transaction has committed. An exception ``together`` answers for a
        payload is that job's alone; one it raises fails every job it was given."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Any] = loop.create_future()
        self._add(_Job(None, loop, future, together=together, payload=payload))
        return future

    def _add(self, job: _Job) -> None:
        if not self.running:
            raise RuntimeError("the SQLite writer is not running")
        with self._lock:
            self._pending.append(job)
            if self._busy:
                return
            self._busy = True
            self._idle.clear()
        # At the end of this turn of the loop: the jobs submitted in it share the batch.
        job.loop.call_soon(self._next, job.loop)

    def _next(self, loop: asyncio.AbstractEventLoop) -> None:
        """On ``loop``: send the jobs waiting on their way, or say the writer is idle."""
        # Opening the connection runs pragmas that wait out another process's lock (the busy
        # timeout): only the writer's thread opens it, so the loop begins only on an open one.
        on_loop = self._connection is not None
        with self._lock:
            pending = self._pending
            if not pending:
                self._busy = False
                self._idle.set()
                return
            short = 0  # the leading run of short jobs this loop may run, up to MAX_ON_LOOP
            if on_loop:
                while short < min(len(pending), MAX_ON_LOOP):
                    if not (pending[short].short and pending[short].loop is loop):
                        break
                    short += 1
            here = short > 0 and short in (len(pending), MAX_ON_LOOP)
            size = short if here else MAX_BATCH
            batch, self._pending = pending[:size], pending[size:]
        if here:
            begun = self._begin_here(batch)
            if begun is not None:
                if begun:
                    self._off_loop(loop, batch, self._finish_batch)
                else:
                    self._done(loop, batch)  # it failed: its jobs say why
                return
        self._off_loop(loop, batch, self._whole_batch)

    def _begin_here(self, batch: list[_Job]) -> bool | None:
        """Begin the transaction and run ``batch`` on this thread: ``True`` once done,
        ``False`` when the batch failed (its jobs say why), ``None`` when the writer's thread
        is to run it (another process holds the write lock, or a job failed half-way:
        nothing was kept)."""
        try:
            connection = self._open()
            connection.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as error:
            if getattr(error, "sqlite_errorname", "").startswith("SQLITE_BUSY"):
                return None
            self._failed(batch, error)
            return False
        try:
            if _run_without_savepoints(connection, batch):
                return True
            if connection.in_transaction:  # (a fault of the disk may have ended it)
                connection.execute("ROLLBACK")
        except Exception as error:  # SQLite's, or a bug: the transaction must not stay open
            self._failed(batch, error)
            return False
        for job in batch:  # to be run again from the start
            job.result, job.error = None, None
        return None

    def _off_loop(
        self,
        loop: asyncio.AbstractEventLoop,
        batch: list[_Job],
        step: Callable[[list[_Job]], None],
    ) -> None:
        assert self._thread is not None  # stop() waits for the batches on their way
        self._thread.submit(self._step_then_back, loop, batch, step)

    def _step_then_back(
        self,
        loop: asyncio.AbstractEventLoop,
        batch: list[_Job],
        step: Callable[[list[_Job]], None],
    ) -> None:
        """On the writer's thread: ``step``, then back to ``loop`` (callers woken, the next
        batch sent). Should that loop have closed meanwhile, the writer goes on without it."""
        try:
            step(batch)
        except Exception as error:  # not SQLite's (the steps handle those): a bug
            self._failed(batch, error)
        try:
            loop.call_soon_threadsafe(self._done, loop, batch)
        except RuntimeError:  # the loop has closed: nobody is left waiting on it
            self._done_without(loop, batch)
        # (A loop that closes after taking the callback but before running it still drops it:
        # the server runs one loop that lives as long as the writer, so only code embedding
        # the storage in several short-lived loops could meet that.)

    def _done_without(self, gone: asyncio.AbstractEventLoop, batch: list[_Job]) -> None:
        """On the writer's thread, the loop ``gone`` closed while ``batch`` was on its way:
        wake the batch's callers on other loops, and send the next batch from the loop of a
        job still waiting (dropping the jobs of closed loops), else say the writer is idle."""
        self.commits += 1
        self.jobs += len(batch)
        for other, jobs in _by_loop(batch).items():
            if other is not gone:
                with contextlib.suppress(RuntimeError):
                    other.call_soon_threadsafe(_settle, jobs)
        while True:
            with self._lock:
                if not self._pending:
                    self._busy = False
                    self._idle.set()
                    return
                loop = self._pending[0].loop
            try:
                loop.call_soon_threadsafe(self._next, loop)
                return
            except RuntimeError:
                with self._lock:
                    self._pending = [job for job in self._pending if job.loop is not loop]

    def _whole_batch(self, batch: list[_Job]) -> None:
        """On the writer's thread: begin (waiting for the write lock), run, commit."""
        try:
            connection = self._open()
            connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            try:
                connection.execute("BEGIN IMMEDIATE")
            finally:
                connection.execute("PRAGMA busy_timeout = 0")
            _run_rows(connection, batch)
        except sqlite3.Error as error:
            self._failed(batch, error)
            return
        self._finish_batch(batch)

    def _finish_batch(self, batch: list[_Job]) -> None:
        """On the writer's thread: commit the batch begun and run."""
        connection = self._connection
        assert connection is not None
        try:
            if self._before_commit is not None:
                self._before_commit(connection)
            connection.execute("COMMIT")
        except sqlite3.Error as error:
            self._failed(batch, error)
            return
        if any(isinstance(job.error, StorageUnavailable) for job in batch):
            self._close()  # a job met a fault: start afresh (see ``_failed``)
        if self._after_commit is not None:
            try:
                self._after_commit()
            except Exception:  # the batch is committed all the same: its callers get it
                logger.exception("the SQLite writer's after-commit hook failed")

    def _open(self) -> sqlite3.Connection:
        if self._connection is None:
            connection = self._connect()
            # Waiting for another process's write lock must not stop the event loop: the
            # writer's thread waits, with the timeout set for that wait only.
            connection.execute("PRAGMA busy_timeout = 0")
            self._connection = connection
        return self._connection

    def _close(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(sqlite3.Error):
                self._connection.close()
            self._connection = None

    def _failed(self, batch: list[_Job], error: BaseException) -> None:
        """None of ``batch`` is kept: each job without an error of its own gets ``error``'s
        (the fault it stands for when it is one, storage/faults.py)."""
        fault = sqlite_fault(error) if isinstance(error, sqlite3.Error) else None
        if fault is None:  # not the disk's doing: a bug, worth a traceback
            logger.error(
                "SQLite write batch of %d failed; none of it kept", len(batch), exc_info=error
            )
        connection = self._connection
        if connection is not None:
            with contextlib.suppress(sqlite3.Error):
                if connection.in_transaction:
                    connection.execute("ROLLBACK")
        # After a fault (a full disk, a read-only file) start afresh: a connection can keep a
        # failed state after its cause is gone.
        self._close()
        failure: BaseException = fault or error
        for job in batch:
            if job.error is None:
                job.error = failure
                job.result = None

    def _done(self, loop: asyncio.AbstractEventLoop, batch: list[_Job]) -> None:
        """On ``loop``, the batch committed or failed: wake its callers, send the next."""
        try:
            self.commits += 1
            self.jobs += len(batch)
            metrics.write_batch_size().observe(len(batch))
            for other, jobs in _by_loop(batch).items():
                if other is loop:
                    _settle(jobs)
                    continue
                # A loop that closed while we were writing has nobody left waiting.
                with contextlib.suppress(RuntimeError):
                    other.call_soon_threadsafe(_settle, jobs)
        finally:
            self._next(loop)  # whatever happened above, the writer must not stop here


def _by_loop(batch: list[_Job]) -> dict[asyncio.AbstractEventLoop, list[_Job]]:
    by_loop: dict[asyncio.AbstractEventLoop, list[_Job]] = {}
    for job in batch:
        by_loop.setdefault(job.loop, []).append(job)
    return by_loop


def _run_without_savepoints(connection: sqlite3.Connection, batch: list[_Job]) -> bool:
    """Run ``batch``'s jobs (none written together) in the open transaction, without a
    savepoint each: ``False`` as soon as one fails after changing rows (or its failure
    ended the transaction), since then the batch must be rolled back.

    SQLite counts a statement's changes once it has run to its end, so a job must not leave
    a changing statement half-stepped (a ``RETURNING`` cursor of several rows not read to
    the end) when it fails: the core's writes return one row at most, which the session
    reads, or are read whole."""
    for job in batch:
        changes = connection.total_changes  # rows any statement (or trigger) has changed
        try:
            _run(connection, [job])
        except BaseException as error:  # the caller gets it; the batch goes on
            job.error, job.result = error, None
            if connection.total_changes != changes or not connection.in_transaction:
                return False
    return True


def _run_rows(connection: sqlite3.Connection, batch: list[_Job]) -> None:
    """Run ``batch``'s jobs in the open transaction, each row of them in its savepoint."""
    for jobs in _rows(batch):
        connection.execute("SAVEPOINT job")
        try:
            _run(connection, jobs)
        except BaseException as error:  # the callers get it; the batch goes on
            for job in jobs:
                job.error, job.result = error, None
            connection.execute("ROLLBACK TO job")
        connection.execute("RELEASE job")


def _rows(batch: list[_Job]) -> list[list[_Job]]:
    """The batch in order, each job alone but for adjacent jobs written together."""
    rows: list[list[_Job]] = []
    for job in batch:
        if job.together is not None and rows and rows[-1][0].together is job.together:
            rows[-1].append(job)
        else:
            rows.append([job])
    return rows


def _run(connection: sqlite3.Connection, jobs: list[_Job]) -> None:
    together = jobs[0].together
    if together is None:
        work = jobs[0].work
        assert work is not None
        jobs[0].result = work(connection)
        return
    answers = together(connection, [job.payload for job in jobs])
    for job, answer in zip(jobs, answers, strict=True):
        if isinstance(answer, BaseException):
            job.error = answer
        else:
            job.result = answer
