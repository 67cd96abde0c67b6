"""Whole-store operations on a SQLite connection: delete, reset, export, import.

They serve the control plane and ``store export/import``. Writes run on the writer thread
inside its transaction, so an import is all or nothing and readers never see half of one.
"""

from __future__ import annotations

import sqlite3

import msgspec

from ecwid_customers import errors
from ecwid_customers.domain.clock import format_ecwid_time, parse_ecwid_time
from ecwid_customers.domain.models import (
    CustomerGroup,
    DeletedCustomer,
    ExtraFieldDefinition,
    Store,
)
from ecwid_customers.storage.base import DumpedCustomer, NextIds, StoreDump
from ecwid_customers.storage.dump import (
    REPLACE_SETTINGS,
    STORE_COLUMNS,
    customer_row,
    next_ids,
    store_row,
)
from ecwid_customers.storage.sqlite import customers as customer_rows

_encode = msgspec.json.Encoder().encode
_decode_field = msgspec.json.Decoder(ExtraFieldDefinition).decode

# Every table holding a store's content, children first.
_CONTENT_TABLES = ("customers", "deleted_customers", "customer_groups", "extra_fields")


def _split(text: str) -> tuple[str, ...]:
    return tuple(part for part in text.split(",") if part)


def _empty(connection: sqlite3.Connection, store_id: int) -> None:
    for table in _CONTENT_TABLES:
        connection.execute(f"DELETE FROM {table} WHERE store_id = ?", (store_id,))


def delete_store(connection: sqlite3.Connection, store_id: int) -> bool:
    _empty(connection, store_id)
    connection.execute("DELETE FROM tokens WHERE store_id = ?", (store_id,))
    return bool(connection.execute("DELETE FROM stores WHERE id = ?", (store_id,)).rowcount)


def _set_counters(
    connection: sqlite3.Connection, store_id: int, ids: NextIds, customer_count: int
) -> bool:
    return bool(
        connection.execute(
            "UPDATE stores SET customer_count = ?, next_customer_id = ?, next_contact_id = ?, "
            "next_address_id = ?, next_group_id = ? WHERE id = ?",
            (customer_count, ids.customer, ids.contact, ids.address, ids.group, store_id),
        ).rowcount
    )


def reset_store(connection: sqlite3.Connection, store_id: int) -> bool:
    _empty(connection, store_id)
    return _set_counters(connection, store_id, NextIds(), 0)


def export_store(connection: sqlite3.Connection, store_id: int) -> StoreDump | None:
    connection.execute("BEGIN")  # one snapshot for every table
    try:
        row = connection.execute(
            "SELECT languages, legacy_sign_in, customer_groups_enabled, suspended, rate_limit, "
            "next_customer_id, next_contact_id, next_address_id, next_group_id "
            "FROM stores WHERE id = ?",
            (store_id,),
        ).fetchone()
        if row is None:
            return None
        store = Store(
            id=store_id,
            languages=_split(row[0]),
            legacy_sign_in=bool(row[1]),
            customer_groups_enabled=bool(row[2]),
            suspended=bool(row[3]),
            rate_limit=row[4],
        )
        groups = [
            CustomerGroup(id=g[0], name=g[1], external_reference_id=g[2])
            for g in connection.execute(
                "SELECT id, name, external_reference_id FROM customer_groups "
                "WHERE store_id = ? ORDER BY id",
                (store_id,),
            )
        ]
        fields = [
            _decode_field(f[0])
            for f in connection.execute(
                "SELECT doc FROM extra_fields WHERE store_id = ? ORDER BY created_at, key",
                (store_id,),
            )
        ]
        dumped = [
            DumpedCustomer(customer=customer_rows.customer_from_row(c[:5]), password_hash=c[5])
            for c in connection.execute(
                f"SELECT {customer_rows.READ_COLUMNS}, c.password_hash "
                f"FROM {customer_rows.READ_FROM} WHERE c.store_id = ? ORDER BY c.id",
                (store_id,),
            )
        ]
        deleted = [
            DeletedCustomer(id=d[0], date=format_ecwid_time(d[1]))
            for d in connection.execute(
                "SELECT id, deleted_at FROM deleted_customers WHERE store_id = ? ORDER BY id",
                (store_id,),
            )
        ]
    finally:
        connection.execute("COMMIT")
    return StoreDump(
        store=store,
        next_ids=NextIds(customer=row[5], contact=row[6], address=row[7], group=row[8]),
        groups=groups,
        extra_fields=fields,
        customers=dumped,
        deleted=deleted,
    )


def import_store(connection: sqlite3.Connection, dump: StoreDump, now: int) -> None:
    store = dump.store
    connection.execute(
        f"INSERT INTO stores ({STORE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?) {REPLACE_SETTINGS}",
        store_row(store, now),
    )
    _empty(connection, store.id)
    connection.executemany(
        "INSERT INTO customer_groups (store_id, id, name, name_key, external_reference_id) "
        "VALUES (?, ?, ?, ?, ?)",
        [(store.id, g.id, g.name, g.name.lower(), g.external_reference_id) for g in dump.groups],
    )
    connection.executemany(
        "INSERT INTO extra_fields (store_id, key, doc, created_at) VALUES (?, ?, ?, ?)",
        [
            (store.id, f.key, _encode(f), parse_ecwid_time(f.created_date))
            for f in dump.extra_fields
        ],
    )
    rows = [customer_row(c) for c in dump.customers]
    try:
        connection.executemany(
            "INSERT INTO customers (store_id, id, email_key, name_key, group_id, registered_at, "
            "updated_at, password_hash, doc) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    store.id,
                    r.id,
                    r.email_key,
                    r.name_key,
                    r.group_id,
                    r.registered_at,
                    r.updated_at,
                    r.password_hash,
                    _encode(r.customer),
                )
                for r in rows
            ],
        )
    except sqlite3.IntegrityError as error:
        if "email_key" in str(error):
            raise errors.email_already_exists() from None
        raise
    connection.executemany(
        "INSERT INTO deleted_customers (store_id, id, deleted_at) VALUES (?, ?, ?)",
        [(store.id, d.id, parse_ecwid_time(d.date)) for d in dump.deleted],
    )
    _set_counters(connection, store.id, next_ids(dump), len(rows))
