"""Customer reads and writes on a PostgreSQL connection.

Write functions run inside the transaction ``PostgresStorage._write`` opened; a raised error
rolls back everything the function did. Many server processes write at once, so correctness
comes from PostgreSQL's locks and constraints:

* ids come from the store's counters (``UPDATE stores ... RETURNING``): the row lock hands out
  each block once, in order; a create that fails rolls its block back, unused;
* an email is unique by the ``customers_by_email`` index, which concurrent writers cannot slip
  past: its violation is the same 409 a sequential duplicate gets;
* an update locks the customer's row before reading it, so concurrent changes apply one after
  the other and neither loses the other's work;
* a group is locked ``FOR KEY SHARE`` while a customer joins it, so a concurrent delete of the
  group waits, then moves the new member to General as well.

Lock order, so that ordinary traffic does not deadlock: the store's row before customer rows.
A create holds the store's row while its insert may wait for another transaction's change to
the same email, so nobody may hold a customer row while waiting for the store's row: a delete
locks the store's row first, and an update that turns out to need new ids starts again, taking
it first (:class:`StoreLockNeeded`).
"""

# SQL is assembled from fixed fragments in code; every value is a bound parameter.
# ruff: noqa: S608

from __future__ import annotations

import msgspec

from ecwid_customers import errors
from ecwid_customers.domain.clock import format_ecwid_time
from ecwid_customers.domain.create import assign_ids, draft, new_ids_needed
from ecwid_customers.domain.models import (
    GENERAL_GROUP_ID,
    GENERAL_GROUP_NAME,
    Customer,
    CustomerDraft,
    DeletedCustomer,
)
from ecwid_customers.domain.search import CustomerQuery, Page
from ecwid_customers.storage.base import CustomerChange, CustomerPage, DeletedPage
from ecwid_customers.storage.postgres import db, search
from ecwid_customers.storage.postgres.db import Connection, Row

MAX_ID = 2**31 - 1
EMAIL_INDEX = "customers_by_email"

_encode = msgspec.json.Encoder().encode
_decode = msgspec.json.Decoder(Customer).decode

# Columns that complete the stored document when it is read back.
READ_COLUMNS = "c.doc, c.group_id, g.name, c.registered_at, c.updated_at"
GROUP_JOIN = "LEFT JOIN customer_groups g ON g.store_id = c.store_id AND g.id = c.group_id"
_GET = f"SELECT {READ_COLUMNS} FROM customers c {GROUP_JOIN} WHERE c.store_id = $1 AND c.id = $2"


class StoreLockNeeded(Exception):
    """An update turned out to need new ids after it had locked the customer: run it again,
    taking the store's row first (see :func:`update`)."""


def document(value: msgspec.Struct) -> str:
    """JSON text for a ``jsonb`` parameter (asyncpg passes jsonb as text)."""
    return _encode(value).decode()


def customer_from_row(row: Row) -> Customer:
    """The stored document with the values the columns own: group, its name, dates."""
    customer = _decode(row[0])
    group_id: int = row[1]
    customer.customer_group_id = group_id
    customer.customer_group_name = GENERAL_GROUP_NAME if group_id == GENERAL_GROUP_ID else row[2]
    customer.registered = format_ecwid_time(row[3])
    customer.updated = format_ecwid_time(row[4])
    return customer


async def get(connection: Connection, store_id: int, customer_id: int) -> Customer | None:
    row = await connection.fetchrow(_GET, store_id, customer_id)
    return customer_from_row(row) if row else None


async def search_page(connection: Connection, store_id: int, query: CustomerQuery) -> CustomerPage:
    plan = search.plan(store_id, query)
    # Both counts in one round trip; without filters the stored count is the total.
    matching = (
        f"(SELECT count(*) FROM customers c WHERE {plan.condition})"
        if query.filters_anything
        else "NULL"
    )
    counts = await connection.fetchrow(
        f"SELECT (SELECT customer_count FROM stores WHERE id = $1), {matching}",
        *plan.params,
    )
    assert counts is not None
    all_customers: int = counts[0] or 0
    total: int = all_customers if counts[1] is None else counts[1]
    limit, offset = len(plan.params) + 1, len(plan.params) + 2
    rows = await connection.fetch(
        f"SELECT {READ_COLUMNS} FROM customers c {GROUP_JOIN} "
        f"WHERE {plan.condition} ORDER BY {plan.order} LIMIT ${limit} OFFSET ${offset}",
        *plan.params,
        query.page.limit,
        query.page.offset,
    )
    return CustomerPage(
        total=total, all_customers=all_customers, items=[customer_from_row(row) for row in rows]
    )


async def _check_group(connection: Connection, store_id: int, group_id: int) -> None:
    """404 unless the group exists; it then stays until this transaction ends."""
    if group_id == GENERAL_GROUP_ID:
        return
    found = await connection.fetchval(
        "SELECT 1 FROM customer_groups WHERE store_id = $1 AND id = $2 FOR KEY SHARE",
        store_id,
        group_id,
    )
    if found is None:
        raise errors.customer_group_not_found(group_id)


async def _lock_store(connection: Connection, store_id: int) -> bool:
    """Take the store's row (what creates and id reservations lock); ``False`` if none."""
    found = await connection.fetchval(
        "SELECT 1 FROM stores WHERE id = $1 FOR NO KEY UPDATE", store_id
    )
    return found is not None


