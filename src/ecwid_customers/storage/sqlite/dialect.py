"""SQLite's side of the core: its SQL fragments, and a session over a ``sqlite3`` connection.

Names and emails are matched through the ``customer_text`` FTS5 trigram index, so substring
search does not read every customer: its matches drive the query (a CROSS JOIN fixes that
order). SQLite's planner has no statistics to choose between a filter's index and the sort
order's, so a query whose filter narrows the rows hides the sort index from it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from ecwid_customers.storage.core.session import Duplicate, Row
from ecwid_customers.storage.core.sql import SearchSql
from ecwid_customers.storage.faults import sqlite_fault
from ecwid_customers.storage.sqlite import text_index
from ecwid_customers.storage.sqlite.trigram_counts import TrigramCounts

_GLOB_SPECIAL = frozenset("*?[]")

# SQLite names the columns of a broken unique index, not the index: which index is that.
_UNIQUE_INDEXES = {
    "customers.store_id, customers.email_key": "customers_by_email",
    "tokens.store_id, tokens.token_hash": "tokens_by_hash",
}


def _indexable(term: str) -> bool:
    """Whether the trigram index can answer for ``term``: three characters or more (shorter
    non-ASCII terms find nothing in SQLite 3.40's index), no glob characters, and no NUL
    (FTS5's query parser ends a string there: "unterminated string")."""
    return len(term) >= 3 and _GLOB_SPECIAL.isdisjoint(term) and "\x00" not in term


# Which of a term's trigrams to ask the index for (see trigram_counts.py).
PickTrigrams = Callable[[str], list[str]]


class SQLiteDialect:
    # One writer thread runs each write transaction alone: nothing to lock against.
    for_update = for_no_key_update = for_key_share = for_update_skip_locked = ""
    locks_rows = False
    access_notice: str | None = None  # PRAGMA data_version sees every commit

    def __init__(self, pick: PickTrigrams | None = None) -> None:
        # Without a pick, every trigram of the term: the same rows, found more slowly.
        self._pick = pick

    def document(self, encoded: bytes) -> object:
        return encoded

    def json_text(self, document: str, path: str) -> str:
        return f"json_extract({document}, '$.{path}')"

    def boolean(self, expression: str) -> str:
        # JSON true and false read back as 1 and 0, and a Python bool binds as the same.
        return expression

    def elements(self, key: str, alias: str) -> str:
        return f"json_each(c.doc, '$.{key}') {alias}"

    def fold(self, expression: str) -> str:
        # SQLite's lower() folds ASCII only; py_lower (connection.py) is Python's, as the
        # stored keys are written.
        return f"py_lower({expression})"

    def contains(self, haystack: str, needle: str) -> str:
        return f"instr({haystack}, {needle}) > 0"

    def match_text(self, query: SearchSql, columns: tuple[str, ...], term: str) -> None:
        if query.source != "customers c" or not _indexable(term):
            # A second text filter, a short term, or one with glob characters (matched
            # literally): checked on the rows the other filters leave.
            tests = " OR ".join(self.contains(f"c.{column}", "?") for column in columns)
            query.add(f"({tests})", *[term] * len(columns))
            return
        # The trigram index's candidates drive the query: the rows holding the term's
        # trigrams, in any column (detail=none keeps no columns). instr() then keeps those
        # where one of the columns holds the term itself, reading only the candidates' rows.
        query.source = (
            "(SELECT rowid AS row_id FROM customer_text WHERE customer_text MATCH ?) m "
            "CROSS JOIN customers c ON c.row_id = m.row_id"
        )
        grams = self._pick(term) if self._pick else text_index.trigrams(term)
        query.source_params = [text_index.match_expression(grams)]
        tests = " OR ".join(self.contains(f"c.{column}", "?") for column in columns)
        query.add(f"({tests})", *[term] * len(columns))
        query.selective = True

    def order_by(self, terms: Sequence[tuple[str, str]], query: SearchSql) -> str:
        # "+column" hides the sort index from the planner, so the filter's index is used.
        hide = "+" if query.selective else ""
        return ", ".join(f"{hide}{column} {direction}" for column, direction in terms)


SQLITE = SQLiteDialect()


class SQLiteSession:
    """Core statements on one connection; the caller owns the transaction."""

    def __init__(self, connection: sqlite3.Connection, counts: TrigramCounts | None = None) -> None:
        self.connection = connection
        self.dialect = (
            SQLITE
            if counts is None
            else SQLiteDialect(lambda term: counts.rarest(connection, term))
        )

    def _execute(self, sql: str, args: Sequence[object]) -> sqlite3.Cursor:
        try:
            return self.connection.execute(sql, args)
        except sqlite3.IntegrityError as error:
            raise _duplicate(error) from None
        except sqlite3.OperationalError as error:
            fault = sqlite_fault(error)
            if fault is None:
                raise
            raise fault from None

    async def rows(self, sql: str, *args: object) -> list[Row]:
        return self._execute(sql, args).fetchall()

    async def row(self, sql: str, *args: object) -> Row | None:
        found: Row | None = self._execute(sql, args).fetchone()
        return found

    async def value(self, sql: str, *args: object) -> Any:
        found = self._execute(sql, args).fetchone()
        return None if found is None else found[0]

    async def run(self, sql: str, *args: object) -> int:
        return self._execute(sql, args).rowcount

    async def run_many(self, sql: str, rows: Iterable[Sequence[object]]) -> None:
        try:
            self.connection.executemany(sql, rows)
        except sqlite3.IntegrityError as error:
            raise _duplicate(error) from None
        except sqlite3.OperationalError as error:
            fault = sqlite_fault(error)
            if fault is None:
                raise
            raise fault from None


def _duplicate(error: sqlite3.IntegrityError) -> Exception:
    message = str(error)
    prefix = "UNIQUE constraint failed: "
    if not message.startswith(prefix):
        return error  # a check or foreign key: a bug, not a duplicate
    columns = message[len(prefix) :]
    return Duplicate(_UNIQUE_INDEXES.get(columns, columns))
