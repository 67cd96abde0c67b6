"""WAL checkpoints on a thread of their own, so that no write batch waits for one.

By default SQLite checkpoints inside the commit that takes the WAL past 1,000 pages: that
commit copies the WAL's pages back into the database file and fsyncs it while every write of
its batch waits (10-60 ms measured under a create load, where a commit otherwise takes 1-2 ms,
and about 5 ms of the writer thread's CPU each time). The writer's connection therefore
checkpoints only as a backstop, past :data:`BACKSTOP_PAGES`, and this thread does the work:
the writer nudges it after each commit, and once :data:`PAGES` frames wait to be copied it runs
a PASSIVE checkpoint, which takes no lock that a writer or a reader waits for (and SQLite lets
go of the GIL while it copies). Once every frame is copied and no reader still needs one, the
writer's next transaction starts the WAL again from its beginning, so the file keeps the size
it had at the last checkpoint rather than growing.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Callable

logger = logging.getLogger(__name__)

# Frames waiting to be copied before a checkpoint runs: SQLite's own threshold.
PAGES = 1000
# Where the writer's connection checkpoints itself: 64 MiB of 4 KiB pages, reached only if this
# thread falls far behind (or is gone).
BACKSTOP_PAGES = 16384
# Seconds between two looks at the WAL at least: under load every commit nudges, and this
# keeps the thread to at most 20 wake-ups a second (where the frames waiting cannot be read, no
# mapped WAL index, each look is a checkpoint).
MIN_INTERVAL = 0.05


class Checkpointer:
    def __init__(
        self,
        connect: Callable[[], sqlite3.Connection],
        frames_to_copy: Callable[[], int | None],
    ) -> None:
        self._connect = connect
        self._frames_to_copy = frames_to_copy
        self._wanted = threading.Event()
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sqlite-checkpointer", daemon=True)
        self._last_error = ""
        self.checkpoints = 0  # run so far (tests and curiosity)

    def start(self) -> None:
        self._thread.start()

    def nudge(self) -> None:
        """Called by the writer after each commit: the WAL may have grown."""
        if not self._wanted.is_set():  # a lock-free look: most commits find it set already
            self._wanted.set()

    def stop(self) -> None:
        if self._thread.is_alive():
            self._stopping.set()
            self._wanted.set()
            self._thread.join()

    def _due(self) -> bool:
        frames = self._frames_to_copy()
        return frames is None or frames >= PAGES

    def _run(self) -> None:
        connection: sqlite3.Connection | None = None
        try:
            while True:
                self._wanted.wait()
                self._wanted.clear()
                if self._stopping.is_set():
                    return
                if self._due():
                    connection = self._checkpoint(connection)
                self._stopping.wait(MIN_INTERVAL)
        finally:
            if connection is not None:
                connection.close()

    def _checkpoint(self, connection: sqlite3.Connection | None) -> sqlite3.Connection | None:
        """One PASSIVE checkpoint; the connection to use next time (``None`` after a fault)."""
        try:
            if connection is None:
                connection = self._connect()
            connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
            self.checkpoints += 1
            self._last_error = ""
            return connection
        except sqlite3.Error as error:
            # The disk's trouble (full, read-only) reaches the writes themselves; here it is
            # said once, and the next nudge tries again on a new connection.
            if str(error) != self._last_error:
                logger.warning("WAL checkpoint failed, will try again: %s", error)
                self._last_error = str(error)
            if connection is not None:
                connection.close()
            return None
