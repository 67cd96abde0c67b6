"""Stores can be suspended: every call then answers 402 STORE_IS_SUSPENDED (spec 2.4).

Revision ID: 0002
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE stores ADD COLUMN suspended INTEGER NOT NULL DEFAULT 0")
    else:
        op.execute("ALTER TABLE stores ADD COLUMN suspended BOOLEAN NOT NULL DEFAULT false")


def downgrade() -> None:
    op.execute("ALTER TABLE stores DROP COLUMN suspended")
