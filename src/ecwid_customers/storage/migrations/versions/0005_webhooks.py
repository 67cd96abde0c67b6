"""Webhooks: a token's app can receive them, and changes queue them in an outbox.

``tokens`` gets the app's webhook URL, its client secret (the signing key) and the events it
wants; ``stores`` a switch that holds its deliveries. ``webhook_deliveries`` holds one row per
event and subscribed token, written in the transaction of the change; ``webhook_attempts`` each
attempt's outcome (a bounded snippet of the answer, never more).

Revision ID: 0005
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

# (SQLite, PostgreSQL) spellings of the types that differ.
_TYPES = {
    "sqlite": {"id": "INTEGER PRIMARY KEY AUTOINCREMENT", "bool": "INTEGER", "bigint": "INTEGER"},
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
CREATE TABLE webhook_deliveries (
    id              {id},
    store_id        {bigint} NOT NULL REFERENCES stores (id) ON DELETE CASCADE,
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
    claimed_by      TEXT,
    UNIQUE (token_id, event_id)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at)
    WHERE state = 'pending';
CREATE INDEX webhook_deliveries_by_store ON webhook_deliveries (store_id, id);
CREATE INDEX webhook_deliveries_by_token ON webhook_deliveries (token_id) WHERE state = 'pending';
CREATE TABLE webhook_attempts (
    delivery_id {bigint} NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
    attempt     INTEGER  NOT NULL,
    at          DOUBLE PRECISION NOT NULL,
    status      INTEGER,
    error       TEXT,
    latency_ms  DOUBLE PRECISION NOT NULL,
    snippet     TEXT,
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
        "ALTER TABLE stores DROP COLUMN webhooks_paused",
        "ALTER TABLE tokens DROP COLUMN webhook_events",
        "ALTER TABLE tokens DROP COLUMN client_secret",
        "ALTER TABLE tokens DROP COLUMN webhook_url",
    ):
        op.execute(statement)
