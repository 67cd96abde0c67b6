"""The trigram text index (``customer_text``) is brought up to date once per write batch.

New customers wait in ``customer_text_pending`` (filled by a trigger, see migration 0006) and
join the index in one statement here, in the transaction that commits them: half the cost of
indexing them one by one, and a committed customer is always searchable. Whatever writes
customers on a connection of its own (a bulk load) calls :func:`flush` before it commits.
"""

from __future__ import annotations

import sqlite3

_INDEX_PENDING = (
    "INSERT INTO customer_text (rowid, name_key, email_key) "
    "SELECT c.row_id, c.name_key, c.email_key "
    "FROM customer_text_pending p JOIN customers c ON c.row_id = p.row_id"
)


def flush(connection: sqlite3.Connection) -> None:
    """Index the customers written since the last flush, inside the caller's transaction."""
    if connection.execute("SELECT 1 FROM customer_text_pending LIMIT 1").fetchone():
        connection.execute(_INDEX_PENDING)
        connection.execute("DELETE FROM customer_text_pending")


def trigrams(term: str) -> list[str]:
    """The distinct three-character pieces of ``term``, as the trigram tokenizer cuts it."""
    return list(dict.fromkeys(term[i : i + 3] for i in range(len(term) - 2)))


def match_expression(grams: list[str]) -> str:
    """An FTS5 query for the rows holding every one of ``grams``: each a quoted string, which
    the tokenizer reads as exactly that one trigram."""
    return " AND ".join('"' + gram.replace('"', '""') + '"' for gram in grams)
