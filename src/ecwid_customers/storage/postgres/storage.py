"""PostgreSQL storage: an asyncpg pool; every write one transaction, committed before it returns.

Unlike SQLite (one writer thread), any number of server processes may share the database, so
correctness rests on PostgreSQL's locks and constraints, not on one writer: see
``customers.py`` for the lock order. A write that PostgreSQL still aborts for a deadlock or a
serialization failure undid everything, so it is run again (a few times at most).

The schema is the migrations': :meth:`PostgresStorage.open` applies any that are pending (as
``ecwid-customers db upgrade`` does), under a lock so that processes starting together do not
migrate twice.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

from ecwid_customers import errors
from ecwid_customers.domain.models import (
    Customer,
    CustomerDraft,
    CustomerGroup,
    ExtraFieldDefinition,
    Store,
    TokenGrant,
)
from ecwid_customers.domain.search import CustomerQuery, Page
from ecwid_customers.domain.tokens import TokenKind
from ecwid_customers.storage import migrate
from ecwid_customers.storage.base import (
    Access,
    CustomerChange,
    CustomerPage,
    DeletedPage,
    ExtraFieldChange,
    GroupPage,
    StoreDump,
    StoreExists,
    StoreSummary,
    TokenExists,
    TokenInfo,
)
from ecwid_customers.storage.dump import STORE_COLUMNS, store_row
from ecwid_customers.storage.postgres import customers, db, groups, stores
from ecwid_customers.storage.postgres.db import Connection, Pool, Row

T = TypeVar("T")


# Runs of a transaction that PostgreSQL aborted as a deadlock or serialization failure.
ATTEMPTS = 3


def _split(text: str) -> tuple[str, ...]:
    return tuple(part for part in text.split(",") if part)


def _store(store_id: int, row: Row, start: int) -> Store:
    """A store from ``languages, legacy_sign_in, customer_groups_enabled, suspended,
    rate_limit`` at ``row[start:]``."""
    return Store(
        id=store_id,
        languages=_split(row[start]),
        legacy_sign_in=row[start + 1],
        customer_groups_enabled=row[start + 2],
        suspended=row[start + 3],
        rate_limit=row[start + 4],
    )


def _token(row: Row) -> TokenInfo:
    return TokenInfo(
        id=row[0],
        store_id=row[1],
        kind=row[2],
        scopes=_split(row[3]),
        hint=row[4],
        created_at=row[5],
        revoked_at=row[6],
    )


class PostgresStorage:
    def __init__(self, url: str, *, min_connections: int = 1, max_connections: int = 10) -> None:
        db.dsn(url)  # a wrong URL is refused now, not at open()
        self.url = url
        self.min_connections = min_connections
        self.max_connections = max_connections
        self._pool: Pool | None = None
        # Parsed store languages and token scopes by their stored text: a handful of distinct
        # values serve every request, so parse each once.
        self._lists: dict[str, tuple[str, ...]] = {}

    async def open(self) -> None:
        if self._pool is not None:
            return
        pool = await db.create_pool(
            self.url, min_size=self.min_connections, max_size=self.max_connections
        )
        try:
            async with pool.acquire() as connection:
                revision: str | None = None
                if await connection.fetchval("SELECT to_regclass('alembic_version') IS NOT NULL"):
                    revision = await connection.fetchval("SELECT version_num FROM alembic_version")
            migrate.check_not_newer(revision)
            if revision != migrate.HEAD:
                await asyncio.to_thread(migrate.upgrade, self.url)
        except BaseException:
            await pool.close()
            raise
        self._pool = pool

    async def close(self) -> None:
        if self._pool is not None:
            pool, self._pool = self._pool, None
            await pool.close()  # waits for the connections in use to be released

    @property
    def _opened(self) -> Pool:
        if self._pool is None:
            raise RuntimeError("storage is not open")
        return self._pool

    async def _read(self, work: Callable[[Connection], Awaitable[T]]) -> T:
        async with self._opened.acquire() as connection:
            return await work(connection)

    async def _write(self, work: Callable[[Connection], Awaitable[T]]) -> T:
        """Run ``work`` in one transaction; its result once that has committed."""
        attempt = 1
        while True:
            try:
                async with self._opened.acquire() as connection, connection.transaction():
                    return await work(connection)
            except db.RETRYABLE:
                if attempt == ATTEMPTS:
                    raise
                attempt += 1

    def _list(self, text: str) -> tuple[str, ...]:
        parsed = self._lists.get(text)
        if parsed is None:
            parsed = self._lists[text] = _split(text)
        return parsed

    # -- per request -----------------------------------------------------------------------

    async def access(self, store_id: int, token_hash: bytes | None) -> Access:
        row = await self._read(
            lambda c: c.fetchrow(
                "SELECT s.languages, s.legacy_sign_in, s.customer_groups_enabled, s.suspended, "
                "s.rate_limit, t.kind, t.scopes "
                "FROM stores s "
                "LEFT JOIN tokens t ON t.store_id = s.id AND t.token_hash = $2 "
                "AND t.revoked_at IS NULL WHERE s.id = $1",
                store_id,
                token_hash,
            )
        )
        if row is None:
            return Access(store=None, grant=None)
        store = Store(
            id=store_id,
            languages=self._list(row[0]),
            legacy_sign_in=row[1],
            customer_groups_enabled=row[2],
            suspended=row[3],
            rate_limit=row[4],
        )
        grant = None
        if row[5] is not None:
            grant = TokenGrant(store=store, kind=row[5], scopes=frozenset(self._list(row[6])))
        return Access(store=store, grant=grant)

    async def create_customer(self, store_id: int, draft: CustomerDraft, *, now: int) -> int:
        return await self._write(lambda c: customers.create(c, store_id, draft, now))

    async def get_customer(self, store_id: int, customer_id: int) -> Customer | None:
        return await self._read(lambda c: customers.get(c, store_id, customer_id))

    async def search_customers(self, store_id: int, query: CustomerQuery) -> CustomerPage:
        return await self._read(lambda c: customers.search_page(c, store_id, query))

    async def update_customer(
        self,
        store_id: int,
        customer_id: int,
        change: CustomerChange,
        *,
        now: int,
        password_hash: str | None = None,
    ) -> Customer:
        def attempt(store_locked_first: bool) -> Callable[[Connection], Awaitable[Customer]]:
            return lambda c: customers.update(
                c,
                store_id,
                customer_id,
                change,
                now,
                password_hash,
                store_locked_first=store_locked_first,
            )

        try:
            return await self._write(attempt(False))
        except customers.StoreLockNeeded:
            # New contacts or addresses need ids: again, with the store's row locked first.
            return await self._write(attempt(True))

    async def delete_customer(self, store_id: int, customer_id: int, *, now: int) -> bool:
        return await self._write(lambda c: customers.delete(c, store_id, customer_id, now))

    async def deleted_customers(
        self, store_id: int, *, since: int, until: int | None, page: Page
    ) -> DeletedPage:
        return await self._read(lambda c: customers.deleted_page(c, store_id, since, until, page))

    # -- customer groups -------------------------------------------------------------------

    async def list_customer_groups(
        self, store_id: int, *, keyword: str | None, ids: tuple[int, ...] | None, page: Page
    ) -> GroupPage:
        return await self._read(lambda c: groups.group_page(c, store_id, keyword, ids, page))

    async def get_customer_group(self, store_id: int, group_id: int) -> CustomerGroup | None:
        return await self._read(lambda c: groups.get_group(c, store_id, group_id))

    async def create_customer_group(
        self, store_id: int, *, name: str, external_reference_id: str | None = None
    ) -> int:
        return await self._write(
            lambda c: groups.create_group(c, store_id, name, external_reference_id)
        )

    async def update_customer_group(
        self,
        store_id: int,
        group_id: int,
        *,
        name: str | None,
        external_reference_id: str | None,
        now: int,
    ) -> bool:
        return await self._write(
            lambda c: groups.update_group(c, store_id, group_id, name, external_reference_id, now)
        )

    async def delete_customer_group(self, store_id: int, group_id: int, *, now: int) -> bool:
        return await self._write(lambda c: groups.delete_group(c, store_id, group_id, now))

    # -- customer extra fields -------------------------------------------------------------

    async def list_extra_fields(self, store_id: int) -> list[ExtraFieldDefinition]:
        return await self._read(lambda c: groups.list_fields(c, store_id))

    async def get_extra_field(self, store_id: int, key: str) -> ExtraFieldDefinition | None:
        return await self._read(lambda c: groups.get_field(c, store_id, key))

    async def create_extra_field(
        self, store_id: int, definition: ExtraFieldDefinition, *, now: int
    ) -> bool:
        return await self._write(lambda c: groups.create_field(c, store_id, definition, now))

    async def update_extra_field(self, store_id: int, key: str, change: ExtraFieldChange) -> bool:
        return await self._write(lambda c: groups.update_field(c, store_id, key, change))

    async def delete_extra_field(self, store_id: int, key: str) -> bool:
        return await self._write(lambda c: groups.delete_field(c, store_id, key))

    # -- administration --------------------------------------------------------------------

    async def create_store(self, store: Store, *, now: int) -> None:
        async def work(connection: Connection) -> bool:
            inserted = await connection.fetchval(
                f"INSERT INTO stores ({STORE_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7) "  # noqa: S608 - constants
                "ON CONFLICT (id) DO NOTHING RETURNING 1",
                *store_row(store, now),
            )
            return inserted is not None

        if not await self._write(work):
            raise StoreExists(store.id)

    async def set_store_suspended(self, store_id: int, suspended: bool) -> bool:
        async def work(connection: Connection) -> bool:
            changed = await connection.fetchval(
                "UPDATE stores SET suspended = $2 WHERE id = $1 RETURNING 1", store_id, suspended
            )
            return changed is not None

        return await self._write(work)

    async def set_store_rate_limit(self, store_id: int, limit: int | None) -> bool:
        async def work(connection: Connection) -> bool:
            changed = await connection.fetchval(
                "UPDATE stores SET rate_limit = $2 WHERE id = $1 RETURNING 1", store_id, limit
            )
            return changed is not None

        return await self._write(work)

    async def list_stores(self) -> list[StoreSummary]:
        rows = await self._read(
            lambda c: c.fetch(
                "SELECT s.id, s.languages, s.legacy_sign_in, s.customer_groups_enabled, "
                "s.suspended, s.rate_limit, s.customer_count, "
                "(SELECT count(*) FROM tokens t "
                "WHERE t.store_id = s.id AND t.revoked_at IS NULL) "
                "FROM stores s ORDER BY s.id"
            )
        )
        return [
            StoreSummary(store=_store(row[0], row, 1), customers=row[6], tokens=row[7])
            for row in rows
        ]

    async def delete_store(self, store_id: int) -> bool:
        return await self._write(lambda c: stores.delete_store(c, store_id))

    async def reset_store(self, store_id: int) -> bool:
        return await self._write(lambda c: stores.reset_store(c, store_id))

    async def export_store(self, store_id: int) -> StoreDump | None:
        async with (
            self._opened.acquire() as connection,
            connection.transaction(isolation="repeatable_read", readonly=True),
        ):
            return await stores.export_store(connection, store_id)

    async def import_store(self, dump: StoreDump, *, now: int) -> None:
        await self._write(lambda c: stores.import_store(c, dump, now))

    async def create_token(
        self,
        store_id: int,
        *,
        token_hash: bytes,
        kind: TokenKind,
        scopes: tuple[str, ...],
        hint: str,
        now: int,
    ) -> TokenInfo:
        async def work(connection: Connection) -> int:
            if await connection.fetchval("SELECT 1 FROM stores WHERE id = $1", store_id) is None:
                raise errors.store_not_found()
            try:
                token_id: int = await connection.fetchval(
                    "INSERT INTO tokens (store_id, token_hash, kind, scopes, hint, created_at) "
                    "VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                    store_id,
                    token_hash,
                    kind,
                    ",".join(scopes),
                    hint,
                    now,
                )
            except db.UniqueViolation:
                raise TokenExists(store_id) from None
            return token_id

        token_id = await self._write(work)
        return TokenInfo(
            id=token_id,
            store_id=store_id,
            kind=kind,
            scopes=scopes,
            hint=hint,
            created_at=now,
            revoked_at=None,
        )

    async def list_tokens(self, store_id: int | None = None) -> list[TokenInfo]:
        rows = await self._read(
            lambda c: c.fetch(
                "SELECT id, store_id, kind, scopes, hint, created_at, revoked_at FROM tokens "
                "WHERE $1::bigint IS NULL OR store_id = $1 ORDER BY store_id, id",
                store_id,
            )
        )
        return [_token(row) for row in rows]

    async def revoke_token(self, token_id: int, *, now: int) -> bool:
        async def work(connection: Connection) -> bool:
            revoked = await connection.fetchval(
                "UPDATE tokens SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL "
                "RETURNING 1",
                token_id,
                now,
            )
            return revoked is not None

        return await self._write(work)
