"""The first schema: stores, tokens, customers, groups, deletions, extra fields.

Every table and index starts with ``store_id``, so data can be distributed by store. A
customer is one row: the columns queries and constraints need, plus the object in ``doc``.

Revision ID: 0001
"""

from __future__ import annotations

from alembic import op

from ecwid_customers.storage.migrations import scripts

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

SQLITE = """
CREATE TABLE stores (
    id                      INTEGER PRIMARY KEY,
    languages               TEXT    NOT NULL,
    legacy_sign_in          INTEGER NOT NULL DEFAULT 0,
    customer_groups_enabled INTEGER NOT NULL DEFAULT 1,
    created_at              INTEGER NOT NULL,
    customer_count          INTEGER NOT NULL DEFAULT 0,
    next_customer_id        INTEGER NOT NULL DEFAULT 1,
    next_contact_id         INTEGER NOT NULL DEFAULT 1,
    next_address_id         INTEGER NOT NULL DEFAULT 1,
    next_group_id           INTEGER NOT NULL DEFAULT 1
);
CREATE TABLE tokens (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    store_id    INTEGER NOT NULL REFERENCES stores (id) ON DELETE CASCADE,
    token_hash  BLOB    NOT NULL,
    kind        TEXT    NOT NULL CHECK (kind IN ('secret', 'public')),
    scopes      TEXT    NOT NULL,
    hint        TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    revoked_at  INTEGER
);
CREATE UNIQUE INDEX tokens_by_hash ON tokens (store_id, token_hash);
CREATE TABLE customer_groups (
    store_id                INTEGER NOT NULL REFERENCES stores (id) ON DELETE CASCADE,
    id                      INTEGER NOT NULL,
    name                    TEXT    NOT NULL,
    name_key                TEXT    NOT NULL,
    external_reference_id   TEXT,
    PRIMARY KEY (store_id, id)
);
CREATE TABLE customers (
    row_id          INTEGER PRIMARY KEY,
    store_id        INTEGER NOT NULL REFERENCES stores (id) ON DELETE CASCADE,
    id              INTEGER NOT NULL,
    email_key       TEXT    NOT NULL,
    name_key        TEXT    NOT NULL,
    group_id        INTEGER NOT NULL,
    registered_at   INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    password_hash   TEXT,
    doc             BLOB    NOT NULL,
    UNIQUE (store_id, id)
);
CREATE UNIQUE INDEX customers_by_email ON customers (store_id, email_key);
CREATE INDEX customers_by_name ON customers (store_id, name_key, id);
CREATE INDEX customers_by_registered ON customers (store_id, registered_at, id);
CREATE INDEX customers_by_updated ON customers (store_id, updated_at, id);
CREATE INDEX customers_by_group ON customers (store_id, group_id, id);
CREATE VIRTUAL TABLE customer_text USING fts5 (
    name_key, email_key,
    content = 'customers', content_rowid = 'row_id', tokenize = 'trigram', detail = 'none',
    columnsize = 0
);
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
CREATE TABLE deleted_customers (
    store_id    INTEGER NOT NULL REFERENCES stores (id) ON DELETE CASCADE,
    id          INTEGER NOT NULL,
    deleted_at  INTEGER NOT NULL,
    PRIMARY KEY (store_id, id)
);
CREATE INDEX deleted_customers_by_date ON deleted_customers (store_id, deleted_at, id);
CREATE TABLE extra_fields (
    store_id    INTEGER NOT NULL REFERENCES stores (id) ON DELETE CASCADE,
    key         TEXT    NOT NULL,
    doc         BLOB    NOT NULL,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (store_id, key)
);
"""

# Trigram indexes need pg_trgm; btree_gin lets them start with store_id like every index.
POSTGRESQL = """
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE EXTENSION IF NOT EXISTS btree_gin;
CREATE TABLE stores (
    id                      BIGINT  PRIMARY KEY,
    languages               TEXT    NOT NULL,
    legacy_sign_in          BOOLEAN NOT NULL DEFAULT false,
    customer_groups_enabled BOOLEAN NOT NULL DEFAULT true,
    created_at              BIGINT  NOT NULL,
    customer_count          BIGINT  NOT NULL DEFAULT 0,
    next_customer_id        BIGINT  NOT NULL DEFAULT 1,
    next_contact_id         BIGINT  NOT NULL DEFAULT 1,
    next_address_id         BIGINT  NOT NULL DEFAULT 1,
    next_group_id           BIGINT  NOT NULL DEFAULT 1
);
CREATE TABLE tokens (
    store_id    BIGINT  NOT NULL REFERENCES stores (id) ON DELETE CASCADE,
    id          BIGINT  GENERATED ALWAYS AS IDENTITY,
    token_hash  BYTEA   NOT NULL,
    kind        TEXT    NOT NULL CHECK (kind IN ('secret', 'public')),
    scopes      TEXT    NOT NULL,
    hint        TEXT    NOT NULL,
    created_at  BIGINT  NOT NULL,
    revoked_at  BIGINT,
    PRIMARY KEY (store_id, id)
);
CREATE UNIQUE INDEX tokens_by_hash ON tokens (store_id, token_hash);
CREATE TABLE customer_groups (
    store_id                BIGINT NOT NULL REFERENCES stores (id) ON DELETE CASCADE,
    id                      BIGINT NOT NULL,
    name                    TEXT   NOT NULL,
    name_key                TEXT   NOT NULL,
    external_reference_id   TEXT,
    PRIMARY KEY (store_id, id)
);
CREATE TABLE customers (
    store_id        BIGINT NOT NULL REFERENCES stores (id) ON DELETE CASCADE,
    id              BIGINT NOT NULL,
    email_key       TEXT   NOT NULL,
    name_key        TEXT   NOT NULL,
    group_id        BIGINT NOT NULL,
    registered_at   BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    password_hash   TEXT,
    doc             JSONB  NOT NULL,
    PRIMARY KEY (store_id, id)
);
CREATE UNIQUE INDEX customers_by_email ON customers (store_id, email_key);
CREATE INDEX customers_by_name ON customers (store_id, name_key, id);
CREATE INDEX customers_by_registered ON customers (store_id, registered_at, id);
CREATE INDEX customers_by_updated ON customers (store_id, updated_at, id);
CREATE INDEX customers_by_group ON customers (store_id, group_id, id);
CREATE INDEX customers_name_text ON customers USING gin (store_id, name_key gin_trgm_ops);
CREATE INDEX customers_email_text ON customers USING gin (store_id, email_key gin_trgm_ops);
CREATE TABLE deleted_customers (
    store_id    BIGINT NOT NULL REFERENCES stores (id) ON DELETE CASCADE,
    id          BIGINT NOT NULL,
    deleted_at  BIGINT NOT NULL,
    PRIMARY KEY (store_id, id)
);
CREATE INDEX deleted_customers_by_date ON deleted_customers (store_id, deleted_at, id);
CREATE TABLE extra_fields (
    store_id    BIGINT NOT NULL REFERENCES stores (id) ON DELETE CASCADE,
    key         TEXT   NOT NULL,
    doc         JSONB  NOT NULL,
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (store_id, key)
);
"""


def upgrade() -> None:
    scripts.run(SQLITE if op.get_bind().dialect.name == "sqlite" else POSTGRESQL)


def downgrade() -> None:
    raise NotImplementedError("the first schema has nothing to go back to")
