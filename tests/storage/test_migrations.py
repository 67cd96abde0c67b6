"""Schema migrations: a database made by the previous schema upgrades without losing rows."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import msgspec

from ecwid_customers.domain.create import build_new_customer
from ecwid_customers.domain.inputs import BillingPersonInput, CustomerInput
from ecwid_customers.domain.models import Store
from ecwid_customers.domain.search import CustomerQuery
from ecwid_customers.storage import migrate
from ecwid_customers.storage.sqlite.storage import SQLiteStorage

STORE = Store(id=1003, languages=("en",))


def _rows_as_revision_0001_wrote_them(path: Path) -> None:
    """A store, a token and a customer, written with revision 0001's columns only."""
    customer = build_new_customer(
        CustomerInput(email="ann@example.net", billing_person=BillingPersonInput(name="Ann Lee")),
        store=STORE,
        now=1_700_000_000,
    ).customer
    customer = msgspec.structs.replace(customer, id=1)
    with sqlite3.connect(path) as connection:
        connection.execute(
            "INSERT INTO stores (id, languages, created_at, customer_count, next_customer_id) "
            "VALUES (1003, 'en', 1, 1, 2)"
        )
        connection.execute(
            "INSERT INTO tokens (store_id, token_hash, kind, scopes, hint, created_at) "
            "VALUES (1003, x'00', 'secret', 'read_customers', 'secret_ab***cd', 1)"
        )
        connection.execute(
            "INSERT INTO customers (store_id, id, email_key, name_key, group_id, registered_at, "
            "updated_at, doc) VALUES (1003, 1, 'ann@example.net', 'ann lee', 0, 1700000000, "
            "1700000000, ?)",
            (msgspec.json.encode(customer),),
        )


async def test_sqlite_upgrade_from_0001_keeps_every_row(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    url = f"sqlite:///{path}"
    migrate.upgrade(url, "0001")
    assert migrate.sqlite_revision(path) == "0001"
    _rows_as_revision_0001_wrote_them(path)

    storage = SQLiteStorage(path)
    await storage.open()  # upgrades on open, as the server does
    try:
        assert migrate.sqlite_revision(path) == migrate.HEAD
        (summary,) = await storage.list_stores()
        assert summary.store.suspended is False  # the column 0002 added, at its default
        assert (summary.customers, summary.tokens) == (1, 1)
        customer = await storage.get_customer(1003, 1)
        assert customer is not None
        assert (customer.email, customer.name) == ("ann@example.net", "Ann Lee")
        # The text index came along: the old customer is found by a substring.
        page = await storage.search_customers(1003, CustomerQuery(keyword="lee"))
        assert [found.id for found in page.items] == [1]
        # New rows continue the old counters.
        new = build_new_customer(CustomerInput(email="bob@example.net"), store=STORE, now=1)
        assert await storage.create_customer(1003, new, now=1) == 2
    finally:
        await storage.close()
