"""Customer reads and writes, for both engines.

Write functions run inside the transaction the engine opened; a raised error rolls back
everything the function did. Where several write transactions run at once (PostgreSQL, any
number of server processes) correctness comes from locks and constraints:

* ids come from the store's counters (``core/ids.py``), each block handed out once;
* an email is unique by the ``customers_by_email`` index, which concurrent writers cannot slip
  past: its violation is the same ``EmailTaken`` a sequential duplicate gets;
* an update locks the customer's row before reading it, so concurrent changes apply one after
  the other and neither loses the other's work;
* a group is locked ``FOR KEY SHARE`` while a customer joins it, so a concurrent delete of the
  group waits, then moves the new member to General as well.

Lock order, so that ordinary traffic does not deadlock: the store's row before customer rows.
A create holds the store's row while its insert may wait for another transaction's change to
the same email, so nobody may hold a customer row while waiting for the store's row: a delete
locks the store's row first, and an update that turns out to need new ids starts again, taking
it first (:class:`StoreLockNeeded`). On SQLite the one writer runs each transaction alone and
the dialect's locks are empty.
"""

from __future__ import annotations

import msgspec

from ecwid_customers.domain.clock import format_ecwid_time
from ecwid_customers.domain.create import draft, new_ids_needed
from ecwid_customers.domain.models import (
    GENERAL_GROUP_ID,
    GENERAL_GROUP_NAME,
    Customer,
    CustomerDraft,
    DeletedCustomer,
)
from ecwid_customers.domain.orders import OrderHistory
from ecwid_customers.domain.search import CustomerQuery, Page
from ecwid_customers.storage.base import CustomerChange, CustomerPage, DeletedPage
from ecwid_customers.storage.core import ids
from ecwid_customers.storage.core.rendered import RenderedCustomers
from ecwid_customers.storage.core.rows import (
    CUSTOMER_COLUMN_COUNT,
    CUSTOMER_COLUMNS,
    CUSTOMER_INSERT,
    CUSTOMERS,
    GROUP_JOIN,
    PURCHASE_INSERT,
    STATS_COLUMNS,
    customer_from_row,
    encode,
    stats_values,
)
from ecwid_customers.storage.core.search import search_sql
from ecwid_customers.storage.core.session import Duplicate, Row, Session
from ecwid_customers.storage.core.sql import SearchSql
from ecwid_customers.storage.errors import CustomerNotFound, EmailTaken, GroupNotFound

EMAIL_INDEX = "customers_by_email"

_GET = f"SELECT {CUSTOMER_COLUMNS} FROM {CUSTOMERS} {GROUP_JOIN} WHERE c.store_id = ? AND c.id = ?"


# An update's read: the customer's row, locked, with its key columns and (with one writer,
# by ``locks_rows``) the store's webhook subscriptions. Not joined to its group: on PostgreSQL
# a statement that waited for the lock sees the newest customer row but the other tables as
# they were when it began (a group the other writer had just chosen is not there yet), so the
# group's name and the subscriptions are read by statements of their own there.
def _locked_read(with_subscriptions: bool) -> str:
    subscriptions = ", (SELECT webhook_subscriptions FROM stores s WHERE s.id = c.store_id)"
    return (
        "SELECT " + CUSTOMER_COLUMNS.replace("g.name", "NULL") + ", c.email_key, c.name_key"
        f"{subscriptions if with_subscriptions else ''} "
        f"FROM {CUSTOMERS} WHERE c.store_id = ? AND c.id = ?"
    )


# By the engine's ``locks_rows``: an engine without row locks (SQLite's one writer) reads
# the subscriptions here.
_LOCKED = {
    locks_rows: _locked_read(with_subscriptions=not locks_rows) for locks_rows in (True, False)
}


class StoreLockNeeded(Exception):
    """An update turned out to need new ids after it had locked the customer: run it again,
    taking the store's row first (see :func:`update`)."""


