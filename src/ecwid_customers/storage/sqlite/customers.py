"""Customer reads and writes on a SQLite connection.

Write functions run on the writer thread inside a transaction (see ``writer.py``); a raised
error rolls back everything the function did.
"""

from __future__ import annotations

import sqlite3

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
from ecwid_customers.storage.sqlite import search

MAX_ID = 2**31 - 1

_encode = msgspec.json.Encoder().encode
_decode = msgspec.json.Decoder(Customer).decode

# Columns that complete the stored document when it is read back.
READ_COLUMNS = "c.doc, c.group_id, g.name, c.registered_at, c.updated_at"
_GROUP_JOIN = "LEFT JOIN customer_groups g ON g.store_id = c.store_id AND g.id = c.group_id"
READ_FROM = f"customers c {_GROUP_JOIN}"

Row = tuple[bytes, int, str | None, int, int]


def customer_from_row(row: Row) -> Customer:
    """The stored document with the values the columns own: group, its name, dates."""
    doc, group_id, group_name, registered_at, updated_at = row
    customer = _decode(doc)
    customer.customer_group_id = group_id
    customer.customer_group_name = (
        GENERAL_GROUP_NAME if group_id == GENERAL_GROUP_ID else group_name
    )
    customer.registered = format_ecwid_time(registered_at)
    customer.updated = format_ecwid_time(updated_at)
    return customer


def get(connection: sqlite3.Connection, store_id: int, customer_id: int) -> Customer | None:
    row = connection.execute(
        f"SELECT {READ_COLUMNS} FROM {READ_FROM} WHERE c.store_id = ? AND c.id = ?",
        (store_id, customer_id),
    ).fetchone()
    return customer_from_row(row) if row else None


def search_page(
    connection: sqlite3.Connection, store_id: int, query: CustomerQuery
) -> CustomerPage:
    plan = search.plan(store_id, query)
    page = query.page
    # One read transaction: the total, the count and the page come from one snapshot.
    connection.execute("BEGIN")
    try:
        all_customers: int = connection.execute(
            "SELECT customer_count FROM stores WHERE id = ?", (store_id,)
        ).fetchone()[0]
        rows = connection.execute(
            f"SELECT {READ_COLUMNS} FROM {plan.source} {_GROUP_JOIN} WHERE {plan.condition} "
            f"ORDER BY {plan.order} LIMIT ? OFFSET ?",
            (*plan.all_params, page.limit, page.offset),
        ).fetchall()
        if not query.filters_anything:
            total = all_customers
        elif len(rows) < page.limit and (rows or page.offset == 0):
            total = page.offset + len(rows)  # the page holds the last match: no count needed
        else:
            total = connection.execute(
                f"SELECT count(*) FROM {plan.source} WHERE {plan.condition}", plan.all_params
            ).fetchone()[0]
    finally:
        connection.execute("COMMIT")
    return CustomerPage(
        total=total, all_customers=all_customers, items=[customer_from_row(r) for r in rows]
    )


def _check_group(connection: sqlite3.Connection, store_id: int, group_id: int) -> None:
    if (
        group_id != GENERAL_GROUP_ID
        and not connection.execute(
            "SELECT 1 FROM customer_groups WHERE store_id = ? AND id = ?", (store_id, group_id)
        ).fetchone()
    ):
        raise errors.customer_group_not_found(group_id)


def _reserve(
    connection: sqlite3.Connection, store_id: int, *, customers: int, contacts: int, addresses: int
) -> tuple[int, int, int]:
    """Take blocks of ids from the store's counters; the first id of each block."""
    row = connection.execute(
        "UPDATE stores SET next_customer_id = next_customer_id + ?, "
        "next_contact_id = next_contact_id + ?, next_address_id = next_address_id + ?, "
        "customer_count = customer_count + ? "
        "WHERE id = ? RETURNING next_customer_id - ?, next_contact_id - ?, next_address_id - ?",
        (customers, contacts, addresses, customers, store_id, customers, contacts, addresses),
    ).fetchone()
    if row is None:
        raise errors.store_not_found()
    first_customer: int = row[0]
    if first_customer + customers - 1 > MAX_ID:
        raise RuntimeError(f"store {store_id} has used every customer id")
    return first_customer, row[1], row[2]


