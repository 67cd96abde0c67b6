"""WAL checkpoints run on their own thread (``storage/sqlite/checkpoints.py``), not in the
writer's commits, and still keep the WAL from growing."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from ecwid_customers.storage.core.session import Session
from ecwid_customers.storage.sqlite import checkpoints
from ecwid_customers.storage.sqlite.storage import SQLiteEngine, SQLiteStorage
from ecwid_customers.storage.sqlite.wal_index import WalIndexHeader

MEGABYTE = 1024 * 1024


async def _write_megabyte(engine: SQLiteEngine) -> None:
    async def work(session: Session) -> None:
        await session.run("CREATE TABLE IF NOT EXISTS filler (data BLOB)")
        await session.run("INSERT INTO filler VALUES (randomblob(?))", MEGABYTE)

    await engine.write(work)


async def _until(condition: Callable[[], bool], seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "not within the time allowed"
        await asyncio.sleep(0.01)


async def test_the_writer_leaves_checkpoints_to_the_checkpointer(tmp_path: Path) -> None:
    storage = SQLiteStorage(tmp_path / "c.db")
    await storage.open()
    try:
        engine = storage.engine
        assert engine._writer is not None
        assert engine._checkpointer is not None
        setting = await engine._writer.submit(
            lambda c: c.execute("PRAGMA wal_autocheckpoint").fetchone()[0]
        )
        assert setting == checkpoints.BACKSTOP_PAGES
        for _ in range(8):  # about 2,000 pages: twice the checkpointer's threshold
            await _write_megabyte(engine)
        checkpointer = engine._checkpointer
        await _until(lambda: checkpointer.checkpoints >= 1)
        await _until(lambda: (engine._frames_to_copy() or 0) < checkpoints.PAGES)
    finally:
        await storage.close()


async def test_the_wal_is_used_again_once_copied_back(tmp_path: Path) -> None:
    """40 MB written a megabyte at a time leave a WAL of a few MB: without checkpoints (the
    writer's own start only past 64 MB) it would hold all 40."""
    path = tmp_path / "w.db"
    storage = SQLiteStorage(path)
    await storage.open()
    try:
        engine = storage.engine
        for _ in range(40):
            await _write_megabyte(engine)
            # Let a checkpoint that is due finish before the next write, as time between
            # bursts would: the WAL starts over only once it is all copied back.
            await _until(lambda: (engine._frames_to_copy() or 0) < checkpoints.PAGES)
        wal_size = await asyncio.to_thread(lambda: Path(f"{path}-wal").stat().st_size)
        assert wal_size < 12 * MEGABYTE
    finally:
        await storage.close()


def test_frames_to_copy_counts_commits_and_drops_after_a_checkpoint(tmp_path: Path) -> None:
    path = tmp_path / "f.db"
    with sqlite3.connect(path, isolation_level=None) as connection:
        connection.execute("PRAGMA journal_mode = WAL")
        connection.execute("PRAGMA wal_autocheckpoint = 0")
        connection.execute("CREATE TABLE t (data BLOB)")
        header = WalIndexHeader.open(path)
        assert header is not None
        try:
            before = header.frames_to_copy()
            assert before is not None
            connection.execute("INSERT INTO t VALUES (randomblob(100000))")
            grown = header.frames_to_copy()
            assert grown is not None
            assert grown >= before + 24
            connection.execute("PRAGMA wal_checkpoint(PASSIVE)")
            assert header.frames_to_copy() == 0
        finally:
            header.close()


def test_without_a_frame_count_every_nudge_checkpoints(tmp_path: Path) -> None:
    path = tmp_path / "n.db"
    with sqlite3.connect(path) as setup:
        setup.execute("PRAGMA journal_mode = WAL")
    checkpointer = checkpoints.Checkpointer(
        lambda: sqlite3.connect(path, isolation_level=None, check_same_thread=False),
        lambda: None,
    )
    checkpointer.start()
    try:
        checkpointer.nudge()
        deadline = time.monotonic() + 10
        while checkpointer.checkpoints < 1:
            assert time.monotonic() < deadline
            time.sleep(0.01)
    finally:
        checkpointer.stop()


def test_a_failing_checkpoint_is_said_once_and_tried_again(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "e.db"
    with sqlite3.connect(path) as setup:
        setup.execute("PRAGMA journal_mode = WAL")
    attempts = 0

    def connect() -> sqlite3.Connection:
        nonlocal attempts
        attempts += 1
        if attempts <= 3:
            raise sqlite3.OperationalError("disk I/O error")
        return sqlite3.connect(path, isolation_level=None, check_same_thread=False)

    checkpointer = checkpoints.Checkpointer(connect, lambda: checkpoints.PAGES)
    checkpointer.start()
    caplog.set_level(logging.WARNING, logger=checkpoints.__name__)
    try:
        deadline = time.monotonic() + 10
        while checkpointer.checkpoints < 1:
            assert time.monotonic() < deadline
            checkpointer.nudge()
            time.sleep(0.01)
    finally:
        checkpointer.stop()
    assert attempts == 4
    warnings = [r.getMessage() for r in caplog.records if r.name == checkpoints.__name__]
    assert warnings == ["WAL checkpoint failed, will try again: disk I/O error"]