async def _reserve(
    connection: Connection, store_id: int, *, customers: int, contacts: int, addresses: int
) -> tuple[int, int, int]:
    """Take blocks of ids from the store's counters; the first id of each block."""
    row = await connection.fetchrow(
        "UPDATE stores SET next_customer_id = next_customer_id + $2, "
        "next_contact_id = next_contact_id + $3, next_address_id = next_address_id + $4, "
        "customer_count = customer_count + $2 "
        "WHERE id = $1 RETURNING next_customer_id - $2, next_contact_id - $3, "
        "next_address_id - $4",
        store_id,
        customers,
        contacts,
        addresses,
    )
    if row is None:
        raise errors.store_not_found()
    first_customer: int = row[0]
    if first_customer + customers - 1 > MAX_ID:
        raise RuntimeError(f"store {store_id} has used every customer id")
    return first_customer, row[1], row[2]


def _email_taken(error: Exception) -> bool:
    return db.constraint_name(error) == EMAIL_INDEX


async def create(connection: Connection, store_id: int, new: CustomerDraft, now: int) -> int:
    customer = new.customer
    await _check_group(connection, store_id, customer.customer_group_id)
    contacts, addresses = new_ids_needed(customer)
    customer_id, first_contact, first_address = await _reserve(
        connection, store_id, customers=1, contacts=contacts, addresses=addresses
    )
    numbered = assign_ids(
        customer,
        customer_id=customer_id,
        first_contact_id=first_contact,
        first_address_id=first_address,
    )
    try:
        await connection.execute(
            "INSERT INTO customers (store_id, id, email_key, name_key, group_id, registered_at, "
            "updated_at, password_hash, doc) VALUES ($1, $2, $3, $4, $5, $6, $6, $7, $8::jsonb)",
            store_id,
            customer_id,
            new.email_key,
            new.name_key,
            customer.customer_group_id,
            now,
            new.password_hash,
            document(numbered),
        )
    except db.UniqueViolation as error:
        if _email_taken(error):
            raise errors.email_already_exists() from None
        raise
    return customer_id


async def update(
    connection: Connection,
    store_id: int,
    customer_id: int,
    change: CustomerChange,
    now: int,
    password_hash: str | None,
    *,
    store_locked_first: bool,
) -> Customer:
    """Lock the row, apply ``change`` to what it holds now, write the result.

    New contacts or addresses need ids from the store's row, which must be locked before the
    customer's (the order creates and deletes use). The first attempt does not lock it; when
    the change turns out to need ids it raises :class:`StoreLockNeeded` and the caller runs
    it again with ``store_locked_first``.
    """
    if store_locked_first and not await _lock_store(connection, store_id):
        raise errors.customer_not_found(customer_id)
    locked = await connection.fetchval(
        "SELECT 1 FROM customers WHERE store_id = $1 AND id = $2 FOR UPDATE", store_id, customer_id
    )
    if locked is None:
        raise errors.customer_not_found(customer_id)
    # Read after locking: a new statement sees the newest committed row, which is now ours.
    current = await get(connection, store_id, customer_id)
    assert current is not None
    changed = change(current)
    contacts, addresses = new_ids_needed(changed)
    if (contacts or addresses) and not store_locked_first:
        raise StoreLockNeeded
    if changed.customer_group_id != current.customer_group_id:
        await _check_group(connection, store_id, changed.customer_group_id)
    first_contact = first_address = 0
    if contacts or addresses:
        _, first_contact, first_address = await _reserve(
            connection, store_id, customers=0, contacts=contacts, addresses=addresses
        )
    numbered = assign_ids(
        changed,
        customer_id=customer_id,
        first_contact_id=first_contact,
        first_address_id=first_address,
    )
    keys = draft(numbered)
    try:
        await connection.execute(
            "UPDATE customers SET email_key = $3, name_key = $4, group_id = $5, updated_at = $6, "
            "password_hash = coalesce($7, password_hash), doc = $8::jsonb "
            "WHERE store_id = $1 AND id = $2",
            store_id,
            customer_id,
            keys.email_key,
            keys.name_key,
            numbered.customer_group_id,
            now,
            password_hash,
            document(numbered),
        )
    except db.UniqueViolation as error:
        if _email_taken(error):
            raise errors.email_already_exists() from None
        raise
    saved = await get(connection, store_id, customer_id)
    assert saved is not None
    return saved


async def delete(connection: Connection, store_id: int, customer_id: int, now: int) -> bool:
    # The store's row first: a create holding it may be waiting on this customer's email.
    if not await _lock_store(connection, store_id):
        return False
    deleted = await connection.fetchval(
        "DELETE FROM customers WHERE store_id = $1 AND id = $2 RETURNING id", store_id, customer_id
    )
    if deleted is None:
        return False
    await connection.execute(
        "INSERT INTO deleted_customers (store_id, id, deleted_at) VALUES ($1, $2, $3)",
        store_id,
        customer_id,
        now,
    )
    await connection.execute(
        "UPDATE stores SET customer_count = customer_count - 1 WHERE id = $1", store_id
    )
    return True


async def deleted_page(
    connection: Connection, store_id: int, since: int, until: int | None, page: Page
) -> DeletedPage:
    condition = "store_id = $1 AND deleted_at >= $2"
    params: list[object] = [store_id, since]
    if until is not None:
        condition += " AND deleted_at <= $3"
        params.append(until)
    total: int = await connection.fetchval(
        f"SELECT count(*) FROM deleted_customers WHERE {condition}",
        *params,
    )
    rows = await connection.fetch(
        f"SELECT id, deleted_at FROM deleted_customers WHERE {condition} "
        f"ORDER BY deleted_at, id LIMIT ${len(params) + 1} OFFSET ${len(params) + 2}",
        *params,
        page.limit,
        page.offset,
    )
    items = [DeletedCustomer(id=row[0], date=format_ecwid_time(row[1])) for row in rows]
    return DeletedPage(total=total, items=items)
