"""The SQLite schema.

Every table and index starts with ``store_id``: stores never share rows, and that keeps the
path open to distributing data by store. A customer is one row: the columns that queries and
constraints need, plus the whole customer object as JSON in ``doc`` (read back in one lookup).
Ids come from per-store counters in ``stores``, so they increase per store and are never
reused, even after a delete (spec Q37).
"""

from __future__ import annotations

import sqlite3

SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE stores (
    id                      INTEGER PRIMARY KEY,
    languages               TEXT    NOT NULL,       -- comma-separated language codes
    legacy_sign_in          INTEGER NOT NULL DEFAULT 0,
    customer_groups_enabled INTEGER NOT NULL DEFAULT 1,
    created_at              INTEGER NOT NULL,
    customer_count          INTEGER NOT NULL DEFAULT 0,  -- allCustomerCount without a count(*)
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
    scopes      TEXT    NOT NULL,                    -- comma-separated scope names
    hint        TEXT    NOT NULL,                    -- secret_ab***cd, for listings
    created_at  INTEGER NOT NULL,
    revoked_at  INTEGER
);
CREATE UNIQUE INDEX tokens_by_hash ON tokens (store_id, token_hash);

CREATE TABLE customer_groups (
    store_id                INTEGER NOT NULL REFERENCES stores (id) ON DELETE CASCADE,
    id                      INTEGER NOT NULL,
    name                    TEXT    NOT NULL,
    name_key                TEXT    NOT NULL,        -- lower-case name, for keyword search
    external_reference_id   TEXT,
    PRIMARY KEY (store_id, id)
);

-- The customer object lives in doc; the columns are what queries, sorting and constraints
-- need, and the values the server changes without the client (group moves, "updated").
CREATE TABLE customers (
    row_id          INTEGER PRIMARY KEY,             -- stable rowid for the text index
    store_id        INTEGER NOT NULL REFERENCES stores (id) ON DELETE CASCADE,
    id              INTEGER NOT NULL,
    email_key       TEXT    NOT NULL,                -- trimmed, lower-case email
    name_key        TEXT    NOT NULL,                -- lower-case billing name, '' if none
    group_id        INTEGER NOT NULL,
    registered_at   INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    password_hash   TEXT,
    doc             BLOB    NOT NULL,                -- the customer object, JSON
    UNIQUE (store_id, id)
);
-- One customer per email and store, enforced where races cannot slip past it.
CREATE UNIQUE INDEX customers_by_email ON customers (store_id, email_key);
CREATE INDEX customers_by_name ON customers (store_id, name_key, id);
CREATE INDEX customers_by_registered ON customers (store_id, registered_at, id);
CREATE INDEX customers_by_updated ON customers (store_id, updated_at, id);
CREATE INDEX customers_by_group ON customers (store_id, group_id, id);

-- Substring search on names and emails without reading every customer: a trigram index.
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
    store_id                INTEGER NOT NULL REFERENCES stores (id) ON DELETE CASCADE,
    key                     TEXT    NOT NULL,
    doc                     BLOB    NOT NULL,        -- the definition object, JSON
    created_at              INTEGER NOT NULL,
    PRIMARY KEY (store_id, key)
);
"""


def _statements(script: str) -> list[str]:
    """Split a script into statements; ``sqlite3.complete_statement`` understands triggers."""
    statements, current = [], ""
    for line in script.splitlines(keepends=True):
        current += line
        if sqlite3.complete_statement(current):
            statements.append(current.strip())
            current = ""
    return [statement for statement in statements if statement]


def _lower(value: str | None) -> str | None:
    return value.lower() if isinstance(value, str) else value


def configure(connection: sqlite3.Connection) -> None:
    """Settings every connection needs. ``synchronous=FULL``: a commit survives power loss."""
    connection.execute("PRAGMA busy_timeout = 10000")
    connection.execute("PRAGMA synchronous = FULL")
    connection.execute("PRAGMA foreign_keys = ON")
    # SQLite's lower() folds ASCII only; filters compare with Python's, as keys are written.
    connection.create_function("py_lower", 1, _lower, deterministic=True)


def migrate(connection: sqlite3.Connection) -> None:
    """Create the schema on a new database; refuse one written by a newer version."""
    connection.execute("PRAGMA journal_mode = WAL")
    connection.execute("BEGIN IMMEDIATE")
    try:
        version = connection.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise RuntimeError(
                f"the database has schema version {version}; this release knows "
                f"{SCHEMA_VERSION} at most. Upgrade ecwid-customers."
            )
        if version == 0:
            for statement in _statements(_SCHEMA):
                connection.execute(statement)
            connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        connection.execute("COMMIT")
    except BaseException:
        connection.execute("ROLLBACK")
        raise
