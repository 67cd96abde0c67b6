"""Database URLs in the usual SQLAlchemy form, and the storage each one selects."""

from __future__ import annotations

from pathlib import Path

from ecwid_customers.storage.base import Storage

DEFAULT_DATABASE_URL = "sqlite:///ecwid-customers.db"
DATABASE_URL_ENV = "ECWID_CUSTOMERS_DATABASE_URL"


class DatabaseUrlError(ValueError):
    pass


def sqlite_path(url: str) -> Path:
    """``sqlite:///relative.db`` -> ``relative.db``; ``sqlite:////abs/x.db`` -> ``/abs/x.db``."""
    prefix = "sqlite:///"
    if not url.startswith(prefix):
        raise DatabaseUrlError(
            f"{url!r} is not a SQLite file URL: use sqlite:///relative.db or "
            "sqlite:////absolute/path.db"
        )
    path = url[len(prefix) :].split("?", 1)[0]
    if not path or path == ":memory:":
        # The writer thread and the readers need to share one database: that takes a file.
        raise DatabaseUrlError("an in-memory SQLite database cannot be shared; name a file")
    return Path(path)


def open_storage(url: str) -> Storage:
    """The (not yet opened) storage a database URL names."""
    scheme = url.split(":", 1)[0].lower()
    if scheme == "sqlite":
        from ecwid_customers.storage.sqlite.storage import SQLiteStorage

        return SQLiteStorage(sqlite_path(url))
    if scheme.startswith("postgres"):
        from ecwid_customers.storage.postgres.storage import PostgresStorage

        try:
            return PostgresStorage(url)
        except ValueError as error:
            raise DatabaseUrlError(str(error)) from None
    raise DatabaseUrlError(
        f"unsupported database URL {url!r}: expected sqlite:///path.db or postgresql://..."
    )
