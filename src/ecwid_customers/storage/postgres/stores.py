"""Whole-store operations on PostgreSQL: delete, reset, export, import.

Each runs in one transaction (an export in one REPEATABLE READ snapshot), so an import is all
or nothing and no reader sees half of one. Each write takes the store's row first, the lock
order every other write follows (see ``customers.py``).
"""

from __future__ import annotations

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
from ecwid_customers.storage.postgres import customers as customer_rows
from ecwid_customers.storage.postgres import db
from ecwid_customers.storage.postgres.db import Connection

_decode_field = msgspec.json.Decoder(ExtraFieldDefinition).decode

# Every table holding a store's content.
_CONTENT_TABLES = ("customers", "deleted_customers", "customer_groups", "extra_fields")


def _split(text: str) -> tuple[str, ...]:
    return tuple(part for part in text.split(",") if part)


async def _lock(connection: Connection, store_id: int) -> bool:
    found = await connection.fetchval("SELECT 1 FROM stores WHERE id = $1 FOR UPDATE", store_id)
    return found is not None


async def _empty(connection: Connection, store_id: int) -> None:
    for table in _CONTENT_TABLES:
        await connection.execute(f"DELETE FROM {table} WHERE store_id = $1", store_id)  # noqa: S608


async def delete_store(connection: Connection, store_id: int) -> bool:
    if not await _lock(connection, store_id):
        return False
    await _empty(connection, store_id)
    await connection.execute("DELETE FROM tokens WHERE store_id = $1", store_id)
    await connection.execute("DELETE FROM stores WHERE id = $1", store_id)
    return True


async def _set_counters(
    connection: Connection, store_id: int, ids: NextIds, customer_count: int
) -> None:
    await connection.execute(
        "UPDATE stores SET customer_count = $2, next_customer_id = $3, next_contact_id = $4, "
        "next_address_id = $5, next_group_id = $6 WHERE id = $1",
        store_id,
        customer_count,
        ids.customer,
        ids.contact,
        ids.address,
        ids.group,
    )


async def reset_store(connection: Connection, store_id: int) -> bool:
    if not await _lock(connection, store_id):
        return False
    await _empty(connection, store_id)
    await _set_counters(connection, store_id, NextIds(), 0)
    return True


async def export_store(connection: Connection, store_id: int) -> StoreDump | None:
    """Run inside a REPEATABLE READ transaction: every table from one snapshot."""
    row = await connection.fetchrow(
        "SELECT languages, legacy_sign_in, customer_groups_enabled, suspended, rate_limit, "
        "next_customer_id, next_contact_id, next_address_id, next_group_id "
        "FROM stores WHERE id = $1",
        store_id,
    )
    if row is None:
        return None
    store = Store(
        id=store_id,
        languages=_split(row[0]),
        legacy_sign_in=row[1],
        customer_groups_enabled=row[2],
        suspended=row[3],
        rate_limit=row[4],
    )
    groups = [
        CustomerGroup(id=g[0], name=g[1], external_reference_id=g[2])
        for g in await connection.fetch(
            "SELECT id, name, external_reference_id FROM customer_groups "
            "WHERE store_id = $1 ORDER BY id",
            store_id,
        )
    ]
    fields = [
        _decode_field(f[0])
        for f in await connection.fetch(
            "SELECT doc FROM extra_fields WHERE store_id = $1 ORDER BY created_at, key", store_id
        )
    ]
    dumped = [
        DumpedCustomer(customer=customer_rows.customer_from_row(c), password_hash=c[5])
        for c in await connection.fetch(
            f"SELECT {customer_rows.READ_COLUMNS}, c.password_hash FROM customers c "  # noqa: S608
            f"{customer_rows.GROUP_JOIN} WHERE c.store_id = $1 ORDER BY c.id",
            store_id,
        )
    ]
    deleted = [
        DeletedCustomer(id=d[0], date=format_ecwid_time(d[1]))
        for d in await connection.fetch(
            "SELECT id, deleted_at FROM deleted_customers WHERE store_id = $1 ORDER BY id",
            store_id,
        )
    ]
    return StoreDump(
        store=store,
        next_ids=NextIds(customer=row[5], contact=row[6], address=row[7], group=row[8]),
        groups=groups,
        extra_fields=fields,
        customers=dumped,
        deleted=deleted,
    )


async def import_store(connection: Connection, dump: StoreDump, now: int) -> None:
    store = dump.store
    await connection.execute(
        f"INSERT INTO stores ({STORE_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7) "  # noqa: S608 - constants
        f"{REPLACE_SETTINGS}",
        *store_row(store, now),
    )
    await _empty(connection, store.id)
    await connection.executemany(
        "INSERT INTO customer_groups (store_id, id, name, name_key, external_reference_id) "
        "VALUES ($1, $2, $3, $4, $5)",
        [(store.id, g.id, g.name, g.name.lower(), g.external_reference_id) for g in dump.groups],
    )
    await connection.executemany(
        "INSERT INTO extra_fields (store_id, key, doc, created_at) VALUES ($1, $2, $3::jsonb, $4)",
        [
            (store.id, f.key, customer_rows.document(f), parse_ecwid_time(f.created_date))
            for f in dump.extra_fields
        ],
    )
    rows = [customer_row(c) for c in dump.customers]
    try:
        await connection.executemany(
            "INSERT INTO customers (store_id, id, email_key, name_key, group_id, registered_at, "
            "updated_at, password_hash, doc) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb)",
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
                    customer_rows.document(r.customer),
                )
                for r in rows
            ],
        )
    except db.UniqueViolation as error:
        if db.constraint_name(error) == customer_rows.EMAIL_INDEX:
            raise errors.email_already_exists() from None
        raise
    await connection.executemany(
        "INSERT INTO deleted_customers (store_id, id, deleted_at) VALUES ($1, $2, $3)",
        [(store.id, d.id, parse_ecwid_time(d.date)) for d in dump.deleted],
    )
    await _set_counters(connection, store.id, next_ids(dump), len(rows))
