"""Which of a term's trigrams few customers hold: the ones a keyword search asks the index for.

FTS5 intersects the trigrams of a query by stepping through each one's list of rows, so a
common trigram ("smi" of "smith123", held by a tenth of a store) costs as much as all the
matches do; a few rare ones already leave few candidates, and ``instr()`` checks those
exactly. FTS5 keeps no count per term that is cheap to read (fts5vocab reads the
whole list), so this counts at most the first :data:`_SAMPLE` rows of the list (by rowid) and,
for a longer one, scales that up by the rowids those rows span; and it keeps the estimate a
while. The estimate only chooses which trigrams to ask for, never which customers match: a
poor or old one costs time, not results.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable

from ecwid_customers.storage.sqlite.text_index import match_expression, trigrams

# Rows read per estimate: about half a millisecond for a list that long.
_SAMPLE = 4096
_PROBE = (
    "SELECT count(*), min(rowid), max(rowid) FROM (SELECT rowid FROM customer_text "
    f"WHERE customer_text MATCH ? LIMIT {_SAMPLE})"
)
# How long an estimate is used: lists grow with the store, but a trigram's rank among a
# term's others changes slowly.
MAX_AGE = 600.0
# Candidates past which a third trigram is worth asking for: checking each costs a few µs.
MANY = 2048
_MAX_ENTRIES = 100_000  # a few MB; past it the counts start over


class TrigramCounts:
    """Estimated rows per trigram of one database's text index, shared by its connections."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._counts: dict[str, tuple[int, float]] = {}

    def rarest(self, connection: sqlite3.Connection, term: str) -> list[str]:
        """The trigrams of ``term`` to ask the index for: its two rarest, and, where those
        two still leave many rows, the rarest trigram that overlaps neither. Overlapping
        trigrams go together ("r72" and "er7" of "muller72" are both in every "user72..."
        email), and a trigram from elsewhere in the term then cuts the candidates tenfold;
        where the two leave few, a third, common one would cost more than it saves."""
        grams = trigrams(term)
        if len(grams) <= 2:
            return grams
        counted = sorted((self._count(connection, [gram]), gram) for gram in grams)
        picked = [gram for _, gram in counted[:2]]
        if self._count(connection, picked) < MANY:
            return picked
        starts = [term.find(gram) for gram in picked]
        apart = [g for _, g in counted if all(abs(term.find(g) - at) >= 3 for at in starts)]
        return picked + apart[:1]

    def _count(self, connection: sqlite3.Connection, grams: list[str]) -> int:
        """The estimated rows holding all of ``grams``, as kept or read now."""
        query = match_expression(grams)
        now = self._clock()
        known = self._counts.get(query)
        if known is None or now - known[1] > MAX_AGE:
            top = connection.execute("SELECT max(rowid) FROM customers").fetchone()[0] or 0
            known = (_estimate(connection, query, top), now)
            if len(self._counts) >= _MAX_ENTRIES:
                self._counts = {}
            self._counts[query] = known
        return known[0]


def _estimate(connection: sqlite3.Connection, query: str, top: int) -> int:
    """The rows matching the FTS5 ``query``: exact below :data:`_SAMPLE`, else the first
    rows' density over all rowids up to ``top``."""
    found, first, last = connection.execute(_PROBE, (query,)).fetchone()
    if found < _SAMPLE:
        return int(found)
    return int(_SAMPLE * max(top - first, 1) // max(last - first, 1))
