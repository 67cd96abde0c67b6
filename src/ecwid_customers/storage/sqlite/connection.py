"""Settings every SQLite connection gets. The schema itself lives in ``storage/migrations``.

Every table and index starts with ``store_id``: stores never share rows, and that keeps the
path open to distributing data by store. A customer is one row: the columns that queries and
constraints need, plus the whole customer object as JSON in ``doc`` (read back in one lookup).
Ids come from per-store counters in ``stores``, so they increase per store and are never
reused, even after a delete (spec Q37).
"""

from __future__ import annotations

import sqlite3

WAL_SIZE_LIMIT = 64 * 1024 * 1024


def _lower(value: str | None) -> str | None:
    return value.lower() if isinstance(value, str) else value


def configure(connection: sqlite3.Connection) -> None:
    """Settings every connection needs. ``synchronous=FULL``: a commit survives power loss."""
    connection.execute("PRAGMA busy_timeout = 10000")
    connection.execute("PRAGMA synchronous = FULL")
    connection.execute("PRAGMA foreign_keys = ON")
    # Once a checkpoint has copied the WAL back, cut the file down to this size: without it
    # the WAL keeps the largest size it ever reached (179 MB was seen under mixed load).
    connection.execute(f"PRAGMA journal_size_limit = {WAL_SIZE_LIMIT}")
    # SQLite's lower() folds ASCII only; filters compare with Python's, as keys are written.
    connection.create_function("py_lower", 1, _lower, deterministic=True)
