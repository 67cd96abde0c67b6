"""The three things an engine gives the core: a session, a dialect and transactions.

The core writes its SQL once, with ``?`` for each parameter in the order given (SQLite's own
style; the PostgreSQL session numbers them ``$1, $2...``, so no statement holds a literal
``?``). A :class:`Session` runs such statements inside whatever transaction the engine opened;
the :class:`Dialect` fills in the few places where the two SQL dialects differ; the
:class:`Engine` decides how a piece of work meets the database (a transaction, a reader thread,
a snapshot). Every session method is a coroutine: the PostgreSQL session really awaits the
server, the SQLite one never suspends, so the same core code runs on SQLite's writer thread
(see :func:`run_sync`) and on the event loop.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Iterable, Sequence
from typing import Any, Protocol, TypeVar

from ecwid_customers.storage.core.sql import SearchSql

T = TypeVar("T")


class Row(Protocol):
    """A result row: SQLite's tuple or asyncpg's Record, read by position."""

    def __getitem__(self, index: int, /) -> Any: ...


class Duplicate(Exception):
    """A statement broke a unique index; sessions raise this with the index's name
    (``customers_by_email``, ``tokens_by_hash``), whatever the engine calls the error."""

    def __init__(self, index: str) -> None:
        super().__init__(f"duplicate key in {index}")
        self.index = index


class Session(Protocol):
    @property
    def dialect(self) -> Dialect: ...

    async def rows(self, sql: str, *args: object) -> list[Row]: ...

    async def row(self, sql: str, *args: object) -> Row | None: ...

    async def value(self, sql: str, *args: object) -> Any:
        """The first column of the first row, ``None`` when there is no row."""
        ...

    async def run(self, sql: str, *args: object) -> int:
        """Run a change; the number of rows it changed."""
        ...

    async def run_many(self, sql: str, rows: Iterable[Sequence[object]]) -> None: ...


class Dialect(Protocol):
    """Where the engines' SQL differs, as small fragments the core composes."""

    # Row locks appended to a SELECT. Empty on SQLite: its one writer thread runs every write
    # transaction alone, so there is nothing to lock against.
    for_update: str
    for_no_key_update: str
    for_key_share: str
    # Claims rows of the alias ``d`` that no other transaction holds, passing over the rest.
    for_update_skip_locked: str

    # A statement that tells every server process, at commit, that a store's settings or
    # tokens changed (what ``Storage.access`` answers from); ``None`` where the engine's
    # change stamp sees every commit by itself.
    access_notice: str | None

    @property
    def locks_rows(self) -> bool:
        """Whether concurrent write transactions exist, so lock order matters."""
        ...

    def document(self, encoded: bytes) -> object:
        """A JSON document (msgspec's bytes) as the engine's statement parameter."""
        ...

    def json_text(self, document: str, path: str) -> str:
        """SQL for the value at ``path`` (keys joined by dots) of a JSON ``document``: the
        ``c.doc`` column, or ``alias.value`` of :meth:`elements`."""
        ...

    def boolean(self, expression: str) -> str:
        """A JSON value read by :meth:`json_text` as SQL's boolean (NULL when missing)."""
        ...

    def elements(self, key: str, alias: str) -> str:
        """A FROM item: the elements of the array at ``key`` of ``c.doc``, each one's JSON
        ``alias.value``."""
        ...

    def fold(self, expression: str) -> str:
        """``expression`` lower-cased, the same way on both sides of a comparison."""
        ...

    def contains(self, haystack: str, needle: str) -> str:
        """SQL true where ``haystack`` contains ``needle`` literally."""
        ...

    def match_text(self, query: SearchSql, columns: tuple[str, ...], term: str) -> None:
        """Add to ``query`` the rows where any of the columns (lower-cased keys) contains
        ``term``, the way the engine's text index answers fastest."""
        ...

    def order_by(self, terms: Sequence[tuple[str, str]], query: SearchSql) -> str:
        """``ORDER BY`` for ``(column, ASC|DESC)`` terms, given the rest of the query."""
        ...


Work = Callable[[Session], Coroutine[Any, Any, T]]


class Engine(Protocol):
    """How work meets the database. Each method hands ``work`` a session and returns its
    result; a write's result is returned only once its transaction has committed."""

    @property
    def dialect(self) -> Dialect: ...

    async def open(self) -> None: ...

    async def close(self) -> None: ...

    async def problems(self) -> tuple[str, ...]:
        """See :meth:`~ecwid_customers.storage.base.Storage.problems`."""
        ...

    def change_stamp(self) -> int | None:
        """A number that stays the same only while nothing in the database has changed (by
        any connection, in any process), read without a query; ``None`` where the engine
        cannot tell that cheaply (nothing read is then kept for reuse)."""
        ...

    def commit_stamp(self) -> int | None:
        """Like :meth:`change_stamp`, but moving with every commit of any connection in any
        process (customers included, not only what access depends on); ``None`` where the
        engine cannot tell that cheaply."""
        ...

    async def read(self, work: Work[T]) -> T:
        """A short read (a lookup by key)."""
        ...

    async def read_long(self, work: Work[T]) -> T:
        """A read that may take long (a search, a listing): kept off the event loop where the
        engine blocks it, and seeing one snapshot where that costs nothing."""
        ...

    async def snapshot(self, work: Work[T]) -> T:
        """A read of several statements that must all see one snapshot (an export)."""
        ...

    async def write(self, work: Work[T], *, short: bool = False) -> T:
        """One transaction: all of ``work`` is kept, or nothing of it. ``short``: ``work`` is
        a few statements on a row or two (a PUT), which an engine may run where that costs
        least (SQLite: on the event loop's thread, ``sqlite/writer.py``)."""
        ...


def run_sync(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine that never suspends (core code on a SQLite session) to its end, on
    whatever thread calls this: no event loop is needed for one that never waits."""
    try:
        coroutine.send(None)
    except StopIteration as finished:
        result: T = finished.value
        return result
    coroutine.close()
    raise RuntimeError("storage work waited for something on a thread without an event loop")
