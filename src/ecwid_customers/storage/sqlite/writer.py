"""One writer thread that commits waiting writes together (group commit).

SQLite allows one writer at a time and, with ``synchronous=FULL``, every commit waits for an
fsync. Committing per request caps creates at the fsync rate and blocks the event loop while it
waits (about 2,200 creates/s measured here). Instead every write is a job on a queue; one thread
takes all jobs waiting, runs each inside its own SAVEPOINT (so one failing job, say a duplicate
email, is rolled back alone), commits once, and only then wakes the callers. A caller's await
therefore returns only after its data is durable, and a batch costs one fsync.

Jobs of one kind that run side by side in a batch can be written together: a job submitted
with :meth:`GroupCommitWriter.submit_together` names a function that takes the payloads of
every such job in a row of the batch and answers each (creates, ``creates.py``). The thread
then runs one savepoint and a few statements for the row instead of several per job, and
takes the GIL back that many times fewer, which is what the event loop's thread and this one
spend their time waiting for otherwise.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import queue
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

# Enough to amortise one fsync over a burst, small enough to keep a batch's latency short.
MAX_BATCH = 256


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


def _settle(jobs: list[_Job]) -> None:
    """Runs on the event loop: hand each caller its result (unless it gave up waiting)."""
    for job in jobs:
        if job.future.cancelled():
            continue
        if job.error is not None:
            job.future.set_exception(job.error)
        else:
            job.future.set_result(job.result)


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
        self._queue: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="sqlite-writer", daemon=True)
        self._started = False
        # Transactions committed, and jobs in them: their ratio is the batching achieved.
        self.commits = 0
        self.jobs = 0

    def start(self) -> None:
        self._thread.start()
        self._started = True

    @property
    def running(self) -> bool:
        return self._started and self._thread.is_alive()

    def stop(self) -> None:
        """Finish every job already queued, then end the thread."""
        if self._started:
            self._queue.put(None)
            self._thread.join()
            self._started = False

    def submit(self, work: Callable[[sqlite3.Connection], T]) -> asyncio.Future[T]:
        """Queue ``work``; the future resolves after the transaction holding it has committed."""
        if not self._started:
            raise RuntimeError("the SQLite writer is not running")
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        self._queue.put(_Job(work, loop, future))
        return future

    def submit_together(self, together: Together, payload: object) -> asyncio.Future[Any]:
        """Queue ``payload`` for ``together``, which writes it with the payloads of the jobs
        beside it in the batch; the future resolves (to what ``together`` answered for it)
        after their transaction has committed. An exception ``together`` answers for a
        payload is that job's alone; one it raises fails every job it was given."""
        if not self._started:
            raise RuntimeError("the SQLite writer is not running")
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Any] = loop.create_future()
        self._queue.put(_Job(None, loop, future, together=together, payload=payload))
        return future

    def _take_batch(self, first: _Job) -> tuple[list[_Job], bool]:
        batch = [first]
        while len(batch) < MAX_BATCH:
            try:
                job = self._queue.get_nowait()
            except queue.Empty:
                break
            if job is None:
                return batch, True
            batch.append(job)
        return batch, False

    def _run(self) -> None:
        connection: sqlite3.Connection | None = None
        try:
            stopping = False
            while not stopping:
                first = self._queue.get()
                if first is None:
                    break
                batch, stopping = self._take_batch(first)
                try:
                    if connection is None:
                        connection = self._connect()
                except sqlite3.Error as error:  # the file cannot be opened (yet)
                    self._fail(batch, error)
                else:
                    if not self._commit(connection, batch):
                        # After a fault (a full disk, a read-only file) start afresh: a
                        # connection can keep a failed state after its cause is gone.
                        connection.close()
                        connection = None
                    elif self._after_commit is not None:
                        self._after_commit()
                self.commits += 1
                self.jobs += len(batch)
                metrics.write_batch_size().observe(len(batch))
                self._wake(batch)
        finally:
            if connection is not None:
                connection.close()

    @staticmethod
    def _fail(batch: list[_Job], error: sqlite3.Error) -> None:
        """Every job of ``batch`` that has no error of its own gets ``error``'s: the fault it
        stands for (storage/faults.py) when it is one, or ``error`` itself."""
        failure: BaseException = sqlite_fault(error) or error
        for job in batch:
            if job.error is None:
                job.error = failure
                job.result = None

    def _commit(self, connection: sqlite3.Connection, batch: list[_Job]) -> bool:
        """Run and commit ``batch``; whether the connection is still fit for the next one."""
        try:
            connection.execute("BEGIN IMMEDIATE")
            for jobs in _rows(batch):
                connection.execute("SAVEPOINT job")
                try:
                    _run(connection, jobs)
                except BaseException as error:  # the callers get it; the batch goes on
                    for job in jobs:
                        job.error, job.result = error, None
                    connection.execute("ROLLBACK TO job")
                connection.execute("RELEASE job")
            if self._before_commit is not None:
                self._before_commit(connection)
            connection.execute("COMMIT")
        except sqlite3.Error as error:
            if sqlite_fault(error) is None:  # not the disk's doing: a bug, worth a traceback
                logger.exception("SQLite write batch of %d failed; none of it kept", len(batch))
            with contextlib.suppress(sqlite3.Error):
                if connection.in_transaction:
                    connection.execute("ROLLBACK")
            self._fail(batch, error)
            return False
        return not any(isinstance(job.error, StorageUnavailable) for job in batch)

    @staticmethod
    def _wake(batch: list[_Job]) -> None:
        by_loop: dict[asyncio.AbstractEventLoop, list[_Job]] = {}
        for job in batch:
            by_loop.setdefault(job.loop, []).append(job)
        for loop, jobs in by_loop.items():
            # A loop that closed while we were writing has nobody left waiting.
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(_settle, jobs)


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
