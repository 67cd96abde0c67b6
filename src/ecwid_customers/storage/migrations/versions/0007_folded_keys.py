"""Email and name keys folded by Unicode rules (NFC, case folding), not by ``lower()`` alone.

``domain/folding.py`` says why: the NFC and NFD spellings of one email were two customers.
Keys of plain ASCII text do not change (they are nearly all); the others are computed again
here, in Python, as new writes compute them. Where the folded key is already another
customer's of the store (two spellings of one address were both registered), the customer
keeps its old key, so no customer is lost or merged; the migration says how many. The text
index follows through its update trigger (SQLite) or is an ordinary index (PostgreSQL).

Revision ID: 0007
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from alembic import op

from ecwid_customers.domain.folding import fold

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_CHANGE_EMAIL = sa.text(
    "UPDATE customers SET email_key = :key WHERE store_id = :store AND id = :id "
    "AND NOT EXISTS (SELECT 1 FROM customers o WHERE o.store_id = :store AND o.email_key = :key)"
)
_CHANGE_NAME = sa.text("UPDATE customers SET name_key = :key WHERE store_id = :store AND id = :id")


_CHUNK = sa.text(
    "SELECT store_id, id, email_key, name_key FROM customers "
    "WHERE store_id > :store OR (store_id = :store AND id > :id) ORDER BY store_id, id LIMIT 5000"
)


def upgrade() -> None:
    bind = op.get_bind()
    kept = 0
    after = (-1, -1)
    while rows := bind.execute(_CHUNK, {"store": after[0], "id": after[1]}).fetchall():
        after = (rows[-1][0], rows[-1][1])
        for store_id, customer_id, email_key, name_key in rows:
            if email_key.isascii() and name_key.isascii():
                continue
            new_email, new_name = fold(email_key), fold(name_key)
            where = {"store": store_id, "id": customer_id}
            if new_email != email_key:
                kept += bind.execute(_CHANGE_EMAIL, {"key": new_email, **where}).rowcount == 0
            if new_name != name_key:
                bind.execute(_CHANGE_NAME, {"key": new_name, **where})
    if kept:
        logging.getLogger("ecwid_customers.storage").warning(
            "migration 0007: %d customer(s) kept their old email key: another customer of "
            "their store has the same email in another spelling (docs/compatibility.md)",
            kept,
        )


def downgrade() -> None:
    """Keys of ASCII text are as before; others stay folded (lower() of a folded key is
    itself), which the older code reads without harm."""