def taken(error: Duplicate) -> Exception:
    """What a broken unique index means: a taken email, or (any other index) a bug."""
    return EmailTaken() if error.index == EMAIL_INDEX else error


async def get(session: Session, store_id: int, customer_id: int) -> Customer | None:
    row = await session.row(_GET, store_id, customer_id)
    return customer_from_row(row) if row else None


async def get_json(
    session: Session,
    store_id: int,
    customer_id: int,
    rendered: RenderedCustomers,
    stamp: int | None,
) -> bytes | None:
    """The customer's JSON as the API shows it, or ``None`` (``stamp``: the engine's commit
    stamp, read before this)."""
    row = await session.row(_GET, store_id, customer_id)
    return rendered.json(store_id, customer_id, row, stamp) if row else None


async def search_page(session: Session, store_id: int, query: CustomerQuery) -> CustomerPage:
    sql = search_sql(store_id, query, session.dialect)
    page = query.page
    all_customers: int = (
        await session.value(f"SELECT {ids.CUSTOMER_COUNT} FROM stores s WHERE s.id = ?", store_id)
        or 0
    )
    if sql.selective:
        rows, total = await _counted_page(session, store_id, sql, page)
    else:
        rows = await session.rows(
            f"SELECT {CUSTOMER_COLUMNS} FROM {sql.source} {GROUP_JOIN} WHERE {sql.condition} "
            f"ORDER BY {sql.order} LIMIT ? OFFSET ?",
            *sql.all_params,
            page.limit,
            page.offset,
        )
        total = None
    if not query.filters_anything:
        total = all_customers
    elif total is None:
        if len(rows) < page.limit and (rows or page.offset == 0):
            total = page.offset + len(rows)  # the page holds the last match: no count needed
        else:
            total = await session.value(
                f"SELECT count(*) FROM {sql.source} WHERE {sql.condition}", *sql.all_params
            )
    items = [customer_from_row(row) for row in rows]
    return CustomerPage(total=total, all_customers=all_customers, items=items)


async def _counted_page(
    session: Session, store_id: int, sql: SearchSql, page: Page
) -> tuple[list[Row], int | None]:
    """The page of a query whose filter's index drives it, and its total from the same pass.

    The matches' sort keys are gathered once (a materialised CTE); the total counts them and
    the page sorts them, keeping only the first rows (``LIMIT`` over a plain sort needs no
    more), and only the page's customers are read whole. A window ``count(*) OVER ()`` in the
    sorted query says the same but keeps and sorts every match in full: on SQLite a keyword
    search of a 1,000,000-customer store cost about an eighth more that way. The total is
    ``None`` when the page is empty (an offset past the last match)."""
    keys = ", ".join(f"{column} AS k{n}" for n, (column, _) in enumerate(sql.sort_terms))
    by = [f"k{n} {direction}" for n, (_, direction) in enumerate(sql.sort_terms)]
    rows = await session.rows(
        f"WITH p AS MATERIALIZED (SELECT {keys} FROM {sql.source} WHERE {sql.condition}) "
        f"SELECT {CUSTOMER_COLUMNS}, (SELECT count(*) FROM p) FROM "
        f"(SELECT * FROM p ORDER BY {', '.join(by)} LIMIT ? OFFSET ?) q "
        f"CROSS JOIN {CUSTOMERS} {GROUP_JOIN} "
        f"WHERE c.store_id = ? AND c.id = q.k{len(by) - 1} "
        f"ORDER BY {', '.join('q.' + term for term in by)}",
        *sql.all_params,
        page.limit,
        page.offset,
        store_id,
    )
    if not rows:
        return rows, 0 if page.offset == 0 else None
    return rows, rows[0][CUSTOMER_COLUMN_COUNT]


async def check_group(session: Session, store_id: int, group_id: int) -> str:
    """The group's name, or ``GroupNotFound``; the group then stays until this transaction
    ends."""
    name = await group_name(session, store_id, group_id, session.dialect.for_key_share)
    if name is None:
        raise GroupNotFound(group_id)
    return name


