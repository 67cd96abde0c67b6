"""Storage: the database behind the API, on SQLite (embedded, the default) or PostgreSQL.

The package's face: :func:`open_storage` for a database URL, the interface its result
implements (``base.py``) and what it refuses (``errors.py``). Below it, ``core/`` holds what
both engines do the same, and ``sqlite/`` and ``postgres/`` only their SQL, transactions and
locking.
"""

from __future__ import annotations

from ecwid_customers.storage.base import AdminStorage, CustomerStorage, Storage
from ecwid_customers.storage.urls import (
    DatabaseUrlError,
    EngineNotInstalled,
    check_installed,
    engine_of,
    sqlite_path,
)

__all__ = [
    "AdminStorage",
    "CustomerStorage",
    "DatabaseUrlError",
    "EngineNotInstalled",
    "Storage",
    "open_storage",
]


def open_storage(url: str) -> Storage:
    """The (not yet opened) storage a database URL names; :class:`DatabaseUrlError` for a URL
    that names none, :class:`EngineNotInstalled` for PostgreSQL without its extra. An engine's
    modules are imported only when its URL is used."""
    engine = engine_of(url)
    check_installed(engine)
    if engine == "sqlite":
        from ecwid_customers.storage.sqlite.storage import SQLiteStorage

        return SQLiteStorage(sqlite_path(url))
    from ecwid_customers.storage.postgres.storage import PostgresStorage

    return PostgresStorage(url)
