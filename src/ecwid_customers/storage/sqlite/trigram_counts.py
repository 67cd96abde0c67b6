"""Which of a term's trigrams few customers hold: the ones a keyword search asks the index for.

FTS5 intersects the trigrams of a query by stepping through each one's list of rows, so a
common trigram ("smi" of "smith123", held by a tenth of a store) costs as much as all the
matches do; the term's two rarest trigrams already leave few candidates, and ``instr()``
checks those exactly. FTS5 keeps no count per term that is cheap to read (fts5vocab reads the
whole list), so this counts at most the first :data:`_SAMPLE` rows of the list (by rowid) and,
for a longer one, scales that up by the rowids those rows span; and it keeps the estimate a
while. The estimate only chooses which trigrams to ask for, never which customers match: a
poor or old one costs time, not results.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable

from ecwid_customers.storage.sqlite.text_index import match_expression

# Rows read per estimate: about half a millisecond for a list that long.
_SAMPLE = 4096
_PROBE = (
    "SELECT count(*), min(rowid), max(rowid) FROM (SELECT rowid FROM customer_text "
    f"WHERE customer_text MATCH ? LIMIT {_SAMPLE})"
)
# How long an estimate is used: lists grow with the store, but a trigram's rank among a
# term's others changes slowly.
MAX_AGE = 600.0
_MAX_ENTRIES = 100_000  # a few MB; past it the counts start over
RAREST = 2  # trigrams a search asks for


class TrigramCounts:
    """Estimated rows per trigram of one database's text index, shared by its connections."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._counts: dict[str, tuple[int, float]] = {}

    def rarest(self, connection: sqlite3.Connection, grams: list[str]) -> list[str]:
        """The :data:`RAREST` trigrams of ``grams`` the fewest rows hold, fewest first."""
        if len(grams) <= RAREST:
            return grams
        now = self._clock()
        top: int | None = None
        counted: list[tuple[int, str]] = []
        for gram in grams:
            known = self._counts.get(gram)
            if known is None or now - known[1] > MAX_AGE:
                if top is None:
                    top = connection.execute("SELECT max(rowid) FROM customers").fetchone()[0] or 0
                known = (_estimate(connection, gram, top), now)
                if len(self._counts) >= _MAX_ENTRIES:
                    self._counts = {}
                self._counts[gram] = known
            counted.append((known[0], gram))
        counted.sort()
        return [gram for _, gram in counted[:RAREST]]


def _estimate(connection: sqlite3.Connection, gram: str, top: int) -> int:
    """The rows holding ``gram``: exact below :data:`_SAMPLE`, else the first rows' density
    over all rowids up to ``top``."""
    found, first, last = connection.execute(_PROBE, (match_expression([gram]),)).fetchone()
    if found < _SAMPLE:
        return int(found)
    return int(_SAMPLE * max(top - first, 1) // max(last - first, 1))