async def group_name(session: Session, store_id: int, group_id: int, lock: str = "") -> str | None:
    """The group's name (General's is the API's, not stored); ``None`` if there is none."""
    if group_id == GENERAL_GROUP_ID:
        return GENERAL_GROUP_NAME
    name: str | None = await session.value(
        f"SELECT name FROM customer_groups WHERE store_id = ? AND id = ?{lock}", store_id, group_id
    )
    return name


async def lock_store(session: Session, store_id: int) -> bool:
    """Take the store's row (what creates and id reservations lock); ``False`` if none."""
    found = await session.value(
        f"SELECT 1 FROM stores WHERE id = ?{session.dialect.for_no_key_update}", store_id
    )
    return found is not None


async def create(
    session: Session, store_id: int, new: CustomerDraft, now: int
) -> tuple[int, str | None]:
    """Number and insert the customer; its id, and the store's webhook subscriptions (read
    with the id block, so announcing the create costs no query)."""
    await check_group(session, store_id, new.customer.customer_group_id)
    numbered, subscriptions = await ids.numbered(session, store_id, new.customer)
    customer_id = numbered.id
    document = session.dialect.document(encode(numbered))
    values = (new.email_key, new.name_key, numbered.customer_group_id, now, now)
    try:
        await session.run(
            CUSTOMER_INSERT, store_id, customer_id, *values, new.password_hash, document
        )
    except Duplicate as error:
        raise taken(error) from None
    return customer_id, subscriptions


async def update(
    session: Session,
    store_id: int,
    customer_id: int,
    change: CustomerChange,
    now: int,
    password_hash: str | None,
    *,
    store_locked_first: bool,
) -> tuple[Customer, str | None]:
    """Lock the row, apply ``change`` to what it holds now, write the result; the saved
    customer, and the store's webhook subscriptions where the engine runs one writer (read on
    the way; ``None``: not read).

    New contacts or addresses need ids from the store's row, which must be locked before the
    customer's (the order creates and deletes use). The first attempt does not lock it; when
    the change turns out to need ids (and the engine locks rows) it raises
    :class:`StoreLockNeeded` and the caller runs it again with ``store_locked_first``.
    """
    if store_locked_first and not await lock_store(session, store_id):
        raise CustomerNotFound(customer_id)
    # Read under the lock: a new statement sees the newest committed row, which is now ours.
    locks_rows = session.dialect.locks_rows
    read = _LOCKED[locks_rows] + session.dialect.for_update
    locked = await session.row(read, store_id, customer_id)
    if locked is None:
        raise CustomerNotFound(customer_id)
    current = customer_from_row(locked)
    stored_group: int = locked[1]  # the column, whatever ``change`` does with ``current``
    current.customer_group_name = await group_name(session, store_id, stored_group)
    changed = change(current)
    if any(new_ids_needed(changed)) and locks_rows and not store_locked_first:
        raise StoreLockNeeded
    name = current.customer_group_name
    if changed.customer_group_id != stored_group:
        name = await check_group(session, store_id, changed.customer_group_id)
    numbered, _ = await ids.numbered(session, store_id, changed, customer_id=customer_id)
    keys = draft(numbered)
    # Only the key columns whose values change are set: on SQLite setting the name or email
    # key at all re-indexes the customer's text (a trigger) and its index entries, which
    # costs more than the rest of the update when, as usually, neither changed.
    before = (locked[CUSTOMER_COLUMN_COUNT], locked[CUSTOMER_COLUMN_COUNT + 1])
    changed_keys = [
        (column, value)
        for column, value, was in (
            ("email_key", keys.email_key, before[0]),
            ("name_key", keys.name_key, before[1]),
            ("group_id", numbered.customer_group_id, stored_group),
        )
        if value != was
    ]
    sets = "".join(f"{column} = ?, " for column, _ in changed_keys)
    try:
        await session.run(
            f"UPDATE customers SET {sets}updated_at = ?, "
            "password_hash = coalesce(?, password_hash), doc = ? WHERE store_id = ? AND id = ?",
            *(value for _, value in changed_keys),
            now,
            password_hash,
            session.dialect.document(encode(numbered)),
            store_id,
            customer_id,
        )
    except Duplicate as error:
        raise taken(error) from None
    # What a read would give now, without the read: the columns' values are known (the
    # registration date and the stats did not change; ``updated`` is ``now``).
    saved = msgspec.structs.replace(
        numbered, customer_group_name=name, updated=format_ecwid_time(now)
    )
    if locks_rows:
        return saved, None
    return saved, locked[CUSTOMER_COLUMN_COUNT + 2] or ""


