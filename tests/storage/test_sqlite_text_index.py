"""SQLite's trigram text index joins new customers once per write batch (migration 0006):
whatever a batch does to a customer it created (rename, delete), the index matches the table
once the batch commits, and every committed customer is found by substring."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import msgspec

from ecwid_customers.domain.create import build_new_customer
from ecwid_customers.domain.inputs import BillingPersonInput, CustomerInput
from ecwid_customers.domain.models import Customer, CustomerDraft, Store
from ecwid_customers.domain.search import CustomerQuery
from ecwid_customers.storage.sqlite.storage import SQLiteStorage

STORE = Store(id=1003, languages=("en",))


def _draft(email: str, name: str) -> CustomerDraft:
    sent = CustomerInput(email=email, billing_person=BillingPersonInput(name=name))
    return build_new_customer(sent, store=STORE, now=1)


def _integrity(path: Path) -> None:
    """FTS5's own check that the index holds exactly the content table's keys."""
    with sqlite3.connect(path) as connection:
        connection.execute("INSERT INTO customer_text (customer_text) VALUES ('integrity-check')")
        pending = connection.execute("SELECT count(*) FROM customer_text_pending").fetchone()
    assert pending == (0,)


async def test_what_a_batch_does_to_its_new_customers_leaves_the_index_exact(
    migrated_sqlite: Path,
) -> None:
    storage = SQLiteStorage(migrated_sqlite)
    await storage.open()
    try:
        await storage.create_store(STORE, now=1)

        # Creates, then (queued behind them, so in the same batch) a rename and a delete of
        # customers those creates made: ids are counters from 1.
        creates = [
            storage.create_customer(1003, _draft(f"c{n}@example.net", f"Ann Smith{n}"), now=1)
            for n in range(40)
        ]
        tasks = [asyncio.ensure_future(c) for c in creates]
        renamed = asyncio.ensure_future(
            storage.update_customer(1003, 3, lambda c: _with_name(c, "Zed Renamed"), now=2)
        )
        deleted = asyncio.ensure_future(storage.delete_customer(1003, 5, now=2))
        assert sorted(await asyncio.gather(*tasks)) == list(range(1, 41))
        await renamed
        assert await deleted
        found = await storage.search_customers(1003, CustomerQuery(name="ann smith"))
        assert found.total == 38  # 40 created, one renamed, one deleted
        assert [c.id for c in (await storage.search_customers(
            1003, CustomerQuery(name="zed ren"))).items] == [3]  # fmt: skip
        assert (await storage.search_customers(1003, CustomerQuery(email="c4@"))).total == 0  # id 5
    finally:
        await storage.close()
    _integrity(migrated_sqlite)


def _with_name(customer: Customer, name: str) -> Customer:
    billing = msgspec.structs.replace(customer.billing_person, name=name)  # type: ignore[type-var]
    return msgspec.structs.replace(customer, name=name, billing_person=billing)


async def test_updates_keep_the_index_exact_whether_or_not_they_change_the_keys(
    migrated_sqlite: Path,
) -> None:
    storage = SQLiteStorage(migrated_sqlite)
    await storage.open()
    try:
        await storage.create_store(STORE, now=1)
        await storage.create_customer(1003, _draft("kept@example.net", "Kim Kept"), now=1)
        await storage.create_customer(1003, _draft("moved@example.net", "Mo Moved"), now=1)
        # Committed and indexed before the updates: these are not new rows of their batch.
        await storage.update_customer(1003, 1, _with_notes, now=2)  # keys as they were
        await storage.update_customer(1003, 2, lambda c: _with_name(c, "Zoe Zed"), now=2)
        await storage.update_customer(
            1003, 2, lambda c: msgspec.structs.replace(c, email="new@example.net"), now=3
        )

        async def ids(**query: str) -> list[int]:
            page = await storage.search_customers(1003, CustomerQuery(**query))  # type: ignore[arg-type]
            return [customer.id for customer in page.items]

        assert await ids(name="kim ke") == [1]
        assert await ids(keyword="kept@") == [1]
        assert await ids(name="mo mov") == []
        assert await ids(name="zoe z") == [2]
        assert await ids(keyword="moved@") == []
        assert await ids(keyword="new@exa") == [2]
    finally:
        await storage.close()
    _integrity(migrated_sqlite)


def _with_notes(customer: Customer) -> Customer:
    return msgspec.structs.replace(customer, private_admin_notes="seen")
