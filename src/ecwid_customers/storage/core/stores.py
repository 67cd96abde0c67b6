"""Stores and tokens, and whole-store operations (delete, reset, export, import), for both
engines.

A whole-store write takes the store's row first, the lock order every other write follows
(``customers.py``); each runs in one transaction, so an import is all or nothing and no reader
sees half of one. An export runs in one snapshot.
"""

from __future__ import annotations

from collections.abc import Callable

from ecwid_customers.domain.clock import format_ecwid_time, parse_ecwid_time
from ecwid_customers.domain.models import DeletedCustomer, Store, TokenGrant
from ecwid_customers.storage.base import (
    Access,
    DumpedCustomer,
    NewToken,
    NextIds,
    StoreDump,
    StoreSummary,
    TokenInfo,
)
from ecwid_customers.storage.core import catalog, ids, outbox
from ecwid_customers.storage.core.customers import taken
from ecwid_customers.storage.core.rows import (
    CUSTOMER_COLUMN_COUNT,
    CUSTOMER_COLUMNS,
    CUSTOMER_IMPORT,
    CUSTOMERS,
    GROUP_COLUMNS,
    GROUP_JOIN,
    PURCHASE_INSERT,
    REPLACE_SETTINGS,
    STORE_INSERT,
    STORE_SETTINGS,
    TOKEN_COLUMNS,
    customer_from_row,
    decode_field,
    dumped_values,
    encode,
    group_from_row,
    split_list,
    store_from_row,
    store_values,
    token_from_row,
)
from ecwid_customers.storage.core.session import Duplicate, Row, Session
from ecwid_customers.storage.errors import StoreExists, StoreNotFound, TokenExists

# Every table holding a store's content.
_CONTENT_TABLES = (
    "customer_purchases",  # before their customers: no cascade row by row
    "customers",
    "deleted_customers",
    "customer_groups",
    "extra_fields",
    "webhook_deliveries",  # and their attempts, with them
)

_ACCESS = (
    f"SELECT {STORE_SETTINGS}, t.kind, t.scopes FROM stores s "
    "LEFT JOIN tokens t ON t.store_id = s.id AND t.token_hash = ? AND t.revoked_at IS NULL "
    "WHERE s.id = ?"
)
_SUMMARIES = (
    f"SELECT {STORE_SETTINGS}, s.id, {ids.CUSTOMER_COUNT}, "
    "(SELECT count(*) FROM tokens t WHERE t.store_id = s.id AND t.revoked_at IS NULL), "
    "s.webhooks_paused FROM stores s"
)

# Parses a comma-separated list, remembering the few distinct values that serve every request.
ListParser = Callable[[str], tuple[str, ...]]


async def access(
    session: Session, store_id: int, token_hash: bytes | None, parse: ListParser
) -> Access:
    row = await session.row(_ACCESS, token_hash, store_id)
    if row is None:
        return Access(store=None, grant=None)
    store = store_from_row(store_id, row, parse(row[0]))
    grant = None
    if row[5] is not None:
        grant = TokenGrant(store=store, kind=row[5], scopes=frozenset(parse(row[6])))
    return Access(store=store, grant=grant)


def _summary(row: Row) -> StoreSummary:
    store = store_from_row(row[5], row, split_list(row[0]))
    return StoreSummary(store=store, customers=row[6], tokens=row[7], webhooks_paused=bool(row[8]))


async def get_store(session: Session, store_id: int) -> StoreSummary | None:
    row = await session.row(f"{_SUMMARIES} WHERE s.id = ?", store_id)
    return _summary(row) if row else None


async def list_stores(session: Session) -> list[StoreSummary]:
    return [_summary(row) for row in await session.rows(f"{_SUMMARIES} ORDER BY s.id")]


async def access_changed(session: Session) -> None:
    """Say (at commit) that what :func:`access` answers may have changed: a store's settings,
    its existence or its tokens. Every function below that changes those calls this."""
    if session.dialect.access_notice is not None:
        await session.value(session.dialect.access_notice)


async def create_store(session: Session, store: Store, now: int) -> None:
    inserted = await session.run(
        f"{STORE_INSERT} ON CONFLICT (id) DO NOTHING", *store_values(store, now)
    )
    if not inserted:
        raise StoreExists(store.id)
    await access_changed(session)


async def set_store_setting(session: Session, store_id: int, column: str, value: object) -> bool:
    """Change one of a store's settings (a column name of code, never of a caller)."""
    changed = await session.run(f"UPDATE stores SET {column} = ? WHERE id = ?", value, store_id)
    await access_changed(session)
    return changed > 0


async def create_token(session: Session, store_id: int, token: NewToken, now: int) -> TokenInfo:
    if await session.value("SELECT 1 FROM stores WHERE id = ?", store_id) is None:
        raise StoreNotFound(store_id)
    scopes = ",".join(token.scopes)
    try:
        token_id: int = await session.value(
            "INSERT INTO tokens (store_id, token_hash, kind, scopes, hint, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
            *(store_id, token.token_hash, token.kind, scopes, token.hint, now),
        )
    except Duplicate:
        raise TokenExists(store_id) from None
    await access_changed(session)  # an unknown token's refusal may have been kept
    if token.webhook is not None:
        await outbox.set_token_webhook(session, token_id, token.webhook)
    row = await session.row(f"SELECT {TOKEN_COLUMNS} FROM tokens WHERE id = ?", token_id)
    assert row is not None
    return token_from_row(row)


