"""Rows of a store dump, computed once for both engines (see ``StoreDump`` in ``base.py``)."""

from __future__ import annotations

from dataclasses import dataclass

import msgspec

from ecwid_customers.domain.clock import parse_ecwid_time
from ecwid_customers.domain.create import draft
from ecwid_customers.domain.models import Store
from ecwid_customers.storage.base import DumpedCustomer, NextIds, StoreDump


@dataclass(frozen=True, slots=True)
class CustomerRow:
    id: int
    email_key: str
    name_key: str
    group_id: int
    registered_at: int
    updated_at: int
    password_hash: str | None
    customer: msgspec.Struct  # the document, without what the columns own


# The columns of a row of ``stores`` that hold a store's settings, in this order.
STORE_COLUMNS = (
    "id, languages, legacy_sign_in, customer_groups_enabled, suspended, rate_limit, created_at"
)


# On an import into an existing store: its settings become the dump's (counters come after).
REPLACE_SETTINGS = (
    "ON CONFLICT (id) DO UPDATE SET languages = excluded.languages, "
    "legacy_sign_in = excluded.legacy_sign_in, "
    "customer_groups_enabled = excluded.customer_groups_enabled, "
    "suspended = excluded.suspended, rate_limit = excluded.rate_limit"
)


def store_row(store: Store, now: int) -> tuple[int, str, bool, bool, bool, int | None, int]:
    """The values of ``STORE_COLUMNS`` for a new store."""
    return (
        store.id,
        ",".join(store.languages),
        store.legacy_sign_in,
        store.customer_groups_enabled,
        store.suspended,
        store.rate_limit,
        now,
    )


def customer_row(dumped: DumpedCustomer) -> CustomerRow:
    customer = dumped.customer
    keys = draft(customer)
    # The group name and the dates live in columns and are filled in on every read.
    document = msgspec.structs.replace(customer, customer_group_name=None)
    return CustomerRow(
        id=customer.id,
        email_key=keys.email_key,
        name_key=keys.name_key,
        group_id=customer.customer_group_id,
        registered_at=parse_ecwid_time(customer.registered),
        updated_at=parse_ecwid_time(customer.updated),
        password_hash=dumped.password_hash,
        customer=document,
    )


def next_ids(dump: StoreDump) -> NextIds:
    """The dump's counters, raised past every id it holds: ids are never handed out twice."""
    customers = [c.customer for c in dump.customers]
    customer_ids = [c.id for c in customers] + [d.id for d in dump.deleted]
    contact_ids = [contact.id for c in customers for contact in c.contacts]
    address_ids = [address.id for c in customers for address in c.shipping_addresses]
    group_ids = [group.id for group in dump.groups]
    wanted = dump.next_ids
    return NextIds(
        customer=max([wanted.customer, *(i + 1 for i in customer_ids)]),
        contact=max([wanted.contact, *(i + 1 for i in contact_ids)]),
        address=max([wanted.address, *(i + 1 for i in address_ids)]),
        group=max([wanted.group, *(i + 1 for i in group_ids)]),
    )
