"""Database URLs in the usual SQLAlchemy form: which engine one names, and its parts.

Only parsing lives here (the migrations and both engines read URLs); opening storage is
``open_storage`` in the package's ``__init__``.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Literal

DEFAULT_DATABASE_URL = "sqlite:///ecwid-customers.db"
DATABASE_URL_ENV = "ECWID_CUSTOMERS_DATABASE_URL"

EngineName = Literal["sqlite", "postgresql"]


class DatabaseUrlError(ValueError):
    pass


class EngineNotInstalled(DatabaseUrlError):
    """The URL names an engine whose packages are an optional extra that is not installed."""


# The packages the ``[postgresql]`` extra brings: asyncpg serves, psycopg migrates.
POSTGRESQL_MODULES = ("asyncpg", "psycopg")
POSTGRESQL_EXTRA = "pip install 'ecwid-customers[postgresql]'"


def engine_of(url: str) -> EngineName:
    """The engine a URL names, or :class:`DatabaseUrlError`."""
    scheme = url.split(":", 1)[0].lower()
    if scheme == "sqlite":
        return "sqlite"
    if scheme.startswith("postgres"):
        return "postgresql"
    raise DatabaseUrlError(
        f"unsupported database URL {url!r}: expected sqlite:///path.db or postgresql://..."
    )


def check_installed(engine: EngineName) -> None:
    """:class:`EngineNotInstalled` when PostgreSQL is named but its extra is missing: a SQLite
    install does not carry the PostgreSQL drivers."""
    if engine != "postgresql":
        return
    missing = [name for name in POSTGRESQL_MODULES if importlib.util.find_spec(name) is None]
    if missing:
        raise EngineNotInstalled(
            f"PostgreSQL support is not installed (no {', '.join(missing)}): {POSTGRESQL_EXTRA}"
        )


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


def postgres_dsn(url: str) -> str:
    """asyncpg's form of a database URL: SQLAlchemy's ``postgresql+driver://`` loses its
    driver, so one URL serves both the migrations and the server."""
    scheme, separator, rest = url.partition("://")
    base = scheme.split("+", 1)[0].lower()
    if not separator or base not in ("postgresql", "postgres"):
        raise DatabaseUrlError(f"{url!r} is not a PostgreSQL URL: expected postgresql://...")
    return f"postgresql://{rest}"
