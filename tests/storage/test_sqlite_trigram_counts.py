"""SQLite keyword searches ask the text index for the term's rarest trigrams
(``storage/sqlite/trigram_counts.py``): which ones those are, and that the customers found
are the same whichever trigrams are asked for."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from ecwid_customers.domain.create import build_new_customer
from ecwid_customers.domain.inputs import BillingPersonInput, CustomerInput
from ecwid_customers.domain.models import Store
from ecwid_customers.domain.search import CustomerQuery
from ecwid_customers.storage.core import customers
from ecwid_customers.storage.core.session import run_sync
from ecwid_customers.storage.sqlite import text_index, trigram_counts
from ecwid_customers.storage.sqlite.connection import configure
from ecwid_customers.storage.sqlite.dialect import SQLiteSession
from ecwid_customers.storage.sqlite.trigram_counts import TrigramCounts

STORE = 1003


@pytest.fixture
def connection(migrated_sqlite: Path) -> sqlite3.Connection:
    """A store whose names hold "smith" often, "smith1" less often, "smith12" rarely."""
    connection = sqlite3.connect(migrated_sqlite, isolation_level=None)
    configure(connection)
    connection.execute(
        "INSERT INTO stores (id, languages, created_at) VALUES (?, 'en', 0)", (STORE,)
    )
    session = SQLiteSession(connection)
    for n in range(1, 301):
        person = BillingPersonInput(name=f"Ann Smith{n}")
        sent = CustomerInput(email=f"user{n}@mail.example", billing_person=person)
        new = build_new_customer(sent, store=Store(id=STORE, languages=("en",)), now=1)
        run_sync(customers.create(session, STORE, new, now=1))
    text_index.flush(connection)
    return connection


def test_the_rarest_trigrams_are_asked_for(connection: sqlite3.Connection) -> None:
    # "123" is in one row (name and email of 123), "h12" in 11 (12, 120-129), "smi" in all.
    assert TrigramCounts().rarest(connection, "smith123") == ["123", "h12"]


def test_where_the_two_rarest_leave_many_rows_a_third_from_elsewhere_is_asked_for(
    connection: sqlite3.Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(trigram_counts, "MANY", 1)
    # Of those overlapping neither "123" nor "h12", "mit" and "smi" are in all rows alike.
    assert TrigramCounts().rarest(connection, "smith123") == ["123", "h12", "mit"]


def test_a_long_list_is_estimated_from_its_first_rows(
    connection: sqlite3.Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(trigram_counts, "_SAMPLE", 50)
    monkeypatch.setattr(trigram_counts, "_PROBE", trigram_counts._PROBE.replace("4096", "50"))
    # "ann" is in every row, "h1" then a digit in about a third: both past the sample.
    assert 280 < trigram_counts._estimate(connection, '"ann"', 300) < 320
    assert 60 < trigram_counts._estimate(connection, '"th1"', 300) < 150  # 112 rows
    assert trigram_counts._estimate(connection, '"h29"', 300) == 11  # 29, 290-299: exact


def test_estimates_are_kept_a_while_then_read_again(connection: sqlite3.Connection) -> None:
    now = [0.0]
    counts = TrigramCounts(clock=lambda: now[0])
    assert counts.rarest(connection, "smith29")[:2] == ["h29", "th2"]
    # Many new "h29" rows: the kept estimate still says it is rare.
    connection.execute("UPDATE customers SET name_key = 'h29h29' WHERE id > 100")
    assert counts.rarest(connection, "smith29")[:2] == ["h29", "th2"]
    now[0] += trigram_counts.MAX_AGE + 1
    assert counts.rarest(connection, "smith29")[0] != "h29"


@pytest.mark.parametrize(
    "term", ["smith12", "ith1", "mail.ex", "r12@", "smith", "xyz", 'h1"2', "h1\x002", "and"]
)
def test_the_rows_found_do_not_depend_on_the_trigrams_asked_for(
    connection: sqlite3.Connection, term: str
) -> None:
    def found(session: SQLiteSession) -> tuple[int, list[int]]:
        query = CustomerQuery(keyword=term, sort_by="NAME_DESC")
        page = run_sync(customers.search_page(session, STORE, query))
        return page.total, [customer.id for customer in page.items]

    every_trigram = found(SQLiteSession(connection))
    assert found(SQLiteSession(connection, TrigramCounts())) == every_trigram
    assert every_trigram[0] == sum(
        term in f"ann smith{n} user{n}@mail.example" for n in range(1, 301)
    )
