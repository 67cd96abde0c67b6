"""Test databases on a PostgreSQL server: one per test process, emptied between tests."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from urllib.parse import urlsplit, urlunsplit

import psycopg

# Every table the schema has, emptied between tests; identities restart so ids repeat.
TABLES = (
    "stores",
    "tokens",
    "customer_groups",
    "customers",
    "deleted_customers",
    "extra_fields",
    "webhook_deliveries",
    "webhook_attempts",
)


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


@contextlib.contextmanager
def database(server_url: str, name: str) -> Iterator[str]:
    """A new, empty database called ``name`` for the duration of the block."""
    with psycopg.connect(server_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield with_database(server_url, name)
    finally:
        with psycopg.connect(server_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def empty(url: str) -> None:
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE")
