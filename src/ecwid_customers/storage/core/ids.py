"""Id blocks: every id comes from its store's counters in ``stores``.

Ids therefore increase per store, start at 1 in every store (the same calls give the same ids,
which tests rely on), and are never handed out twice, even after a delete (spec Q37). A write
takes a block with one ``UPDATE ... RETURNING``: on PostgreSQL the row lock hands each block out
once, in order, and a transaction that fails rolls its block back unused.
"""

from __future__ import annotations

from typing import NamedTuple

from ecwid_customers.domain.create import assign_ids, new_ids_needed
from ecwid_customers.domain.ids import MAX_ID
from ecwid_customers.domain.models import Customer
from ecwid_customers.storage.base import NextIds
from ecwid_customers.storage.core.session import Session
from ecwid_customers.storage.errors import IdsExhausted, StoreNotFound

_RESERVE = (
    "UPDATE stores SET next_customer_id = next_customer_id + ?, "
    "next_contact_id = next_contact_id + ?, next_address_id = next_address_id + ?, "
    "customer_count = customer_count + ? "
    "WHERE id = ? RETURNING next_customer_id - ?, next_contact_id - ?, next_address_id - ?, "
    "webhook_subscriptions"
)

# A store's count of customers: its row's, plus the shares PostgreSQL's group-committed creates
# add to without locking the row (migration 0009). ``s``: the store's row.
CUSTOMER_COUNT = (
    "(s.customer_count + CAST(coalesce((SELECT sum(n.customers) FROM customer_count_shares n "
    "WHERE n.store_id = s.id), 0) AS BIGINT))"
)
# Share rows a store has; a batch of creates takes one no other batch of its process holds.
COUNT_SHARES = 32


class Block(NamedTuple):
    """The first id of each block taken, and (read on the way, from the same row) the
    store's webhook subscriptions (see ``core/outbox.py``)."""

    customer: int
    contact: int
    address: int
    subscriptions: str


async def reserve(
    session: Session, store_id: int, *, customers: int, contacts: int, addresses: int
) -> Block:
    """Take blocks of ids (and count the new customers)."""
    counts = (customers, contacts, addresses)
    row = await session.row(_RESERVE, *counts, customers, store_id, *counts)
    if row is None:
        raise StoreNotFound(store_id)
    block = Block(row[0], row[1], row[2], row[3])
    if block.customer + customers - 1 > MAX_ID:
        raise IdsExhausted(store_id)
    return block


async def numbered(
    session: Session, store_id: int, customer: Customer, *, customer_id: int | None = None
) -> tuple[Customer, str | None]:
    """``customer`` with ids for what is new in it: its new contacts and addresses, and
    itself unless it has ``customer_id`` already (an update); and the store's count of
    webhook subscriptions when a block was taken (``None`` when none was needed)."""
    contacts, addresses = new_ids_needed(customer)
    new = 1 if customer_id is None else 0
    if not (new or contacts or addresses):
        unchanged = assign_ids(
            customer, customer_id=customer_id or 0, first_contact_id=0, first_address_id=0
        )
        return unchanged, None
    block = await reserve(session, store_id, customers=new, contacts=contacts, addresses=addresses)
    numbered = assign_ids(
        customer,
        customer_id=block.customer if customer_id is None else customer_id,
        first_contact_id=block.contact,
        first_address_id=block.address,
    )
    return numbered, block.subscriptions


async def next_group_id(session: Session, store_id: int) -> int:
    group_id: int | None = await session.value(
        "UPDATE stores SET next_group_id = next_group_id + 1 WHERE id = ? "
        "RETURNING next_group_id - 1",
        store_id,
    )
    if group_id is None:
        raise StoreNotFound(store_id)
    return group_id


async def set_counters(session: Session, store_id: int, ids: NextIds, customer_count: int) -> bool:
    """Set the store's counters outright (a reset, an import); ``False`` for no such store."""
    changed = await session.run(
        "UPDATE stores SET customer_count = ?, next_customer_id = ?, next_contact_id = ?, "
        "next_address_id = ?, next_group_id = ? WHERE id = ?",
        customer_count,
        ids.customer,
        ids.contact,
        ids.address,
        ids.group,
        store_id,
    )
    await session.run("UPDATE customer_count_shares SET customers = 0 WHERE store_id = ?", store_id)
    return changed > 0
