"""PostgreSQL faults: a read-only database is refused at start, with the reason."""

from __future__ import annotations

import psycopg
import pytest

from ecwid_customers.storage.errors import StorageUnavailable
from ecwid_customers.storage.postgres.storage import PostgresStorage


async def test_a_read_only_database_is_refused_at_start(postgres_database: str) -> None:
    name = postgres_database.rsplit("/", 1)[1]
    with psycopg.connect(postgres_database, autocommit=True) as connection:
        connection.execute(f'ALTER DATABASE "{name}" SET default_transaction_read_only = on')
    try:
        storage = PostgresStorage(postgres_database)
        with pytest.raises(StorageUnavailable, match="read-only"):
            await storage.open()
        await storage.close()
    finally:
        with psycopg.connect(
            postgres_database, autocommit=True, options="-c default_transaction_read_only=off"
        ) as connection:
            connection.execute(f'ALTER DATABASE "{name}" RESET default_transaction_read_only')