async def list_tokens(session: Session, store_id: int | None) -> list[TokenInfo]:
    where, params = ("", ()) if store_id is None else (" WHERE store_id = ?", (store_id,))
    rows = await session.rows(
        f"SELECT {TOKEN_COLUMNS} FROM tokens{where} ORDER BY store_id, id", *params
    )
    return [token_from_row(row) for row in rows]


async def revoke_token(session: Session, token_id: int, now: int) -> bool:
    revoked = await session.run(
        "UPDATE tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", now, token_id
    )
    if revoked:
        await access_changed(session)
        await outbox.cancel_for_token(session, token_id)  # retries already queued included
        await outbox.refresh_subscriptions(session, token_id)
    return revoked == 1


# -- whole stores --------------------------------------------------------------------------


async def _lock(session: Session, store_id: int) -> bool:
    lock = session.dialect.for_update
    return await session.value(f"SELECT 1 FROM stores WHERE id = ?{lock}", store_id) is not None


async def _empty(session: Session, store_id: int) -> None:
    for table in _CONTENT_TABLES:
        await session.run(f"DELETE FROM {table} WHERE store_id = ?", store_id)


async def delete_store(session: Session, store_id: int) -> bool:
    if not await _lock(session, store_id):
        return False
    await _empty(session, store_id)
    await session.run("DELETE FROM tokens WHERE store_id = ?", store_id)
    await session.run("DELETE FROM stores WHERE id = ?", store_id)
    await access_changed(session)
    return True


async def reset_store(session: Session, store_id: int) -> bool:
    if not await _lock(session, store_id):
        return False
    await _empty(session, store_id)
    return await ids.set_counters(session, store_id, NextIds(), 0)


# Customers an export reads between two words to its ``read`` (a progress bar's step).
_READ_STEP = 100


async def export_store(
    session: Session, store_id: int, read: Callable[[int], None] | None = None
) -> StoreDump | None:
    """Run inside one snapshot (the engine's ``snapshot``): every table as of one moment.
    ``read(n)``: told of each ``n`` customers made from their rows."""
    row = await session.row(
        f"SELECT {STORE_SETTINGS}, next_customer_id, next_contact_id, next_address_id, "
        "next_group_id FROM stores WHERE id = ?",
        store_id,
    )
    if row is None:
        return None
    by_store = "WHERE store_id = ? ORDER BY id"
    groups = await session.rows(f"SELECT {GROUP_COLUMNS} FROM customer_groups {by_store}", store_id)
    fields = await session.rows(catalog.FIELDS_IN_ORDER, store_id)
    customers = await session.rows(
        f"SELECT {CUSTOMER_COLUMNS}, c.password_hash, c.id FROM {CUSTOMERS} {GROUP_JOIN} "
        "WHERE c.store_id = ? ORDER BY c.id",
        store_id,
    )
    deleted = await session.rows(
        f"SELECT id, deleted_at FROM deleted_customers {by_store}", store_id
    )
    purchases: dict[int, list[int]] = {}
    for bought in await session.rows(
        "SELECT customer_id, product_id FROM customer_purchases WHERE store_id = ? "
        "ORDER BY customer_id, product_id",
        store_id,
    ):
        purchases.setdefault(bought[0], []).append(bought[1])
    password = CUSTOMER_COLUMN_COUNT
    dumped: list[DumpedCustomer] = []
    for c in customers:
        dumped.append(
            DumpedCustomer(
                customer=customer_from_row(c),
                password_hash=c[password],
                purchased_product_ids=tuple(purchases.get(c[password + 1], ())),
            )
        )
        if read is not None and len(dumped) % _READ_STEP == 0:
            read(_READ_STEP)
    if read is not None and len(dumped) % _READ_STEP:
        read(len(dumped) % _READ_STEP)
    return StoreDump(
        store=store_from_row(store_id, row, split_list(row[0])),
        next_ids=NextIds(customer=row[5], contact=row[6], address=row[7], group=row[8]),
        groups=[group_from_row(g) for g in groups],
        extra_fields=[decode_field(f[0]) for f in fields],
        customers=dumped,
        deleted=[DeletedCustomer(id=d[0], date=format_ecwid_time(d[1])) for d in deleted],
    )


async def import_store(session: Session, dump: StoreDump, now: int) -> None:
    store_id = dump.store.id
    document = session.dialect.document
    await session.run(f"{STORE_INSERT} {REPLACE_SETTINGS}", *store_values(dump.store, now))
    await access_changed(session)
    await _empty(session, store_id)
    await session.run_many(
        catalog.GROUP_INSERT,
        [(store_id, g.id, g.name, g.name.lower(), g.external_reference_id) for g in dump.groups],
    )
    await session.run_many(
        catalog.FIELD_INSERT,
        [
            (store_id, f.key, document(encode(f)), parse_ecwid_time(f.created_date))
            for f in dump.extra_fields
        ],
    )
    rows = [dumped_values(c) for c in dump.customers]
    try:
        await session.run_many(
            CUSTOMER_IMPORT, [row.insert(store_id, document(row.doc)) for row in rows]
        )
    except Duplicate as error:
        raise taken(error) from None
    await session.run_many(
        PURCHASE_INSERT,
        [
            (store_id, entry.customer.id, product_id)
            for entry in dump.customers
            for product_id in entry.purchased_product_ids
        ],
    )
    await session.run_many(
        "INSERT INTO deleted_customers (store_id, id, deleted_at) VALUES (?, ?, ?)",
        [(store_id, d.id, parse_ecwid_time(d.date)) for d in dump.deleted],
    )
    await ids.set_counters(session, store_id, dump.counters(), len(rows))