def _email_taken(error: sqlite3.IntegrityError) -> bool:
    return "email_key" in str(error)


def create(connection: sqlite3.Connection, store_id: int, new: CustomerDraft, now: int) -> int:
    customer = new.customer
    _check_group(connection, store_id, customer.customer_group_id)
    contacts, addresses = new_ids_needed(customer)
    customer_id, first_contact, first_address = _reserve(
        connection, store_id, customers=1, contacts=contacts, addresses=addresses
    )
    numbered = assign_ids(
        customer,
        customer_id=customer_id,
        first_contact_id=first_contact,
        first_address_id=first_address,
    )
    try:
        connection.execute(
            "INSERT INTO customers (store_id, id, email_key, name_key, group_id, registered_at, "
            "updated_at, password_hash, doc) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                store_id,
                customer_id,
                new.email_key,
                new.name_key,
                customer.customer_group_id,
                now,
                now,
                new.password_hash,
                _encode(numbered),
            ),
        )
    except sqlite3.IntegrityError as error:
        if _email_taken(error):
            raise errors.email_already_exists() from None
        raise
    return customer_id


def update(
    connection: sqlite3.Connection,
    store_id: int,
    customer_id: int,
    change: CustomerChange,
    now: int,
    password_hash: str | None,
) -> Customer:
    current = get(connection, store_id, customer_id)
    if current is None:
        raise errors.customer_not_found(customer_id)
    changed = change(current)
    if changed.customer_group_id != current.customer_group_id:
        _check_group(connection, store_id, changed.customer_group_id)
    contacts, addresses = new_ids_needed(changed)
    first_contact = first_address = 0
    if contacts or addresses:
        _, first_contact, first_address = _reserve(
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
        connection.execute(
            "UPDATE customers SET email_key = ?, name_key = ?, group_id = ?, updated_at = ?, "
            "password_hash = coalesce(?, password_hash), doc = ? WHERE store_id = ? AND id = ?",
            (
                keys.email_key,
                keys.name_key,
                numbered.customer_group_id,
                now,
                password_hash,
                _encode(numbered),
                store_id,
                customer_id,
            ),
        )
    except sqlite3.IntegrityError as error:
        if _email_taken(error):
            raise errors.email_already_exists() from None
        raise
    saved = get(connection, store_id, customer_id)
    assert saved is not None
    return saved


def delete(connection: sqlite3.Connection, store_id: int, customer_id: int, now: int) -> bool:
    deleted = connection.execute(
        "DELETE FROM customers WHERE store_id = ? AND id = ?", (store_id, customer_id)
    ).rowcount
    if not deleted:
        return False
    connection.execute(
        "INSERT INTO deleted_customers (store_id, id, deleted_at) VALUES (?, ?, ?)",
        (store_id, customer_id, now),
    )
    connection.execute(
        "UPDATE stores SET customer_count = customer_count - 1 WHERE id = ?", (store_id,)
    )
    return True


def deleted_page(
    connection: sqlite3.Connection, store_id: int, since: int, until: int | None, page: Page
) -> DeletedPage:
    condition = "store_id = ? AND deleted_at >= ? AND (? IS NULL OR deleted_at <= ?)"
    params = (store_id, since, until, until)
    total: int = connection.execute(
        f"SELECT count(*) FROM deleted_customers WHERE {condition}", params
    ).fetchone()[0]
    rows = connection.execute(
        f"SELECT id, deleted_at FROM deleted_customers WHERE {condition} "
        "ORDER BY deleted_at, id LIMIT ? OFFSET ?",
        (*params, page.limit, page.offset),
    ).fetchall()
    items = [DeletedCustomer(id=row[0], date=format_ecwid_time(row[1])) for row in rows]
    return DeletedPage(total=total, items=items)
