"""Rows and models: how a customer, a store, a token or a group is laid out in the tables.

A customer is one row: the columns that queries and constraints need, plus the customer object
as JSON in ``doc``. Values the server changes on its own (the group when a group is deleted,
``updated`` when one is renamed) and the order-history stand-in's ``stats`` live only in columns
and are laid over the document when it is read, so such a change touches columns, not documents.
"""

from __future__ import annotations

from dataclasses import dataclass

import msgspec

from ecwid_customers.domain.clock import format_ecwid_time, parse_ecwid_time
from ecwid_customers.domain.create import draft
from ecwid_customers.domain.models import (
    GENERAL_GROUP_ID,
    GENERAL_GROUP_NAME,
    Customer,
    CustomerGroup,
    ExtraFieldDefinition,
    Stats,
    Store,
)
from ecwid_customers.domain.orders import money, no_orders
from ecwid_customers.domain.webhooks import secret_hint
from ecwid_customers.storage.base import DumpedCustomer, TokenInfo
from ecwid_customers.storage.core.session import Row

encode = msgspec.json.Encoder().encode
_decode_customer = msgspec.json.Decoder(Customer).decode
decode_field = msgspec.json.Decoder(ExtraFieldDefinition).decode

# What a customer read selects: the document and the columns that complete it.
CUSTOMER_COLUMNS = (
    "c.doc, c.group_id, g.name, c.registered_at, c.updated_at, "
    "c.order_count, c.sales_value, c.average_order_value, c.first_order_at, c.last_order_at"
)
# The columns after CUSTOMER_COLUMNS in a read that selects more (an export).
CUSTOMER_COLUMN_COUNT = 10
# A customer's stats, as columns, in the order of :func:`stats_values`.
STATS_COLUMNS = "order_count, sales_value, average_order_value, first_order_at, last_order_at"
CUSTOMERS = "customers c"
GROUP_JOIN = "LEFT JOIN customer_groups g ON g.store_id = c.store_id AND g.id = c.group_id"

