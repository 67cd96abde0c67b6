"""SQLite specifics: durability settings, the group-commit writer, URLs, schema versions."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from ecwid_customers.storage import migrate, open_storage
from ecwid_customers.storage.core.session import Session
from ecwid_customers.storage.sqlite import connection as sqlite_connection
from ecwid_customers.storage.sqlite.storage import SQLiteEngine, SQLiteStorage
from ecwid_customers.storage.sqlite.writer import MAX_ON_LOOP, GroupCommitWriter
from ecwid_customers.storage.urls import DatabaseUrlError, sqlite_path


def _connect(path: Path) -> sqlite3.Connection:
    connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    sqlite_connection.configure(connection)
    return connection


@pytest.fixture
def table(tmp_path: Path) -> Path:
    path = tmp_path / "writer.db"
    with contextlib.closing(sqlite3.connect(path)) as connection:
        connection.execute("PRAGMA journal_mode = WAL")
        connection.execute("CREATE TABLE t (v INTEGER UNIQUE)")
        connection.commit()
    return path


async def test_writer_answers_only_after_commit(table: Path) -> None:
    writer = GroupCommitWriter(lambda: _connect(table))
    writer.start()
    try:
        await writer.submit(insert(1))
        # A separate connection sees the row: it was committed before the await returned.
        with sqlite3.connect(table) as other:
            assert other.execute("SELECT v FROM t").fetchall() == [(1,)]
    finally:
        writer.stop()


async def test_writer_isolates_a_failing_job(table: Path) -> None:
    writer = GroupCommitWriter(lambda: _connect(table))
    writer.start()
    try:

        def insert_two_then_fail(connection: sqlite3.Connection) -> None:
            connection.execute("INSERT INTO t VALUES (10)")
            connection.execute("INSERT INTO t VALUES (10)")  # UNIQUE violation

        results = await asyncio.gather(
            writer.submit(insert(1)),
            writer.submit(insert_two_then_fail),
            writer.submit(insert(2)),
            return_exceptions=True,
        )
        assert results[0] == 1
        assert isinstance(results[1], sqlite3.IntegrityError)
        assert results[2] == 1
        with sqlite3.connect(table) as other:
            # The failing job's first insert was rolled back with it: no half-done work.
            assert other.execute("SELECT v FROM t ORDER BY v").fetchall() == [(1,), (2,)]
    finally:
        writer.stop()


def insert(value: int) -> Callable[[sqlite3.Connection], int]:
    def work(connection: sqlite3.Connection) -> int:
        return connection.execute("INSERT INTO t VALUES (?)", (value,)).rowcount

    return work


async def test_writer_batches_concurrent_jobs(table: Path) -> None:
    writer = GroupCommitWriter(lambda: _connect(table))
    writer.start()
    try:
        await asyncio.gather(*(writer.submit(insert(n)) for n in range(200)))
    finally:
        writer.stop()
    assert writer.jobs == 200
    assert writer.commits < 200  # several jobs shared a commit (and its fsync)


async def test_the_writer_hands_adjacent_jobs_over_together(table: Path) -> None:
    calls: list[list[int]] = []

    def together(connection: sqlite3.Connection, values: list[int]) -> list[object]:
        calls.append(values)
        answers: list[object] = []
        for value in values:
            if value < 0:
                answers.append(ValueError(value))  # this job's own refusal
            else:
                connection.execute("INSERT INTO t VALUES (?)", (value,))
                answers.append(value * 10)
        return answers

    def failing(connection: sqlite3.Connection, values: list[int]) -> list[object]:
        connection.execute("INSERT INTO t VALUES (100)")
        raise RuntimeError("boom")

    release = threading.Event()

    def hold(connection: sqlite3.Connection) -> None:
        release.wait(10)  # the jobs below queue up meanwhile and form one batch

    def single(value: int) -> Callable[[sqlite3.Connection], int]:
        return lambda connection: connection.execute("INSERT INTO t VALUES (?)", (value,)).rowcount

    writer = GroupCommitWriter(lambda: _connect(table))
    writer.start()
    try:
        held = writer.submit(hold)
        await asyncio.sleep(0.05)
        futures = [
            writer.submit_together(together, 1),
            writer.submit_together(together, -1),
            writer.submit_together(together, 2),
            writer.submit(single(3)),
            writer.submit_together(together, 4),
            writer.submit_together(failing, 5),
            writer.submit_together(failing, 6),
        ]
        release.set()
        await held
        results = await asyncio.gather(*futures, return_exceptions=True)
    finally:
        writer.stop()
    assert calls == [[1, -1, 2], [4]]  # a job of another kind between them parts the rows
    assert [results[0], results[2], results[4]] == [10, 20, 40]
    assert isinstance(results[1], ValueError)
    assert results[3] == 1
    assert isinstance(results[5], RuntimeError)
    assert results[6] is results[5]
    with sqlite3.connect(table) as other:
        # The failing row's insert was rolled back; every other row kept.
        assert other.execute("SELECT v FROM t ORDER BY v").fetchall() == [(1,), (2,), (3,), (4,)]


async def test_writer_finishes_queued_jobs_on_stop(table: Path) -> None:
    writer = GroupCommitWriter(lambda: _connect(table))
    writer.start()
    futures = [writer.submit(insert(n)) for n in range(50)]
    await asyncio.to_thread(writer.stop)
    await asyncio.gather(*futures)
    with sqlite3.connect(table) as other:
        assert other.execute("SELECT count(*) FROM t").fetchone() == (50,)


async def test_connections_are_durable(tmp_path: Path) -> None:
    storage = SQLiteStorage(tmp_path / "d.db")
    await storage.open()
    try:
        for name, wanted in (("journal_mode", "wal"), ("synchronous", 2), ("foreign_keys", 1)):

            async def pragma(session: Session, name: str = name) -> object:
                return await session.value(f"PRAGMA {name}")

            # A reader's and the writer's connection alike (synchronous 2 is FULL).
            read = await storage.engine.read(pragma)
            written = await storage.engine.write(pragma)
            assert read == written == wanted
    finally:
        await storage.close()


async def test_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "future.db"
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE alembic_version (version_num TEXT NOT NULL)")
        connection.execute("INSERT INTO alembic_version VALUES ('9999')")
    with pytest.raises(RuntimeError, match="upgrade ecwid-customers"):
        await SQLiteStorage(path).open()


async def test_new_file_is_migrated_to_the_newest_schema(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    storage = SQLiteStorage(path)
    await storage.open()
    await storage.close()
    assert migrate.sqlite_revision(path) == migrate.HEAD


def test_sqlite_urls() -> None:
    assert sqlite_path("sqlite:///relative.db") == Path("relative.db")
    assert sqlite_path("sqlite:////absolute/path.db") == Path("/absolute/path.db")
    assert sqlite_path("sqlite:///dir/x.db?mode=rwc") == Path("dir/x.db")


def test_postgresql_urls_select_postgresql() -> None:
    from ecwid_customers.storage.postgres.storage import PostgresStorage

    for url in ("postgresql://user@host:5432/db", "postgres://host/db"):
        assert isinstance(open_storage(url), PostgresStorage)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("sqlite://", "not a SQLite file URL"),
        ("sqlite:///:memory:", "in-memory"),
        ("postgresql:/nohost", "not a PostgreSQL URL"),
        ("mysql://x", "unsupported database URL"),
    ],
)
def test_bad_urls_are_explained(url: str, message: str) -> None:
    with pytest.raises(DatabaseUrlError, match=message):
        open_storage(url)


def test_every_connection_bounds_the_wal(tmp_path: Path) -> None:
    """After a checkpoint the WAL is cut back to 64 MiB (it kept its largest size before)."""
    from ecwid_customers.storage.sqlite import connection as sqlite_connection

    opened = sqlite3.connect(tmp_path / "x.db")
    try:
        sqlite_connection.configure(opened)
        limit = opened.execute("PRAGMA journal_size_limit").fetchone()[0]
        assert limit == sqlite_connection.WAL_SIZE_LIMIT == 64 * 1024 * 1024
    finally:
        opened.close()


async def test_change_stamp_is_read_from_the_wal_index_and_moves_with_any_commit(
    tmp_path: Path,
) -> None:
    """The stamp comes from the mapped WAL-index header (no statement per request), and a
    commit by a connection outside the storage (another process's) moves it at once."""
    path = tmp_path / "stamp.db"
    storage = SQLiteStorage(path)
    await storage.open()
    try:
        engine = storage.engine
        assert isinstance(engine, SQLiteEngine)
        assert engine._wal_index is not None
        assert engine._wal_index.stamp() is not None
        before = engine.change_stamp()
        assert engine.change_stamp() == before  # nothing committed: the same
        with sqlite3.connect(path, isolation_level=None) as other:
            other.execute("INSERT INTO stores (id, languages, created_at) VALUES (7, 'en', 0)")
        moved = engine.change_stamp()
        assert moved != before
        assert engine.commit_stamp() == moved
    finally:
        await storage.close()
    assert storage.engine.change_stamp() is None


async def test_short_jobs_run_on_the_event_loop_and_others_on_the_writers_thread(
    table: Path,
) -> None:
    def where(value: int) -> Callable[[sqlite3.Connection], int]:
        def work(connection: sqlite3.Connection) -> int:
            connection.execute("INSERT INTO t VALUES (?)", (value,))
            return threading.get_ident()

        return work

    writer = GroupCommitWriter(lambda: _connect(table))
    writer.start()
    try:
        # The first batch opens the connection, which only the writer's thread does.
        first = await writer.submit(where(100), short=True)
        short = await asyncio.gather(*(writer.submit(where(n), short=True) for n in range(5)))
        mixed = await asyncio.gather(writer.submit(where(10), short=True), writer.submit(where(11)))
    finally:
        writer.stop()
    loop_thread = threading.get_ident()
    assert first != loop_thread
    assert set(short) == {loop_thread}
    # A batch with a job that is not short runs whole on the writer's thread.
    assert len(set(mixed)) == 1
    assert mixed[0] != loop_thread
    with sqlite3.connect(table) as other:
        assert other.execute("SELECT count(*) FROM t").fetchone() == (8,)


async def test_a_short_job_waits_for_another_process_lock_without_stopping_the_loop(
    table: Path,
) -> None:
    holder = sqlite3.connect(table, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another process's write lock, say the CLI's
    writer = GroupCommitWriter(lambda: _connect(table))
    writer.start()
    try:
        job = writer.submit(insert(1), short=True)
        started = time.monotonic()
        for _ in range(20):  # the event loop goes on meanwhile
            await asyncio.sleep(0.01)
        # Not a speed check: a loop that waited for the lock would be stuck for the whole
        # busy timeout (10 s) first.
        assert time.monotonic() - started < 5
        assert not job.done()
        holder.execute("COMMIT")
        assert await asyncio.wait_for(job, 10) == 1
    finally:
        holder.close()
        writer.stop()
    with sqlite3.connect(table) as other:
        assert other.execute("SELECT v FROM t").fetchall() == [(1,)]


def _stopped_within(writer: GroupCommitWriter, seconds: float) -> bool:
    """Stop the writer on a thread of its own: whether it stopped in time (a writer that hangs
    must fail the test, not hang the run)."""
    stopping = threading.Thread(target=writer.stop, daemon=True)
    stopping.start()
    stopping.join(seconds)
    return not stopping.is_alive()


async def test_a_lock_that_keeps_readers_out_does_not_stop_the_loop_when_the_writer_connects(
    table: Path,
) -> None:
    holder = sqlite3.connect(table, isolation_level=None)
    holder.execute("PRAGMA locking_mode = EXCLUSIVE")
    holder.execute("BEGIN EXCLUSIVE")  # even the schema cannot be read meanwhile
    writer = GroupCommitWriter(lambda: _connect(table))
    writer.start()
    try:
        job = writer.submit(insert(1), short=True)
        started = time.monotonic()
        for _ in range(20):
            await asyncio.sleep(0.01)
        # Not a speed check: a loop that opened the connection itself would be stuck for the
        # whole busy timeout (10 s) first.
        assert time.monotonic() - started < 5
        assert not job.done()
        holder.execute("COMMIT")
        holder.close()  # an EXCLUSIVE locking mode keeps the lock until then
        assert await asyncio.wait_for(job, 10) == 1
    finally:
        holder.close()
        assert _stopped_within(writer, 10)
    with sqlite3.connect(table) as other:
        assert other.execute("SELECT v FROM t").fetchall() == [(1,)]


async def test_a_job_raising_what_a_future_refuses_fails_alone_and_the_writer_goes_on(
    table: Path,
) -> None:
    def refused(connection: sqlite3.Connection) -> None:
        connection.execute("INSERT INTO t VALUES (7)")
        raise StopIteration  # Future.set_exception refuses it

    writer = GroupCommitWriter(lambda: _connect(table))
    writer.start()
    try:
        await writer.submit(insert(100))  # the connection is open: the next batch runs here
        results = await asyncio.wait_for(
            asyncio.gather(
                writer.submit(insert(1), short=True),
                writer.submit(refused, short=True),
                writer.submit(insert(2), short=True),
                return_exceptions=True,
            ),
            10,
        )
        assert results[0] == 1
        assert results[2] == 1
        assert isinstance(results[1], RuntimeError)
        assert isinstance(results[1].__cause__, StopIteration)
        assert await asyncio.wait_for(writer.submit(insert(3)), 10) == 1
    finally:
        assert _stopped_within(writer, 10)
    with sqlite3.connect(table) as other:
        assert other.execute("SELECT v FROM t ORDER BY v").fetchall() == [(1,), (2,), (3,), (100,)]


def _recording(value: int, runs: list[tuple[int, int]]) -> Callable[[sqlite3.Connection], int]:
    """Insert ``value``, noting (value, thread) in ``runs`` each time the job runs."""

    def work(connection: sqlite3.Connection) -> int:
        runs.append((value, threading.get_ident()))
        return connection.execute("INSERT INTO t VALUES (?)", (value,)).rowcount

    return work


def _half_done(runs: list[tuple[int, int]]) -> Callable[[sqlite3.Connection], int]:
    """Insert 7, then 100, which is taken: fails after writing, every time."""

    def work(connection: sqlite3.Connection) -> int:
        runs.append((7, threading.get_ident()))
        connection.execute("INSERT INTO t VALUES (7)")
        return connection.execute("INSERT INTO t VALUES (100)").rowcount

    return work


def _kept(table: Path) -> list[int]:
    """The values the table holds (committed), in order."""
    with contextlib.closing(sqlite3.connect(table)) as other:
        return [value for (value,) in other.execute("SELECT v FROM t ORDER BY v")]


async def _short_batches(
    table: Path, *batches: list[Callable[[sqlite3.Connection], int]]
) -> list[list[object]]:
    """Open the writer's connection (inserting 100), then run each of ``batches`` as short
    jobs sent at once (one batch on the loop); each job's result or error."""
    writer = GroupCommitWriter(lambda: _connect(table))
    writer.start()
    results: list[list[object]] = []
    try:
        await writer.submit(insert(100))  # the connection is open: the next batch runs here
        for jobs in batches:
            sent = (writer.submit(job, short=True) for job in jobs)
            results.append(
                await asyncio.wait_for(asyncio.gather(*sent, return_exceptions=True), 10)
            )
    finally:
        assert _stopped_within(writer, 10)
    return results


async def test_a_short_job_failing_before_it_writes_leaves_the_rest_of_its_batch_on_the_loop(
    table: Path,
) -> None:
    runs: list[tuple[int, int]] = []

    def missing(connection: sqlite3.Connection) -> int:
        runs.append((0, threading.get_ident()))
        connection.execute("SELECT v FROM t WHERE v = 0").fetchall()
        raise LookupError("no such row")  # as a PUT of a customer that is not there

    [results] = await _short_batches(
        table,
        # 100 is taken: the statement fails, and SQLite undoes it.
        [_recording(1, runs), missing, _recording(100, runs), _recording(2, runs)],
    )
    assert results[0] == 1
    assert isinstance(results[1], LookupError)
    assert isinstance(results[2], sqlite3.IntegrityError)
    assert results[3] == 1
    # Each job ran once, all of them on the loop: nothing had to be undone.
    loop_thread = threading.get_ident()
    assert runs == [(1, loop_thread), (0, loop_thread), (100, loop_thread), (2, loop_thread)]
    assert _kept(table) == [1, 2, 100]


async def test_a_short_job_failing_after_it_wrote_has_its_batch_run_again_on_the_writer_thread(
    table: Path,
) -> None:
    runs: list[tuple[int, int]] = []
    results, later = await _short_batches(
        table, [_recording(1, runs), _half_done(runs), _recording(2, runs)], [_recording(3, runs)]
    )
    assert results[0] == 1
    assert isinstance(results[1], sqlite3.IntegrityError)
    assert results[2] == 1
    assert later == [1]
    loop_thread = threading.get_ident()
    # On the loop up to the job that failed half-way; then the whole batch again, on the
    # writer's thread, each job in its savepoint; the next batch back on the loop.
    assert [value for value, _ in runs] == [1, 7, 1, 7, 2, 3]
    assert {thread for _, thread in runs[:2]} == {loop_thread}
    assert loop_thread not in {thread for _, thread in runs[2:5]}
    assert runs[5][1] == loop_thread
    assert _kept(table) == [1, 2, 3, 100]  # not the half-done job's 7


def _failing_once(
    value: int, runs: list[tuple[int, int]], *, ending_the_transaction: bool = False
) -> Callable[[sqlite3.Connection], int]:
    """Insert ``value``, but fail the first time without writing: after rolling the whole
    transaction back (``ending_the_transaction``, as SQLite does on some faults of the
    disk), or leaving it as it was."""

    def work(connection: sqlite3.Connection) -> int:
        runs.append((value, threading.get_ident()))
        if [run for run, _ in runs].count(value) == 1:
            if ending_the_transaction:
                connection.execute("ROLLBACK")
            raise LookupError("not this time")
        return connection.execute("INSERT INTO t VALUES (?)", (value,)).rowcount

    return work


async def test_a_batch_run_again_gives_each_job_the_outcome_of_the_run_that_was_kept(
    table: Path,
) -> None:
    runs: list[tuple[int, int]] = []
    [results] = await _short_batches(
        table, [_failing_once(1, runs), _half_done(runs), _recording(2, runs)]
    )
    # The first job failed on the loop, then succeeded when the batch ran again.
    assert results[0] == 1
    assert isinstance(results[1], sqlite3.IntegrityError)
    assert results[2] == 1
    assert [value for value, _ in runs] == [1, 7, 1, 7, 2]
    assert _kept(table) == [1, 2, 100]


async def test_a_short_job_whose_failure_ended_the_transaction_has_its_batch_run_again(
    table: Path,
) -> None:
    runs: list[tuple[int, int]] = []
    [results] = await _short_batches(
        table,
        [
            _recording(1, runs),
            _failing_once(5, runs, ending_the_transaction=True),
            _recording(2, runs),
        ],
    )
    # Going on after it would have written the last job outside any transaction, and lost
    # the first job's row.
    assert results == [1, 1, 1]
    assert [value for value, _ in runs] == [1, 5, 1, 5, 2]
    assert _kept(table) == [1, 2, 5, 100]


def test_the_writer_goes_on_when_the_loop_that_sent_a_batch_closes(table: Path) -> None:
    writer = GroupCommitWriter(lambda: _connect(table))
    writer.start()
    on_its_way = threading.Event()

    def slow(connection: sqlite3.Connection) -> int:
        on_its_way.set()
        time.sleep(0.3)  # the loop that sent it closes meanwhile
        return connection.execute("INSERT INTO t VALUES (1)").rowcount

    async def gives_up() -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(writer.submit(slow), 0.05)

    other: list[object] = []

    def another_loop() -> None:
        async def write() -> None:
            on_its_way.wait(5)
            other.append(await asyncio.wait_for(writer.submit(insert(2)), 10))

        asyncio.run(write())

    thread = threading.Thread(target=another_loop, daemon=True)
    thread.start()
    asyncio.run(gives_up())
    thread.join(15)
    assert other == [1]
    assert _stopped_within(writer, 10)
    with sqlite3.connect(table) as check:
        assert check.execute("SELECT v FROM t ORDER BY v").fetchall() == [(1,), (2,)]


async def test_the_loop_runs_a_bounded_number_of_short_jobs_in_one_batch(table: Path) -> None:
    writer = GroupCommitWriter(lambda: _connect(table))
    writer.start()
    try:
        await writer.submit(insert(-1))  # the connection is open: short batches run here
        commits, jobs = writer.commits, writer.jobs
        burst = 2 * MAX_ON_LOOP + 1
        done = await asyncio.gather(*(writer.submit(insert(n), short=True) for n in range(burst)))
        assert done == [1] * burst
        # The burst came in one turn of the loop; without the bound it is one batch.
        assert writer.jobs - jobs == burst
        assert writer.commits - commits == 3
    finally:
        assert _stopped_within(writer, 10)
    with sqlite3.connect(table) as other:
        assert other.execute("SELECT count(*) FROM t").fetchone() == (burst + 1,)
