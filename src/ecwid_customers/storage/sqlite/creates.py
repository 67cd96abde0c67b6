"""Creates on SQLite, written together: the creates side by side in a writer batch.

Written one by one, a create costs the writer thread four statements (a savepoint, the id
counter's ``UPDATE``, the ``INSERT``, the release), and the thread gives up the GIL for each and
waits to get it back from the event loop. Under load that wait, not SQLite, was most of a
create's time in the writer (about 0.9 ms of wall time per create for 0.3 ms of CPU). Here the
creates of a store that are adjacent in a batch share their statements: one read of the
store's counters, one look for the emails already taken, one ``INSERT`` of all the rows and
one counter update.

Everything is decided inside the writer's transaction, which holds SQLite's write lock, so the
outcome is the one the creates would have had one after another: the same ids (no gap where a
create is refused: ids are given only to the creates that are written), the first of two
creates with one email wins, and a customer written by an earlier job of the batch is seen.
Creates into a group other than General go the general way (``core/customers.py``), since
they check their group.
"""

from __future__ import annotations

import sqlite3
import time
from typing import NamedTuple

import msgspec

from ecwid_customers.domain.create import assign_ids, new_ids_needed
from ecwid_customers.domain.ids import MAX_ID
from ecwid_customers.domain.models import CustomerDraft
from ecwid_customers.domain.webhooks import CUSTOMER_CREATED, customer_event
from ecwid_customers.storage.core import outbox
from ecwid_customers.storage.core.rows import encode
from ecwid_customers.storage.core.session import run_sync
from ecwid_customers.storage.errors import EmailTaken, IdsExhausted, StoreNotFound
from ecwid_customers.storage.faults import sqlite_fault
from ecwid_customers.storage.sqlite.dialect import SQLiteSession

_COUNTERS = (
    "SELECT next_customer_id, next_contact_id, next_address_id, webhook_subscriptions "
    "FROM stores WHERE id = ?"
)
_TAKEN = (
    "SELECT email_key FROM customers "
    "WHERE store_id = ? AND email_key IN (SELECT value FROM json_each(?))"
)
# Every row in one statement: SQLite runs it in one call, so the thread takes the GIL back once
# for the rows, not once per row as ``executemany`` does. The rows come as one JSON array; a
# document is JSON text, so it passes through as a string and is stored as its UTF-8 bytes, as
# the one-by-one insert stores it.
_INSERT_ALL = (
    "INSERT INTO customers (store_id, id, email_key, name_key, group_id, registered_at, "
    "updated_at, password_hash, doc) "
    "SELECT ?, json_extract(value, '$[0]'), json_extract(value, '$[1]'), "
    "json_extract(value, '$[2]'), json_extract(value, '$[3]'), json_extract(value, '$[4]'), "
    "json_extract(value, '$[4]'), json_extract(value, '$[5]'), "
    "CAST(json_extract(value, '$[6]') AS BLOB) "
    "FROM json_each(?) ORDER BY key"
)
_ADVANCE = (
    "UPDATE stores SET next_customer_id = ?, next_contact_id = ?, next_address_id = ?, "
    "customer_count = customer_count + ? WHERE id = ?"
)

_encode_json = msgspec.json.Encoder().encode


class NewCustomer(NamedTuple):
    """One create, as the request left it."""

    store_id: int
    draft: CustomerDraft
    now: int


class Created(NamedTuple):
    """A create's answer: the customer's id, and the webhook deliveries it queued."""

    customer_id: int
    queued: int


def write(connection: sqlite3.Connection, creates: list[NewCustomer]) -> list[object]:
    """Write ``creates`` in the caller's transaction; per create, :class:`Created` or the
    refusal (``EmailTaken``, ``StoreNotFound``, ``IdsExhausted``). An error of SQLite's is
    raised: the writer then fails every create of the call, and none of them is kept."""
    answers: list[object] = [None] * len(creates)
    by_store: dict[int, list[int]] = {}
    for index, create in enumerate(creates):
        by_store.setdefault(create.store_id, []).append(index)
    try:
        for store_id, indexes in by_store.items():
            _write_store(connection, store_id, [creates[i] for i in indexes], indexes, answers)
    except sqlite3.OperationalError as error:  # a full disk, a read-only file: say which
        fault = sqlite_fault(error)
        if fault is None:
            raise
        raise fault from None
    return answers


def _write_store(
    connection: sqlite3.Connection,
    store_id: int,
    creates: list[NewCustomer],
    indexes: list[int],
    answers: list[object],
) -> None:
    counters = connection.execute(_COUNTERS, (store_id,)).fetchone()
    if counters is None:
        for index in indexes:
            answers[index] = StoreNotFound(store_id)
        return
    customer_id, contact_id, address_id, subscriptions = counters
    keys = [create.draft.email_key for create in creates]
    taken = {row[0] for row in connection.execute(_TAKEN, (store_id, _encode_json(keys)))}
    rows: list[tuple[int, str, str, int, int, str | None, str]] = []
    written: list[tuple[int, NewCustomer]] = []
    for index, create in zip(indexes, creates, strict=True):
        new = create.draft
        if new.email_key in taken:
            answers[index] = EmailTaken()
            continue
        if customer_id > MAX_ID:
            answers[index] = IdsExhausted(store_id)
            continue
        taken.add(new.email_key)  # a later create of this batch with the email loses
        contacts, addresses = new_ids_needed(new.customer)
        numbered = assign_ids(
            new.customer,
            customer_id=customer_id,
            first_contact_id=contact_id,
            first_address_id=address_id,
        )
        rows.append(
            (
                customer_id,
                new.email_key,
                new.name_key,
                numbered.customer_group_id,
                create.now,
                new.password_hash,
                encode(numbered).decode(),
            )
        )
        written.append((index, create))
        answers[index] = Created(customer_id, 0)
        customer_id, contact_id, address_id = (
            customer_id + 1,
            contact_id + contacts,
            address_id + addresses,
        )
    if not rows:
        return
    connection.execute(_INSERT_ALL, (store_id, _encode_json(rows)))
    connection.execute(_ADVANCE, (customer_id, contact_id, address_id, len(rows), store_id))
    if subscriptions:  # somebody listens: each create queues its event (rare under load)
        session = SQLiteSession(connection)
        for index, create in written:
            created = answers[index]
            assert isinstance(created, Created)
            email = create.draft.customer.email
            event = customer_event(CUSTOMER_CREATED, created.customer_id, email)
            queued = run_sync(
                outbox.queue(
                    session, store_id, event, create.now, time.time(), subscriptions=subscriptions
                )
            )
            answers[index] = Created(created.customer_id, queued)
