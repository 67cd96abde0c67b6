"""Searches that must not read every customer of a store, checked on SQLite's query plans.

Timings would be flaky; the plan says which index drives a query, and that does not change
with the machine. (A million-customer measurement lives with the benchmarks.)
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from ecwid_customers.domain.search import CustomerQuery
from ecwid_customers.storage.core.search import search_sql
from ecwid_customers.storage.sqlite.dialect import SQLITE


@pytest.fixture
def connection(migrated_sqlite: Path) -> sqlite3.Connection:
    return sqlite3.connect(migrated_sqlite, isolation_level=None)


def _steps(connection: sqlite3.Connection, query: CustomerQuery, *, count: bool) -> list[str]:
    plan = search_sql(1003, query, SQLITE)
    what = "count(*)" if count else "c.doc"
    tail = "" if count else f" ORDER BY {plan.order} LIMIT 100"
    sql = f"SELECT {what} FROM {plan.source} WHERE {plan.condition}{tail}"
    rows = connection.execute(f"EXPLAIN QUERY PLAN {sql}", plan.all_params).fetchall()
    return [row[3] for row in rows]


TEXT_QUERIES = {
    "keyword": CustomerQuery(keyword="smith"),
    "name": CustomerQuery(name="smith"),
    "email": CustomerQuery(email="example.net"),
    "name sorted by email": CustomerQuery(name="smith", sort_by="EMAIL_DESC"),
}


@pytest.mark.parametrize("count", [False, True])
@pytest.mark.parametrize("query", TEXT_QUERIES.values(), ids=TEXT_QUERIES.keys())
def test_text_search_is_driven_by_the_trigram_index(
    connection: sqlite3.Connection, query: CustomerQuery, count: bool
) -> None:
    steps = _steps(connection, query, count=count)
    first_table = next(step for step in steps if step.startswith(("SCAN", "SEARCH")))
    # 0:M, a MATCH of the term's trigrams: the index answers, not a scan of the customers.
    assert first_table.startswith("SCAN customer_text VIRTUAL TABLE INDEX 0:M"), steps
    assert "SEARCH c USING INTEGER PRIMARY KEY (rowid=?)" in steps, steps


INDEXED_QUERIES = {
    "exact email": (CustomerQuery(email="a@b.c", exact_email=True), "customers_by_email"),
    "group": (CustomerQuery(group_ids=(1, 2)), "customers_by_group (store_id=? AND group_id=?)"),
    "created": (CustomerQuery(created_from=1, created_to=9), "customers_by_registered"),
    "updated": (CustomerQuery(updated_from=1), "customers_by_updated"),
    "min orders": (CustomerQuery(min_order_count=2), "customers_by_order_count"),
    "min sales": (CustomerQuery(min_sales_value=10.5), "customers_by_sales_value"),
    "purchased": (
        CustomerQuery(purchased_product_ids=(7, 8)),
        "autoindex_customer_purchases_1 (store_id=? AND product_id=?)",  # its primary key
    ),
}


@pytest.mark.parametrize("count", [False, True])
@pytest.mark.parametrize(("query", "index"), INDEXED_QUERIES.values(), ids=INDEXED_QUERIES.keys())
def test_filters_use_their_own_index(
    connection: sqlite3.Connection, query: CustomerQuery, index: str, count: bool
) -> None:
    steps = _steps(connection, query, count=count)
    assert any(index in step and "=?" in step for step in steps), steps
    assert not any(step.startswith("SCAN c") for step in steps), steps


@pytest.mark.parametrize(
    ("sort_by", "index"),
    [
        ("NAME_ASC", "customers_by_name"),
        ("EMAIL_DESC", "customers_by_email"),
        ("REGISTERED_DATE_DESC", "customers_by_registered"),
        ("UPDATED_DATE_ASC", "customers_by_updated"),
        ("ORDER_COUNT_DESC", "customers_by_order_count"),
        ("SALES_VALUE_ASC", "customers_by_sales_value"),
        ("FIRST_ORDER_DATE_ASC", "customers_by_first_order"),
        ("FIRST_ORDER_DATE_DESC", "customers_by_first_order"),
        ("LAST_ORDER_DATE_DESC", "customers_by_last_order"),
        ("LAST_ORDER_DATE_ASC", "customers_by_last_order"),
    ],
)
def test_unfiltered_pages_read_in_index_order_without_sorting(
    connection: sqlite3.Connection, sort_by: str, index: str
) -> None:
    steps = _steps(connection, CustomerQuery(sort_by=sort_by), count=False)  # type: ignore[arg-type]
    assert any(index in step for step in steps), steps
    assert not any("TEMP B-TREE" in step for step in steps), steps
