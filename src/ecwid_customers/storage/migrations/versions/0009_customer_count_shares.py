"""PostgreSQL: a store's count of customers in shares, so that creates need not lock its row.

Group-committed creates on PostgreSQL added their customers to ``stores.customer_count`` in the
batch's transaction; the store's row then stayed locked until the commit's flush, and every
process's batches for that store waited for each other's (two processes were slower than
one). A batch now adds its customers to one of a few share rows per store, a different one
than the batches running beside it, with ``ON CONFLICT DO UPDATE``; the count a store shows
is ``stores.customer_count`` plus its shares. Every other write still counts in ``stores``
(SQLite's writer is alone anyway: its shares, when a webhook change made them, count zero).

Each share also carries a copy of the store's webhook subscriptions, rewritten in every
share by the transaction that changes them: the upsert locks the share, so a batch reads
subscriptions no older than its own commit, as it did from the locked store row.

Revision ID: 0009
"""

from __future__ import annotations

from alembic import op

from ecwid_customers.storage.migrations import scripts

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

_TYPES = {"sqlite": "INTEGER", "postgresql": "BIGINT"}

UPGRADE = """
CREATE TABLE customer_count_shares (
    store_id                {bigint} NOT NULL REFERENCES stores (id) ON DELETE CASCADE,
    slot                    INTEGER NOT NULL,
    customers               {bigint} NOT NULL DEFAULT 0,
    webhook_subscriptions   TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (store_id, slot)
);
"""

# The shares go back into the store's own count before the table goes.
DOWNGRADE = """
UPDATE stores SET customer_count = customer_count + coalesce(
    (SELECT sum(n.customers) FROM customer_count_shares n WHERE n.store_id = stores.id), 0);
DROP TABLE customer_count_shares;
"""


def upgrade() -> None:
    scripts.run(UPGRADE.format(bigint=_TYPES[op.get_bind().dialect.name]))


def downgrade() -> None:
    scripts.run(DOWNGRADE)
