"""The part of asyncpg the PostgreSQL storage uses, with types.

asyncpg ships no type information. Naming here the few calls the storage makes keeps every
other module checked by mypy, and keeps the one untyped import in one place.
"""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from typing import Any, Protocol

import asyncpg

from ecwid_customers.storage.urls import DatabaseUrlError


class Row(Protocol):
    def __getitem__(self, index: int, /) -> Any: ...


class Connection(Protocol):
    """What storage functions may do on a connection (inside the transaction they are given,
    for writes)."""

    async def execute(self, query: str, *args: object) -> str: ...

    async def fetch(self, query: str, *args: object) -> list[Row]: ...

    async def fetchrow(self, query: str, *args: object) -> Row | None: ...

    async def fetchval(self, query: str, *args: object) -> Any: ...

    async def executemany(self, query: str, args: list[tuple[object, ...]]) -> None: ...


class PoolConnection(Connection, Protocol):
    def transaction(
        self, *, isolation: str | None = None, readonly: bool = False
    ) -> AbstractAsyncContextManager[object]: ...


class Pool(Protocol):
    def acquire(self) -> AbstractAsyncContextManager[PoolConnection]: ...

    async def close(self) -> None: ...


# A duplicate key. Which constraint it broke is in its ``constraint_name``.
UniqueViolation: type[Exception] = asyncpg.UniqueViolationError

# Failures after which the whole transaction can simply run again: PostgreSQL undid all of it.
# Lock order (see ``storage.py``) keeps deadlocks out of ordinary traffic; these catch the rest.
RETRYABLE: tuple[type[Exception], ...] = (
    asyncpg.DeadlockDetectedError,
    asyncpg.SerializationError,
)


def constraint_name(error: Exception) -> str | None:
    name = getattr(error, "constraint_name", None)
    return name if isinstance(name, str) else None


def dsn(url: str) -> str:
    """asyncpg's form of a database URL: SQLAlchemy's ``postgresql+driver://`` loses its
    driver, so one URL serves both the migrations and the server."""
    scheme, separator, rest = url.partition("://")
    if not separator:
        raise DatabaseUrlError(f"{url!r} is not a PostgreSQL URL: expected postgresql://...")
    base = scheme.split("+", 1)[0].lower()
    if base not in ("postgresql", "postgres"):
        raise DatabaseUrlError(f"{url!r} is not a PostgreSQL URL: expected postgresql://...")
    return f"postgresql://{rest}"


async def create_pool(url: str, *, min_size: int, max_size: int) -> Pool:
    pool: Pool = await asyncpg.create_pool(
        dsn(url),
        min_size=min_size,
        max_size=max_size,
        # Names the server's sessions in pg_stat_activity.
        server_settings={"application_name": "ecwid-customers"},
    )
    return pool
