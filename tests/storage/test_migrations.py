"""Schema migrations: a database made by the previous schema upgrades without losing rows."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import msgspec
import psycopg
import pytest

from ecwid_customers.domain.create import build_new_customer
from ecwid_customers.domain.folding import fold
from ecwid_customers.domain.inputs import BillingPersonInput, CustomerInput
from ecwid_customers.domain.models import Store
from ecwid_customers.domain.search import CustomerQuery
from ecwid_customers.storage import migrate, open_storage
from ecwid_customers.storage.errors import EmailTaken
from tests.support import postgres

STORE = Store(id=1003, languages=("en",))

# Rows as revision 0001 wrote them: its columns only, ``?`` placeholders.
OLD_ROWS = (
    "INSERT INTO stores (id, languages, created_at, customer_count, next_customer_id) "
    "VALUES (1003, 'en', 1, 1, 2)",
    "INSERT INTO customers (store_id, id, email_key, name_key, group_id, registered_at, "
    "updated_at, doc) VALUES (1003, 1, 'ann@example.net', 'ann lee', 0, 1700000000, "
    "1700000000, ?)",
)


def _old_customer_doc() -> str:
    customer = build_new_customer(
        CustomerInput(email="ann@example.net", billing_person=BillingPersonInput(name="Ann Lee")),
        store=STORE,
        now=1_700_000_000,
    ).customer
    return msgspec.json.encode(msgspec.structs.replace(customer, id=1)).decode()


@pytest.fixture
def old_database(engine: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database at revision 0001 holding a store and a customer."""
    if engine == "sqlite":
        url = f"sqlite:///{tmp_path / 'old.db'}"
        migrate.upgrade(url, "0001")
        with sqlite3.connect(tmp_path / "old.db") as connection:
            connection.execute(OLD_ROWS[0])
            connection.execute(OLD_ROWS[1], (_old_customer_doc(),))
        yield url
        return
    server = request.getfixturevalue("postgres_server")
    worker = request.getfixturevalue("worker_id")
    with postgres.database(server, f"ecwid_migration_{worker}") as url:
        migrate.upgrade(url, "0001")
        with psycopg.connect(url, autocommit=True) as connection:
            connection.execute(OLD_ROWS[0])
            connection.execute(OLD_ROWS[1].replace("?", "%s::jsonb"), (_old_customer_doc(),))
        yield url


async def test_upgrade_from_0001_keeps_every_row(old_database: str) -> None:
    assert migrate.current(old_database) == "0001"
    storage = open_storage(old_database)
    await storage.open()  # upgrades on open, as the server does
    try:
        assert migrate.current(old_database) == migrate.HEAD
        (summary,) = await storage.list_stores()
        assert summary.store.suspended is False  # the column 0002 added, at its default
        assert summary.customers == 1
        customer = await storage.get_customer(1003, 1)
        assert customer is not None
        assert (customer.email, customer.name) == ("ann@example.net", "Ann Lee")
        # The text index came along: the old customer is found by a substring.
        page = await storage.search_customers(1003, CustomerQuery(keyword="lee"))
        assert [found.id for found in page.items] == [1]
        # New rows continue the old counters.
        new = build_new_customer(CustomerInput(email="bob@example.net"), store=STORE, now=1)
        assert await storage.create_customer(1003, new, now=1) == 2
        (summary,) = await storage.list_stores()
        assert summary.customers == 2  # the old count, and the new customer on top (0009)
    finally:
        await storage.close()


NFC = "jos\u00e9@example.net"  # é as one code point
NFD = "jose\u0301@example.net"  # e and a combining acute accent


