"""SQLite: new customers join the trigram text index once per write batch, not row by row.

Adding a row to the FTS5 ``customer_text`` index from a trigger cost about 30 µs of the writer's
time per customer; adding a batch's new rows in one statement costs half. The insert trigger now
only notes the row in ``customer_text_pending``; the writer indexes what is pending, and empties
it, in the transaction that commits the batch (``storage/sqlite/text_index.py``), so a committed
customer is always searchable. Rows still pending (created in the same batch) are left to that
step by the update and delete triggers (one trigger each, so the order of their statements is
fixed), and the index never holds what it should not.

PostgreSQL's trigram indexes are ordinary indexes: nothing changes there.

Revision ID: 0006
"""

from __future__ import annotations

from alembic import op

from ecwid_customers.storage.migrations import scripts

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

UPGRADE = """
CREATE TABLE customer_text_pending (row_id INTEGER PRIMARY KEY);
DROP TRIGGER customer_text_insert;
DROP TRIGGER customer_text_delete;
DROP TRIGGER customer_text_update;
CREATE TRIGGER customer_text_insert AFTER INSERT ON customers BEGIN
    INSERT INTO customer_text_pending (row_id) VALUES (new.row_id);
END;
CREATE TRIGGER customer_text_delete AFTER DELETE ON customers BEGIN
    INSERT INTO customer_text (customer_text, rowid, name_key, email_key)
    SELECT 'delete', old.row_id, old.name_key, old.email_key
    WHERE NOT EXISTS (SELECT 1 FROM customer_text_pending WHERE row_id = old.row_id);
    DELETE FROM customer_text_pending WHERE row_id = old.row_id;
END;
CREATE TRIGGER customer_text_update AFTER UPDATE OF name_key, email_key ON customers
WHEN NOT EXISTS (SELECT 1 FROM customer_text_pending WHERE row_id = old.row_id) BEGIN
    INSERT INTO customer_text (customer_text, rowid, name_key, email_key)
    VALUES ('delete', old.row_id, old.name_key, old.email_key);
    INSERT INTO customer_text (rowid, name_key, email_key)
    VALUES (new.row_id, new.name_key, new.email_key);
END;
"""

DOWNGRADE = """
INSERT INTO customer_text (rowid, name_key, email_key)
    SELECT c.row_id, c.name_key, c.email_key
    FROM customer_text_pending p JOIN customers c ON c.row_id = p.row_id;
DROP TRIGGER customer_text_insert;
DROP TRIGGER customer_text_delete;
DROP TRIGGER customer_text_update;
DROP TABLE customer_text_pending;
CREATE TRIGGER customer_text_insert AFTER INSERT ON customers BEGIN
    INSERT INTO customer_text (rowid, name_key, email_key)
    VALUES (new.row_id, new.name_key, new.email_key);
END;
CREATE TRIGGER customer_text_delete AFTER DELETE ON customers BEGIN
    INSERT INTO customer_text (customer_text, rowid, name_key, email_key)
    VALUES ('delete', old.row_id, old.name_key, old.email_key);
END;
CREATE TRIGGER customer_text_update AFTER UPDATE OF name_key, email_key ON customers BEGIN
    INSERT INTO customer_text (customer_text, rowid, name_key, email_key)
    VALUES ('delete', old.row_id, old.name_key, old.email_key);
    INSERT INTO customer_text (rowid, name_key, email_key)
    VALUES (new.row_id, new.name_key, new.email_key);
END;
"""


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        scripts.run(UPGRADE)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        scripts.run(DOWNGRADE)
