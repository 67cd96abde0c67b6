"""The part of asyncpg the PostgreSQL storage uses, with types.

asyncpg ships no type information. Naming here the few calls the storage makes keeps every
other module checked by mypy, and keeps the one untyped import in one place.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any, Protocol

import asyncpg

from ecwid_customers.storage.core.session import Row
from ecwid_customers.storage.urls import postgres_dsn


class Connection(Protocol):
    """What the session does on a connection (inside the transaction the engine opened)."""

    async def execute(self, query: str, *args: object) -> str: ...

    async def fetch(self, query: str, *args: object) -> list[Row]: ...

    async def fetchrow(self, query: str, *args: object) -> Row | None: ...

    async def fetchval(self, query: str, *args: object) -> Any: ...

    async def executemany(self, query: str, args: Iterable[Sequence[object]]) -> None: ...


class PoolConnection(Connection, Protocol):
    def transaction(
        self, *, isolation: str | None = None, readonly: bool = False
    ) -> AbstractAsyncContextManager[object]: ...


class Pool(Protocol):
    def acquire(self) -> AbstractAsyncContextManager[PoolConnection]: ...

    async def close(self) -> None: ...


# The channel on which a write that changes what an access check reads (a store's settings, a
# token) tells every server process, so that they can keep access answers until then.
ACCESS_CHANNEL = "ecwid_customers_access"

# A duplicate key. Which constraint it broke is in its ``constraint_name``.
UniqueViolation: type[Exception] = asyncpg.UniqueViolationError

# Failures after which the whole transaction can simply run again: PostgreSQL undid all of it.
# Lock order (see ``core/customers.py``) keeps deadlocks out of ordinary traffic; these
# catch the rest.
RETRYABLE: tuple[type[Exception], ...] = (
    asyncpg.DeadlockDetectedError,
    asyncpg.SerializationError,
)


# A row whose store is gone (a batched create racing the store's deletion).
ForeignKeyViolation: type[Exception] = asyncpg.ForeignKeyViolationError

# A batch of creates (``creates.py``) is also run again after a duplicate id: a reset of the store
# set its counters back under ids reserved before it. (A duplicate email is no error there.)
RETRYABLE_BATCH: tuple[type[Exception], ...] = (*RETRYABLE, UniqueViolation)


def constraint_name(error: Exception) -> str | None:
    name = getattr(error, "constraint_name", None)
    return name if isinstance(name, str) else None


async def _no_reset(connection: object) -> None:
    """What a connection needs when it goes back to the pool beyond asyncpg's own rollback of
    an open transaction: nothing. Its default reset (``RESET ALL``, ``UNLISTEN *``, unlocking
    advisory locks) is one more round trip on every release, which the caller waits for, and
    this code sets no session state, listens to nothing and takes no advisory lock on a pooled
    connection (migrations use their own)."""


async def create_pool(
    url: str, *, min_size: int, max_size: int, settings: dict[str, str] | None = None
) -> Pool:
    pool: Pool = await asyncpg.create_pool(
        postgres_dsn(url),
        min_size=min_size,
        max_size=max_size,
        # Names the server's sessions in pg_stat_activity.
        server_settings={"application_name": "ecwid-customers", **(settings or {})},
        reset=_no_reset,
    )
    return pool


# What says "the database cannot do this now" rather than "this request is wrong": the kind
# of fault, in a few words, by exception class (the first that matches).
_UNAVAILABLE: tuple[tuple[type[BaseException], str], ...] = (
    (asyncpg.exceptions.DiskFullError, "the database server's disk is full"),
    (asyncpg.exceptions.InsufficientResourcesError, "the database server is out of resources"),
    (asyncpg.exceptions.ReadOnlySQLTransactionError, "the database is read-only"),
    (asyncpg.exceptions.OperatorInterventionError, "the database server is shutting down"),
    (asyncpg.exceptions.PostgresConnectionError, "the connection to the database failed"),
    (asyncpg.exceptions.ConnectionDoesNotExistError, "the connection to the database was lost"),
    (OSError, "the database server cannot be reached"),
)


def unavailable(error: BaseException) -> str | None:
    """The kind of fault ``error`` is, or ``None`` for one that is the request's or code's."""
    for kind, words in _UNAVAILABLE:
        if isinstance(error, kind):
            return words
    return None


class Listener:
    """A connection of its own that LISTENs on :data:`ACCESS_CHANNEL`: ``on_notice`` for each
    notification, ``on_lost`` once if the connection ends."""

    def __init__(self, connection: Any) -> None:
        self._connection = connection

    @classmethod
    async def start(
        cls, url: str, on_notice: Callable[[], None], on_lost: Callable[[], None]
    ) -> Listener:
        connecting = asyncio.ensure_future(cls._connect(url, on_notice, on_lost))
        try:
            # Shielded: a connection made after the caller gave up (the server is stopping)
            # is closed when it arrives instead of being left open.
            return await asyncio.shield(connecting)
        except asyncio.CancelledError:
            connecting.add_done_callback(_close_when_made)
            raise

    @classmethod
    async def _connect(
        cls, url: str, on_notice: Callable[[], None], on_lost: Callable[[], None]
    ) -> Listener:
        connection = await asyncpg.connect(
            postgres_dsn(url), server_settings={"application_name": "ecwid-customers listener"}
        )
        try:
            connection.add_termination_listener(lambda _connection: on_lost())
            await connection.add_listener(ACCESS_CHANNEL, lambda *_args: on_notice())
        except BaseException:
            connection.terminate()
            raise
        return cls(connection)

    async def alive(self, seconds: float) -> bool:
        """Whether the connection still answers: an idle connection whose peer vanished
        without a word (a NAT or a balancer dropping the flow) would never say it was lost."""
        try:
            await self._connection.fetchval("SELECT 1", timeout=seconds)
        except Exception:  # whatever it is, notices can no longer be trusted to arrive
            self._connection.terminate()  # the termination listener reports the loss
            return False
        return True

    async def close(self) -> None:
        await self._connection.close(timeout=2)


def _close_when_made(connecting: asyncio.Future[Listener]) -> None:
    if not connecting.cancelled() and connecting.exception() is None:
        connecting.result()._connection.terminate()
