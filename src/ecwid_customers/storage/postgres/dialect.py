"""PostgreSQL's side of the core: its SQL fragments, and a session over an asyncpg connection.

Names and emails are matched with ``LIKE '%term%'``, which the trigram GIN indexes
(``customers_name_text``, ``customers_email_text``, both led by ``store_id``) answer, so
substring search does not read every customer. The planner has the statistics to choose
between those, the ``(store_id, ...)`` b-tree indexes and the sort order's index by itself,
so unlike SQLite's the order needs no hints. Documents are ``jsonb``.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from typing import Any

from ecwid_customers.storage.core.session import Duplicate, Row
from ecwid_customers.storage.core.sql import SearchSql
from ecwid_customers.storage.postgres import db


def like_substring(term: str) -> str:
    """A LIKE pattern (``ESCAPE '\\'``) matching values that contain ``term`` literally."""
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


class PostgresDialect:
    # Many processes write at once: the core takes these locks in one order (see
    # core/customers.py).
    for_update = " FOR UPDATE"
    for_no_key_update = " FOR NO KEY UPDATE"
    for_key_share = " FOR KEY SHARE"
    for_update_skip_locked = " FOR UPDATE OF d SKIP LOCKED"
    locks_rows = True
    access_notice: str | None = f"SELECT pg_notify('{db.ACCESS_CHANNEL}', '')"

    def document(self, encoded: bytes) -> object:
        return encoded.decode()  # asyncpg passes jsonb as text

    def json_text(self, document: str, path: str) -> str:
        # ->> reads the last key as text; -> the ones before it, as jsonb.
        *parents, last = path.split(".")
        return document + "".join(f"->'{key}'" for key in parents) + f"->>'{last}'"

    def boolean(self, expression: str) -> str:
        return f"({expression})::boolean"

    def elements(self, key: str, alias: str) -> str:
        return f"jsonb_array_elements(c.doc->'{key}') {alias}(value)"

    def fold(self, expression: str) -> str:
        return f"lower({expression})"

    def contains(self, haystack: str, needle: str) -> str:
        return f"strpos({haystack}, {needle}) > 0"

    def match_text(self, query: SearchSql, columns: tuple[str, ...], term: str) -> None:
        tests = " OR ".join(f"c.{column} LIKE ? ESCAPE '\\'" for column in columns)
        query.add(f"({tests})", *[like_substring(term)] * len(columns))

    def order_by(self, terms: Sequence[tuple[str, str]], query: SearchSql) -> str:
        return ", ".join(f"{column} {direction}" for column, direction in terms)


POSTGRES = PostgresDialect()


@functools.lru_cache(maxsize=4096)
def numbered(sql: str) -> str:
    """The core's ``?`` marks as PostgreSQL's ``$1, $2...`` (no statement holds a literal
    ``?``); the few hundred distinct statements are converted once each."""
    parts = sql.split("?")
    return "".join(f"{part}${i}" for i, part in enumerate(parts[:-1], 1)) + parts[-1]


def _changed(status: str) -> int:
    """The row count of a command status: ``UPDATE 3``, ``INSERT 0 1``, ``DELETE 0``."""
    count = status.rpartition(" ")[2]
    return int(count) if count.isdigit() else 0


class PostgresSession:
    """Core statements on one pooled connection, inside the engine's transaction (if any)."""

    dialect = POSTGRES

    def __init__(self, connection: db.Connection) -> None:
        self.connection = connection

    async def rows(self, sql: str, *args: object) -> list[Row]:
        return await self.connection.fetch(numbered(sql), *args)

    async def row(self, sql: str, *args: object) -> Row | None:
        return await self.connection.fetchrow(numbered(sql), *args)

    async def value(self, sql: str, *args: object) -> Any:
        try:
            return await self.connection.fetchval(numbered(sql), *args)
        except db.UniqueViolation as error:  # an INSERT ... RETURNING
            raise Duplicate(db.constraint_name(error) or "?") from None

    async def run(self, sql: str, *args: object) -> int:
        try:
            return _changed(await self.connection.execute(numbered(sql), *args))
        except db.UniqueViolation as error:
            raise Duplicate(db.constraint_name(error) or "?") from None

    async def run_many(self, sql: str, rows: Iterable[Sequence[object]]) -> None:
        try:
            await self.connection.executemany(numbered(sql), rows)
        except db.UniqueViolation as error:
            raise Duplicate(db.constraint_name(error) or "?") from None