# A customer row as written; ``doc`` is the document without what the columns own.
CUSTOMER_INSERT = (
    "INSERT INTO customers (store_id, id, email_key, name_key, group_id, registered_at, "
    "updated_at, password_hash, doc) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
# A customer row with its stats (an import; a new customer has none).
CUSTOMER_IMPORT = (
    "INSERT INTO customers (store_id, id, email_key, name_key, group_id, registered_at, "
    f"updated_at, password_hash, doc, {STATS_COLUMNS}) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
PURCHASE_INSERT = (
    "INSERT INTO customer_purchases (store_id, customer_id, product_id) VALUES (?, ?, ?)"
)

# The settings of a store, in the order of :func:`store_values` and :func:`store_from_row`.
STORE_SETTINGS = "languages, legacy_sign_in, customer_groups_enabled, suspended, rate_limit"
STORE_INSERT = f"INSERT INTO stores (id, {STORE_SETTINGS}, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
# On an import into an existing store: its settings become the dump's (counters come after).
REPLACE_SETTINGS = "ON CONFLICT (id) DO UPDATE SET " + ", ".join(
    f"{name} = excluded.{name}" for name in STORE_SETTINGS.split(", ")
)

# The columns of a token row (their names, not secrets).
_TOKEN_FIELDS = ("id", "store_id", "kind", "scopes", "hint", "created_at", "revoked_at")
TOKEN_COLUMNS = ", ".join((*_TOKEN_FIELDS, "webhook_url", "client_secret", "webhook_events"))
GROUP_COLUMNS = "id, name, external_reference_id"


def split_list(text: str) -> tuple[str, ...]:
    """A comma-separated column (store languages, token scopes) as a tuple."""
    return tuple(part for part in text.split(",") if part)


def customer_from_row(row: Row) -> Customer:
    """The stored document with the values the columns own: group, its name, dates."""
    customer = _decode_customer(row[0])
    group_id: int = row[1]
    customer.customer_group_id = group_id
    customer.customer_group_name = GENERAL_GROUP_NAME if group_id == GENERAL_GROUP_ID else row[2]
    customer.registered = format_ecwid_time(row[3])
    customer.updated = format_ecwid_time(row[4])
    customer.stats = _stats(row[5], row[6], row[7], row[8], row[9])
    return customer


def _stats(count: int, sales: float, average: float, first: int | None, last: int | None) -> Stats:
    if not count:
        return no_orders()
    return Stats(
        number_of_orders=count,
        sales_value=money(sales),
        average_order_value=money(average),
        first_order_date=format_ecwid_time(first) if first is not None else None,
        last_order_date=format_ecwid_time(last) if last is not None else None,
    )


def stats_values(stats: Stats) -> tuple[object, ...]:
    """The values of :data:`STATS_COLUMNS` for ``stats`` (as :mod:`domain.orders` checked
    them)."""
    first, last = stats.first_order_date, stats.last_order_date
    return (
        stats.number_of_orders,
        stats.sales_value,
        stats.average_order_value,
        parse_ecwid_time(first) if first is not None else None,
        parse_ecwid_time(last) if last is not None else None,
    )


def store_from_row(store_id: int, row: Row, languages: tuple[str, ...]) -> Store:
    """A store from its :data:`STORE_SETTINGS` at ``row[0:5]`` (languages already split)."""
    return Store(
        id=store_id,
        languages=languages,
        legacy_sign_in=bool(row[1]),
        customer_groups_enabled=bool(row[2]),
        suspended=bool(row[3]),
        rate_limit=row[4],
    )


def store_values(store: Store, now: int) -> tuple[object, ...]:
    """The values of :data:`STORE_INSERT` for a new store."""
    return (
        store.id,
        ",".join(store.languages),
        store.legacy_sign_in,
        store.customer_groups_enabled,
        store.suspended,
        store.rate_limit,
        now,
    )


def token_from_row(row: Row) -> TokenInfo:
    """A token from its :data:`TOKEN_COLUMNS`."""
    return TokenInfo(
        id=row[0],
        store_id=row[1],
        kind=row[2],
        scopes=split_list(row[3]),
        hint=row[4],
        created_at=row[5],
        revoked_at=row[6],
        webhook_url=row[7],
        client_secret_hint=secret_hint(row[8]) if row[8] is not None else None,
        webhook_events=split_list(row[9]) if row[9] is not None else None,
    )


def group_from_row(row: Row) -> CustomerGroup:
    return CustomerGroup(id=row[0], name=row[1], external_reference_id=row[2])


@dataclass(frozen=True, slots=True)
class CustomerValues:
    """A customer row's values (what :data:`CUSTOMER_INSERT` takes, ``doc`` still bytes)."""

    id: int
    email_key: str
    name_key: str
    group_id: int
    registered_at: int
    updated_at: int
    password_hash: str | None
    doc: bytes
    stats: tuple[object, ...]  # the values of STATS_COLUMNS

    def insert(self, store_id: int, document: object) -> tuple[object, ...]:
        """The values of :data:`CUSTOMER_IMPORT`."""
        return (
            store_id,
            self.id,
            self.email_key,
            self.name_key,
            self.group_id,
            self.registered_at,
            self.updated_at,
            self.password_hash,
            document,
            *self.stats,
        )


def dumped_values(dumped: DumpedCustomer) -> CustomerValues:
    """The row of a customer as a dump holds it (group name filled in, dates formatted)."""
    customer = dumped.customer
    keys = draft(customer)
    # The group name, the dates and the stats live in columns and are filled in on every read.
    document = msgspec.structs.replace(customer, customer_group_name=None, stats=no_orders())
    return CustomerValues(
        id=customer.id,
        email_key=keys.email_key,
        name_key=keys.name_key,
        group_id=customer.customer_group_id,
        registered_at=parse_ecwid_time(customer.registered),
        updated_at=parse_ecwid_time(customer.updated),
        password_hash=dumped.password_hash,
        doc=encode(document),
        stats=stats_values(customer.stats),
    )