@pytest.fixture
def database_at_0006(engine: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Keys as ``lower()`` made them: two spellings of one email, and a name with ß."""
    rows = [
        (1, NFD.lower(), "straße"),
        (2, NFC.lower(), "ann"),
        (3, "J\u00c9R\u00d4ME@EXAMPLE.NET".lower(), "j\u00e9r\u00f4me"),
    ]
    insert = (
        "INSERT INTO customers (store_id, id, email_key, name_key, group_id, registered_at, "
        "updated_at, doc) VALUES (1003, {id}, '{email}', '{name}', 0, 1, 1, {doc})"
    )
    store = (
        "INSERT INTO stores (id, languages, created_at, customer_count, next_customer_id) "
        "VALUES (1003, 'en', 1, 3, 4)"
    )
    doc = _old_customer_doc().replace("'", "''")
    assert doc.startswith('{"id":1,')
    if engine == "sqlite":
        url = f"sqlite:///{tmp_path / 'old.db'}"
        migrate.upgrade(url, "0006")
        with sqlite3.connect(tmp_path / "old.db") as connection:
            connection.execute(store)
            for id_, email, name in rows:
                own = doc.replace('"id":1,', f'"id":{id_},', 1)
                connection.execute(insert.format(id=id_, email=email, name=name, doc=f"'{own}'"))
        yield url
        return
    server = request.getfixturevalue("postgres_server")
    worker = request.getfixturevalue("worker_id")
    with postgres.database(server, f"ecwid_migration_{worker}") as url:
        migrate.upgrade(url, "0006")
        with psycopg.connect(url, autocommit=True) as connection:
            connection.execute(store)
            for id_, email, name in rows:
                own = doc.replace('"id":1,', f'"id":{id_},', 1)
                sql = insert.format(id=id_, email=email, name=name, doc=f"'{own}'::jsonb")
                connection.execute(sql)
        yield url


def _keys(url: str) -> list[tuple[int, str, str]]:
    sql = "SELECT id, email_key, name_key FROM customers ORDER BY id"
    if url.startswith("sqlite"):
        with sqlite3.connect(url.removeprefix("sqlite:///")) as connection:
            return [tuple(row) for row in connection.execute(sql)]
    with psycopg.connect(url) as connection:
        return [tuple(row) for row in connection.execute(sql)]


async def test_0007_folds_keys_and_never_merges_customers(database_at_0006: str) -> None:
    migrate.upgrade(database_at_0006)
    assert _keys(database_at_0006) == [
        (1, NFD.lower(), "strasse"),  # its folded key is customer 2's: it keeps its own
        (2, NFC, "ann"),
        (3, "j\u00e9r\u00f4me@example.net", "j\u00e9r\u00f4me"),
    ]
    storage = open_storage(database_at_0006)
    await storage.open()
    try:
        # A new spelling of customer 2's email is taken; the search finds it by either.
        taken = build_new_customer(CustomerInput(email=NFD.upper()), store=STORE, now=1)
        with pytest.raises(EmailTaken):
            await storage.create_customer(1003, taken, now=1)
        page = await storage.search_customers(
            1003, CustomerQuery(email=fold(NFD), exact_email=True)
        )
        assert [found.id for found in page.items] == [2]
    finally:
        await storage.close()


# Stats as documents held them before 0008 (a fixture's, kept verbatim): good, none, and a
# history no orders add up to (sales without orders).
OLD_STATS = {
    1: {"numberOfOrders": 3, "salesValue": 30.5, "averageOrderValue": 10.17,
        "firstOrderDate": "2024-01-10 09:00:00 +0000",
        "lastOrderDate": "2024-03-10 09:00:00 +0000"},
    2: {"numberOfOrders": 0, "salesValue": 0, "averageOrderValue": 0},
    3: {"numberOfOrders": 0, "salesValue": 12, "averageOrderValue": 0},
    4: {"numberOfOrders": 1, "salesValue": 5, "averageOrderValue": 5},
}  # fmt: skip


@pytest.fixture
def database_at_0007(engine: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Customers whose documents carry the stats of :data:`OLD_STATS`."""
    base: dict[str, object] = msgspec.json.decode(_old_customer_doc())
    docs = {
        id_: msgspec.json.encode(
            {**base, "id": id_, "email": f"c{id_}@example.net", "stats": stats}
        ).decode()
        for id_, stats in OLD_STATS.items()
    }
    store = (
        "INSERT INTO stores (id, languages, created_at, customer_count, next_customer_id) "
        f"VALUES (1003, 'en', 1, {len(docs)}, {len(docs) + 1})"
    )
    insert = (
        "INSERT INTO customers (store_id, id, email_key, name_key, group_id, registered_at, "
        "updated_at, doc) VALUES (1003, {id}, 'c{id}@example.net', 'ann lee', 0, 1, 1, {mark})"
    )
    if engine == "sqlite":
        url = f"sqlite:///{tmp_path / 'old.db'}"
        migrate.upgrade(url, "0007")
        with sqlite3.connect(tmp_path / "old.db") as connection:
            connection.execute(store)
            for id_, doc in docs.items():
                connection.execute(insert.format(id=id_, mark="?"), (doc,))
        yield url
        return
    server = request.getfixturevalue("postgres_server")
    worker = request.getfixturevalue("worker_id")
    with postgres.database(server, f"ecwid_migration_{worker}") as url:
        migrate.upgrade(url, "0007")
        with psycopg.connect(url, autocommit=True) as connection:
            connection.execute(store)
            for id_, doc in docs.items():
                connection.execute(insert.format(id=id_, mark="%s::jsonb"), (doc,))
        yield url


async def test_0008_moves_document_stats_to_the_searchable_columns(
    database_at_0007: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level("WARNING", logger="ecwid_customers.storage"):
        migrate.upgrade(database_at_0007)
    assert "migration 0008: 1 customer(s) had stats no orders add up to" in caplog.text
    storage = open_storage(database_at_0007)
    await storage.open()
    try:
        first = await storage.get_customer(1003, 1)
        assert first is not None
        assert msgspec.to_builtins(first.stats) == OLD_STATS[1]
        refused = await storage.get_customer(1003, 3)
        assert refused is not None
        assert refused.stats.sales_value == 0  # shown as no orders, as search sees it
        page = await storage.search_customers(
            1003, CustomerQuery(min_order_count=1, sort_by="ORDER_COUNT_DESC")
        )
        assert [found.id for found in page.items] == [1, 4]
        page = await storage.search_customers(1003, CustomerQuery(min_sales_value=6))
        assert [found.id for found in page.items] == [1]
        # The purchases table came along, empty, and takes new rows.
        history = await storage.get_order_history(1003, 1)
        assert history is not None
        assert history.purchased_product_ids == ()
    finally:
        await storage.close()