_SET_STATS = "UPDATE customers SET " + ", ".join(
    f"{column} = ?" for column in STATS_COLUMNS.split(", ")
)


async def set_order_history(
    session: Session, store_id: int, customer_id: int, history: OrderHistory
) -> Customer | None:
    """Replace the customer's stand-in order history; ``None`` when there is no such customer.

    Only columns change (the document does not hold them), and ``updated`` stays: in Ecwid an
    order changes the stats, not the customer. The update locks the row, so concurrent calls
    apply one after the other.
    """
    changed = await session.run(
        f"{_SET_STATS} WHERE store_id = ? AND id = ?",
        *stats_values(history.stats),
        store_id,
        customer_id,
    )
    if not changed:
        return None
    await session.run(
        "DELETE FROM customer_purchases WHERE store_id = ? AND customer_id = ?",
        store_id,
        customer_id,
    )
    await session.run_many(
        PURCHASE_INSERT,
        [(store_id, customer_id, product_id) for product_id in history.purchased_product_ids],
    )
    return await get(session, store_id, customer_id)


async def order_history(session: Session, store_id: int, customer_id: int) -> OrderHistory | None:
    customer = await get(session, store_id, customer_id)
    if customer is None:
        return None
    rows = await session.rows(
        "SELECT product_id FROM customer_purchases WHERE store_id = ? AND customer_id = ? "
        "ORDER BY product_id",
        store_id,
        customer_id,
    )
    return OrderHistory(stats=customer.stats, purchased_product_ids=tuple(r[0] for r in rows))


async def delete(session: Session, store_id: int, customer_id: int, now: int) -> str | None:
    """Delete the customer; its email (for the webhook), or ``None`` when there was none."""
    # The store's row first: a create holding it may be waiting on this customer's email.
    if not await lock_store(session, store_id):
        return None
    email = await session.value(
        f"DELETE FROM customers WHERE store_id = ? AND id = ? "
        f"RETURNING {session.dialect.json_text('doc', 'email')}",
        store_id,
        customer_id,
    )
    if email is None:
        return None
    await session.run(
        "INSERT INTO deleted_customers (store_id, id, deleted_at) VALUES (?, ?, ?)",
        store_id,
        customer_id,
        now,
    )
    await session.run(
        "UPDATE stores SET customer_count = customer_count - 1 WHERE id = ?", store_id
    )
    return str(email)


async def deleted_page(
    session: Session, store_id: int, since: int, until: int | None, page: Page
) -> DeletedPage:
    condition = "store_id = ? AND deleted_at >= ?"
    params: list[object] = [store_id, since]
    if until is not None:
        condition += " AND deleted_at <= ?"
        params.append(until)
    total: int = await session.value(
        f"SELECT count(*) FROM deleted_customers WHERE {condition}", *params
    )
    rows = await session.rows(
        f"SELECT id, deleted_at FROM deleted_customers WHERE {condition} "
        "ORDER BY deleted_at, id LIMIT ? OFFSET ?",
        *params,
        page.limit,
        page.offset,
    )
    items = [DeletedCustomer(id=row[0], date=format_ecwid_time(row[1])) for row in rows]
    return DeletedPage(total=total, items=items)
