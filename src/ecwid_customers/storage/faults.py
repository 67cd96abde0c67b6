"""Database faults that are not the request's doing, told apart and logged without a storm.

A full disk or a read-only file makes every write fail the same way, thousands of times a
second. Each kind of fault is logged when it first happens, then at most once every
``INTERVAL`` seconds with the number of failures since, and once more when a write succeeds
again (which ends every open fault); never with a traceback (the cause is outside the code).
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time

from ecwid_customers.storage.errors import StorageUnavailable

logger = logging.getLogger("ecwid_customers.storage")

INTERVAL = 10.0

# SQLite's primary result codes that mean "not now", by the name Python gives them.
_SQLITE_KINDS = {
    "SQLITE_FULL": "the disk is full",
    "SQLITE_READONLY": "the database file is read-only",
    "SQLITE_IOERR": "disk I/O error",
    "SQLITE_CANTOPEN": "the database file cannot be opened",
    "SQLITE_BUSY": "another process holds the database's write lock",
    "SQLITE_PERM": "no permission to write the database",
}


def sqlite_fault(error: sqlite3.Error) -> StorageUnavailable | None:
    """The fault ``error`` stands for, or ``None`` for an error that is the code's or data's."""
    name = getattr(error, "sqlite_errorname", "") or ""
    for prefix, kind in _SQLITE_KINDS.items():
        if name == prefix or name.startswith(prefix + "_"):
            return StorageUnavailable(kind)
    return None


class FaultLog:
    """Counts faults by kind and logs them sparingly (thread-safe: the writer reports too)."""

    def __init__(self, interval: float = INTERVAL) -> None:
        self.interval = interval
        self._lock = threading.Lock()
        self._open: dict[str, tuple[float, int]] = {}  # kind -> (last logged, failures since)

    def failed(self, fault: StorageUnavailable) -> None:
        now = time.monotonic()
        with self._lock:
            logged, count = self._open.get(fault.kind, (0.0, 0))
            if fault.kind not in self._open:
                self._open[fault.kind] = (now, 0)
                message = f"database unavailable: {fault.kind}; answering 503 until it recovers"
            elif now - logged >= self.interval:
                self._open[fault.kind] = (now, 0)
                message = f"database still unavailable: {fault.kind} ({count + 1} failures)"
            else:
                self._open[fault.kind] = (logged, count + 1)
                return
        logger.error("%s", message)

    def succeeded(self) -> None:
        if not self._open:  # the common case: one dict check, no lock
            return
        with self._lock:
            recovered, self._open = list(self._open), {}
        logger.warning("database available again (was: %s)", "; ".join(recovered))

    @property
    def faults(self) -> tuple[str, ...]:
        """The kinds of fault seen since the last success (readiness reports these)."""
        return tuple(self._open)
