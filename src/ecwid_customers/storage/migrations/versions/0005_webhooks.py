"""Webhooks: a token's app can receive them, and changes queue them in an outbox.

``tokens`` gets the app's webhook URL, its client secret (the signing key) and the events it
wants; ``stores`` a switch that holds its deliveries and a digest of its tokens' webhook
subscriptions (read with the row a change locks anyway, so announcing a change costs no
query, and a change in a store nobody listens to writes nothing more). ``webhook_deliveries``
holds one row per event and subscribed token, written in the transaction of the change;
``webhook_attempts`` each attempt's outcome (a bounded snippet of the answer, never more).

Revision ID: 0005
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

# (SQLite, PostgreSQL) spellings of the types that differ.
# A delivery row is written with every announced change, so it carries no more indexes than
# claims and listings need, and no foreign key to check (a store's are deleted with it, by
# storage). SQLite's rowid is its id.
_TYPES = {
    "sqlite": {"id": "INTEGER PRIMARY KEY", "bool": "INTEGER", "bigint": "INTEGER"},
    "postgresql": {
        "id": "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY",
        "bool": "BOOLEAN",
        "bigint": "BIGINT",
    },
}

SCRIPT = """
ALTER TABLE tokens ADD COLUMN webhook_url TEXT;
ALTER TABLE tokens ADD COLUMN client_secret TEXT;
ALTER TABLE tokens ADD COLUMN webhook_events TEXT;
ALTER TABLE stores ADD COLUMN webhooks_paused {bool} NOT NULL DEFAULT {false};
ALTER TABLE stores ADD COLUMN webhook_subscriptions TEXT NOT NULL DEFAULT '';
CREATE TABLE webhook_deliveries (
    id              {id},
    store_id        {bigint} NOT NULL,
    token_id        {bigint} NOT NULL,
    event_id        TEXT     NOT NULL,
    event_type      TEXT     NOT NULL,
    entity_id       {bigint} NOT NULL,
    data            TEXT,
    event_created   {bigint} NOT NULL,
    signature       TEXT     NOT NULL DEFAULT 'valid',
    state           TEXT     NOT NULL DEFAULT 'pending',
    attempts        INTEGER  NOT NULL DEFAULT 0,
    step            INTEGER  NOT NULL DEFAULT 0,
    queued_at       DOUBLE PRECISION NOT NULL,
    next_attempt_at DOUBLE PRECISION,
    claimed_until   DOUBLE PRECISION,
    claimed_by      TEXT
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at)
    WHERE state = 'pending';
CREATE INDEX webhook_deliveries_by_store ON webhook_deliveries (store_id, id);
CREATE TABLE webhook_attempts (
    delivery_id {bigint} NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
    attempt     INTEGER  NOT NULL,
    at          DOUBLE PRECISION NOT NULL,
    status      INTEGER,
    error       TEXT,
    latency_ms  DOUBLE PRECISION NOT NULL,
    snippet     TEXT,
    by_owner    TEXT     NOT NULL,
    PRIMARY KEY (delivery_id, attempt)
);
"""


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    types = _TYPES["sqlite" if dialect == "sqlite" else "postgresql"]
    false = "0" if dialect == "sqlite" else "false"
    for statement in SCRIPT.format(**types, false=false).split(";"):
        if statement.strip():
            op.execute(statement)


def downgrade() -> None:
    for statement in (
        "DROP TABLE webhook_attempts",
        "DROP TABLE webhook_deliveries",
        "ALTER TABLE stores DROP COLUMN webhook_subscriptions",
        "ALTER TABLE stores DROP COLUMN webhooks_paused",
        "ALTER TABLE tokens DROP COLUMN webhook_events",
        "ALTER TABLE tokens DROP COLUMN client_secret",
        "ALTER TABLE tokens DROP COLUMN webhook_url",
    ):
        op.execute(statement)
