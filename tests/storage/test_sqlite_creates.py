"""Creates written together on SQLite (``storage/sqlite/creates.py``): a batch of creates must
end as the same creates one after another would."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from ecwid_customers.domain.create import build_new_customer
from ecwid_customers.domain.ids import MAX_ID
from ecwid_customers.domain.inputs import CustomerInput, ShippingAddressInput
from ecwid_customers.domain.models import CustomerDraft, Store
from ecwid_customers.domain.tokens import hash_token
from ecwid_customers.storage.base import NewToken
from ecwid_customers.storage.errors import EmailTaken, IdsExhausted, StoreNotFound
from ecwid_customers.storage.outbox import TokenWebhook
from ecwid_customers.storage.sqlite import connection as sqlite_connection
from ecwid_customers.storage.sqlite import creates
from ecwid_customers.storage.sqlite.storage import SQLiteStorage

NOW = 1_750_000_000
STORE = Store(id=1003, languages=("en",))


def draft(email: str, **fields: Any) -> CustomerDraft:
    return build_new_customer(CustomerInput(email=email, **fields), store=STORE, now=NOW)


@pytest.fixture
async def storage(migrated_sqlite: Path) -> Any:
    storage = SQLiteStorage(migrated_sqlite)
    await storage.open()
    await storage.create_store(STORE, now=NOW)
    await storage.create_store(Store(id=2004, languages=("en",)), now=NOW)
    yield storage
    await storage.close()


def _write(path: Path, batch: list[creates.NewCustomer]) -> list[object]:
    """``creates.write`` in a transaction of its own, committed."""
    connection = sqlite3.connect(path, isolation_level=None)
    sqlite_connection.configure(connection)
    try:
        connection.execute("BEGIN IMMEDIATE")
        answers = creates.write(connection, batch)
        connection.execute("COMMIT")
        return answers
    finally:
        connection.close()


async def test_a_batch_numbers_as_creates_in_sequence_would(
    storage: SQLiteStorage, migrated_sqlite: Path
) -> None:
    await storage.create_customer(1003, draft("old@example.net"), now=NOW)
    await storage.create_customer(1003, draft('Zoë."q\\"@example.net'), now=NOW)
    two_addresses = [ShippingAddressInput(street="1 A St"), ShippingAddressInput(street="2 B St")]
    batch = [
        creates.NewCustomer(1003, draft("a@example.net", shipping_addresses=two_addresses), NOW),
        creates.NewCustomer(1003, draft("OLD@example.net"), NOW),  # taken before the batch
        creates.NewCustomer(2004, draft("a@example.net"), NOW),  # another store: its own ids
        creates.NewCustomer(1003, draft("A@Example.net"), NOW),  # taken earlier in the batch
        creates.NewCustomer(1003, draft("b@example.net"), NOW),
        creates.NewCustomer(9999, draft("c@example.net"), NOW),  # no such store
        creates.NewCustomer(1003, draft('ZOË."q\\"@example.net'), NOW),  # taken, folded
    ]
    answers = await asyncio.to_thread(_write, migrated_sqlite, batch)
    assert answers[0] == creates.Created(3, 0)
    assert isinstance(answers[1], EmailTaken)
    assert answers[2] == creates.Created(1, 0)
    assert isinstance(answers[3], EmailTaken)
    assert answers[4] == creates.Created(4, 0)  # the refused ones left no gap
    assert isinstance(answers[5], StoreNotFound)
    assert isinstance(answers[6], EmailTaken)
    # The next create, the general way, goes on from the counters the batch left.
    assert await storage.create_customer(1003, draft("d@example.net"), now=NOW) == 5
    first = await storage.get_customer(1003, 3)
    after = await storage.get_customer(1003, 4)
    assert first is not None
    assert after is not None
    assert [a.id for a in first.shipping_addresses] == [1, 2]
    assert [c.id for c in first.contacts] == [3]  # 1 and 2 are the earlier customers'
    assert [c.id for c in after.contacts] == [4]
    summary = await storage.get_store(1003)
    assert summary is not None
    assert summary.customers == 5


async def test_a_batch_stores_the_document_the_general_way_stores(
    storage: SQLiteStorage, migrated_sqlite: Path
) -> None:
    fields: dict[str, Any] = {
        "shipping_addresses": [
            ShippingAddressInput(street='1 "Quoted" St\n\\ back', city="Zürich")
        ],
        "private_admin_notes": "tab\there, emoji \U0001f600, \u2028 separator",
    }
    await storage.create_customer(
        1003, draft("general@example.net", customer_group_id=0, **fields), now=NOW
    )
    answers = await asyncio.to_thread(
        _write,
        migrated_sqlite,
        [creates.NewCustomer(1003, draft("batch@example.net", **fields), NOW)],
    )
    assert answers == [creates.Created(2, 0)]
    connection = sqlite3.connect(migrated_sqlite)
    try:
        docs = connection.execute(
            "SELECT typeof(doc), doc FROM customers WHERE store_id = 1003 ORDER BY id"
        ).fetchall()
    finally:
        connection.close()
    assert [kind for kind, _ in docs] == ["blob", "blob"]
    general, batched = (doc for _, doc in docs)
    assert batched == general.replace(b"general@", b"batch@").replace(b'"id":1,', b'"id":2,')


async def test_a_store_out_of_ids_refuses_the_create(
    storage: SQLiteStorage, migrated_sqlite: Path
) -> None:
    connection = sqlite3.connect(migrated_sqlite)
    with connection:
        connection.execute("UPDATE stores SET next_customer_id = ?", (MAX_ID,))
    connection.close()
    answers = await asyncio.to_thread(
        _write,
        migrated_sqlite,
        [
            creates.NewCustomer(1003, draft("last@example.net"), NOW),
            creates.NewCustomer(1003, draft("past@example.net"), NOW),
        ],
    )
    assert answers[0] == creates.Created(MAX_ID, 0)
    assert isinstance(answers[1], IdsExhausted)


async def test_batched_creates_queue_their_events(storage: SQLiteStorage) -> None:
    token = NewToken(
        token_hash=hash_token("secret_hooked"),
        kind="secret",
        scopes=("read_customers",),
        hint="hook",
        webhook=TokenWebhook(url="http://127.0.0.1:9/hook", client_secret="s" * 16),
    )
    await storage.create_token(1003, token, now=NOW)
    told: list[None] = []
    storage.on_delivery_queued(lambda: told.append(None))
    ids = await asyncio.gather(
        *(storage.create_customer(1003, draft(f"w{n}@example.net"), now=NOW) for n in range(5))
    )
    with pytest.raises(EmailTaken):
        await storage.create_customer(1003, draft("w0@example.net"), now=NOW)
    connection = sqlite3.connect(storage.path)
    try:
        rows = connection.execute(
            "SELECT entity_id FROM webhook_deliveries WHERE event_type = 'customer.created' "
            "ORDER BY entity_id"
        ).fetchall()
    finally:
        connection.close()
    assert sorted(ids) == [1, 2, 3, 4, 5]
    assert rows == [(n,) for n in range(1, 6)]  # one per create kept, none for the refused
    assert told  # the dispatcher was told at once, not left to its next poll
