"""Stores can have their own rate limit (requests per minute per token; 0 turns it off).

Revision ID: 0004
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE stores ADD COLUMN rate_limit INTEGER")


def downgrade() -> None:
    op.execute("ALTER TABLE stores DROP COLUMN rate_limit")
