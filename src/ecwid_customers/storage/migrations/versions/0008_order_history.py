"""The order-history stand-in: a customer's ``stats`` in columns, its purchases in a table.

Order-based search (``minOrderCount``, ``minSalesValue``, the order sorts) is SQL over these
columns, each sort served by a ``(store_id, ..., id)`` index as the other sorts are;
``purchasedProductIds`` is answered from ``customer_purchases`` by its key, led by the product.
Order dates are NULL for a customer without orders; they sort as the earliest dates (SQLite's
order for NULL, and the PostgreSQL index says ``NULLS FIRST`` so both directions scan it).

The columns own the stats from now on (the document's copy is no longer read). Documents
with non-zero stats (imported from a fixture) have them copied to the columns here; stats no
orders could add up to are left at zero, and the migration says how many.

Revision ID: 0008
"""

from __future__ import annotations

import logging

import msgspec
import sqlalchemy as sa
from alembic import op

from ecwid_customers.domain.clock import parse_ecwid_time
from ecwid_customers.domain.orders import StatsInput, checked_stats
from ecwid_customers.storage.migrations import scripts

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_TYPES = {
    "sqlite": {"bigint": "INTEGER", "money": "REAL", "nulls_first": ""},
    "postgresql": {"bigint": "BIGINT", "money": "DOUBLE PRECISION", "nulls_first": " NULLS FIRST"},
}

UPGRADE = """
ALTER TABLE customers ADD COLUMN order_count {bigint} NOT NULL DEFAULT 0;
ALTER TABLE customers ADD COLUMN sales_value {money} NOT NULL DEFAULT 0;
ALTER TABLE customers ADD COLUMN average_order_value {money} NOT NULL DEFAULT 0;
ALTER TABLE customers ADD COLUMN first_order_at {bigint};
ALTER TABLE customers ADD COLUMN last_order_at {bigint};
CREATE INDEX customers_by_order_count ON customers (store_id, order_count, id);
CREATE INDEX customers_by_sales_value ON customers (store_id, sales_value, id);
CREATE INDEX customers_by_first_order ON customers (store_id, first_order_at{nulls_first}, id);
CREATE INDEX customers_by_last_order ON customers (store_id, last_order_at{nulls_first}, id);
CREATE TABLE customer_purchases (
    store_id        {bigint} NOT NULL,
    product_id      {bigint} NOT NULL,
    customer_id     {bigint} NOT NULL,
    PRIMARY KEY (store_id, product_id, customer_id),
    FOREIGN KEY (store_id, customer_id) REFERENCES customers (store_id, id) ON DELETE CASCADE
);
CREATE INDEX customer_purchases_by_customer ON customer_purchases (store_id, customer_id);
"""

DOWNGRADE = """
DROP TABLE customer_purchases;
DROP INDEX customers_by_order_count;
DROP INDEX customers_by_sales_value;
DROP INDEX customers_by_first_order;
DROP INDEX customers_by_last_order;
ALTER TABLE customers DROP COLUMN order_count;
ALTER TABLE customers DROP COLUMN sales_value;
ALTER TABLE customers DROP COLUMN average_order_value;
ALTER TABLE customers DROP COLUMN first_order_at;
ALTER TABLE customers DROP COLUMN last_order_at;
"""

_STATS = {
    "sqlite": "json_extract(doc, '$.stats')",
    "postgresql": "doc->>'stats'",
}
# Whether a document's stats are other than "no orders".
_SOME_STATS = {
    "sqlite": (
        "(coalesce(json_extract(doc, '$.stats.numberOfOrders'), 0) <> 0 "
        "OR coalesce(json_extract(doc, '$.stats.salesValue'), 0) <> 0)"
    ),
    "postgresql": (
        "(coalesce((doc->'stats'->>'numberOfOrders')::numeric, 0) <> 0 "
        "OR coalesce((doc->'stats'->>'salesValue')::numeric, 0) <> 0)"
    ),
}
_WITH_ORDERS = (
    "SELECT store_id, id, {stats} FROM customers WHERE {some} "
    "AND (store_id > :store OR (store_id = :store AND id > :id)) ORDER BY store_id, id LIMIT 5000"
)
_SET = sa.text(
    "UPDATE customers SET order_count = :count, sales_value = :sales, "
    "average_order_value = :average, first_order_at = :first, last_order_at = :last "
    "WHERE store_id = :store AND id = :id"
)


def _copy_stats(dialect: str) -> None:
    bind = op.get_bind()
    chunk = sa.text(_WITH_ORDERS.format(stats=_STATS[dialect], some=_SOME_STATS[dialect]))
    left = 0
    after = (-1, -1)
    while rows := bind.execute(chunk, {"store": after[0], "id": after[1]}).fetchall():
        after = (rows[-1][0], rows[-1][1])
        for store_id, customer_id, text in rows:
            try:
                stats = checked_stats(msgspec.json.decode(text, type=StatsInput))
            except (msgspec.DecodeError, ValueError):
                left += 1
                continue
            first, last = stats.first_order_date, stats.last_order_date
            values = {
                "count": stats.number_of_orders,
                "sales": stats.sales_value,
                "average": stats.average_order_value,
                "first": parse_ecwid_time(first) if first is not None else None,
                "last": parse_ecwid_time(last) if last is not None else None,
            }
            bind.execute(_SET, {**values, "store": store_id, "id": customer_id})
    if left:
        logging.getLogger("ecwid_customers.storage").warning(
            "migration 0008: %d customer(s) had stats no orders add up to; they now show "
            "no orders (docs/compatibility.md)",
            left,
        )


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    scripts.run(UPGRADE.format(**_TYPES[dialect]))
    _copy_stats(dialect)


def downgrade() -> None:
    scripts.run(DOWNGRADE)
