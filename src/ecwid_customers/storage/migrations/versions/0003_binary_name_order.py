"""Names and emails sort by code point on PostgreSQL too, whatever the database's locale.

SQLite compares text by code point; PostgreSQL by the database's collation (``en_US`` puts
``a_b`` after ``a-c``). Declaring the two sort keys ``COLLATE "C"`` makes ``sortBy=NAME_*`` and
``EMAIL_*`` answer alike on both engines. The indexes on the columns are rebuilt.

Revision ID: 0003
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            'ALTER TABLE customers ALTER COLUMN name_key TYPE text COLLATE "C", '
            'ALTER COLUMN email_key TYPE text COLLATE "C"'
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            'ALTER TABLE customers ALTER COLUMN name_key TYPE text COLLATE "default", '
            'ALTER COLUMN email_key TYPE text COLLATE "default"'
        )
