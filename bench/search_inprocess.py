"""Keyword search timed in-process: ``search_keyword.lua``'s keywords, no HTTP in between.

``python bench/search_inprocess.py DB [--rows N]`` fills ``DB`` first when it does not exist
(``run.py``'s big store: ``--rows`` customers in store 1003), then runs the storage layer's
``search_page`` for each of the 200 distinct keywords three times and prints the median and
mean of each keyword's best time, split by how many customers match. Run it on the code before
and after a change in alternating rounds: this machine is shared and its timings are noisy.
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import sys
import time
from pathlib import Path

from run import STORE, seed_sqlite

from ecwid_customers.domain.search import CustomerQuery, Page
from ecwid_customers.storage.core import customers
from ecwid_customers.storage.core.session import run_sync
from ecwid_customers.storage.sqlite.connection import configure
from ecwid_customers.storage.sqlite.dialect import SQLiteSession

WORDS = ("smith1", "lee2", "garcia3", "novak4", "okafor5", "tanaka6", "muller7", "rossi8")
# search_keyword.lua's n-th keyword; the pattern repeats every 200.
KEYWORDS = [WORDS[n % 8] + str(n % 100) for n in range(200)]


def _session(connection: sqlite3.Connection) -> SQLiteSession:
    try:  # the engine's trigram estimates, where the code has them
        from ecwid_customers.storage.sqlite.trigram_counts import TrigramCounts
    except ImportError:
        return SQLiteSession(connection)
    return SQLiteSession(connection, TrigramCounts())


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("database", type=Path)
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args(argv)
    if not args.database.exists():
        seed_sqlite(args.database, args.rows)
    connection = sqlite3.connect(args.database, isolation_level=None)
    configure(connection)
    session = _session(connection)

    def search(keyword: str) -> int:
        query = CustomerQuery(keyword=keyword, page=Page(offset=0, limit=10))
        return run_sync(customers.search_page(session, STORE, query)).total

    for keyword in KEYWORDS:  # warm: page cache, estimates
        search(keyword)
    best: list[tuple[float, int]] = []
    for keyword in KEYWORDS:
        times = []
        for _ in range(3):
            started = time.perf_counter()
            total = search(keyword)
            times.append(time.perf_counter() - started)
        best.append((min(times), total))
    print(f"{args.database}: {len(KEYWORDS)} keywords, best of 3 each")
    print(f"  median {statistics.median(t for t, _ in best) * 1e3:.2f} ms")
    print(f"  mean   {statistics.mean(t for t, _ in best) * 1e3:.2f} ms")
    few = [t for t, total in best if total < 500]
    many = [t for t, total in best if total >= 500]
    for label, picked in (("< 500 matches", few), (">= 500 matches", many)):
        if picked:
            print(f"  {label}: {len(picked)} keywords, mean {statistics.mean(picked) * 1e3:.2f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
