"""SQLite storage: WAL, ``synchronous=FULL``, one group-committing writer, and readers.

Lookups by key (a customer, a token) take microseconds, so they run directly on the event
loop's own connection: a thread hop would cost more than the read. Searches and listings can
take longer and run on reader threads so they never hold up other requests. In WAL mode no
reader waits for the writer, and every read sees the last commit.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from pathlib import Path
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
from ecwid_customers.storage.sqlite import connection as sqlite_connection
from ecwid_customers.storage.sqlite import customers, groups, stores
from ecwid_customers.storage.sqlite.readers import ReaderPool
from ecwid_customers.storage.sqlite.writer import GroupCommitWriter

T = TypeVar("T")


def _split(text: str) -> tuple[str, ...]:
    return tuple(part for part in text.split(",") if part)


class SQLiteStorage:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._writer: GroupCommitWriter | None = None
        self._reader: sqlite3.Connection | None = None
        self._readers: ReaderPool | None = None
        # Parsed store languages and token scopes by their stored text: a handful of distinct
        # values serve every request, so parse each once.
        self._lists: dict[str, tuple[str, ...]] = {}

    def _connect(self) -> sqlite3.Connection:
        connection = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        sqlite_connection.configure(connection)
        return connection

    async def open(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        revision = migrate.sqlite_revision(self.path)
        migrate.check_not_newer(revision)
        if revision != migrate.HEAD:
            await asyncio.to_thread(migrate.upgrade, f"sqlite:///{self.path}")
        setup = self._connect()
        try:
            setup.execute("PRAGMA journal_mode = WAL")  # persistent; set here for new files
        finally:
            setup.close()
        self._reader = self._connect()
        self._reader.execute("PRAGMA query_only = ON")
        self._readers = ReaderPool(self._connect)
        self._writer = GroupCommitWriter(self._connect)
        self._writer.start()

    async def close(self) -> None:
        if self._writer is not None:
            writer, self._writer = self._writer, None
            await asyncio.to_thread(writer.stop)
        if self._readers is not None:
            readers, self._readers = self._readers, None
            await asyncio.to_thread(readers.close)
        if self._reader is not None:
            self._reader.close()
            self._reader = None

    @property
    def _read(self) -> sqlite3.Connection:
        if self._reader is None:
            raise RuntimeError("storage is not open")
        return self._reader

    async def _read_long(self, query: Callable[[sqlite3.Connection], T]) -> T:
        """A query that may take long, on a reader thread (see ``readers.py``)."""
        if self._readers is None:
            raise RuntimeError("storage is not open")
        return await self._readers.run(query)

    async def _write(self, work: Callable[[sqlite3.Connection], T]) -> T:
        if self._writer is None:
            raise RuntimeError("storage is not open")
        return await self._writer.submit(work)

    def _list(self, text: str) -> tuple[str, ...]:
        parsed = self._lists.get(text)
        if parsed is None:
            parsed = self._lists[text] = _split(text)
        return parsed

    # -- per request -----------------------------------------------------------------------

    async def access(self, store_id: int, token_hash: bytes | None) -> Access:
        row = self._read.execute(
            "SELECT s.languages, s.legacy_sign_in, s.customer_groups_enabled, s.suspended, "
            "s.rate_limit, t.kind, t.scopes "
            "FROM stores s "
            "LEFT JOIN tokens t ON t.store_id = s.id AND t.token_hash = ? "
            "AND t.revoked_at IS NULL WHERE s.id = ?",
            (token_hash, store_id),
        ).fetchone()
        if row is None:
            return Access(store=None, grant=None)
        languages, legacy_sign_in, groups_enabled, suspended, rate_limit, kind, scopes = row
        store = Store(
            id=store_id,
            languages=self._list(languages),
            legacy_sign_in=bool(legacy_sign_in),
            customer_groups_enabled=bool(groups_enabled),
            suspended=bool(suspended),
            rate_limit=rate_limit,
        )
        grant = None
        if kind is not None:
            grant = TokenGrant(store=store, kind=kind, scopes=frozenset(self._list(scopes)))
        return Access(store=store, grant=grant)

    async def create_customer(self, store_id: int, draft: CustomerDraft, *, now: int) -> int:
        return await self._write(lambda c: customers.create(c, store_id, draft, now))

    async def get_customer(self, store_id: int, customer_id: int) -> Customer | None:
        return customers.get(self._read, store_id, customer_id)

    async def search_customers(self, store_id: int, query: CustomerQuery) -> CustomerPage:
        return await self._read_long(lambda c: customers.search_page(c, store_id, query))

    async def update_customer(
        self,
        store_id: int,
        customer_id: int,
        change: CustomerChange,
        *,
        now: int,
        password_hash: str | None = None,
    ) -> Customer:
        return await self._write(
            lambda c: customers.update(c, store_id, customer_id, change, now, password_hash)
        )

    async def delete_customer(self, store_id: int, customer_id: int, *, now: int) -> bool:
        return await self._write(lambda c: customers.delete(c, store_id, customer_id, now))

    async def deleted_customers(
        self, store_id: int, *, since: int, until: int | None, page: Page
    ) -> DeletedPage:
        return await self._read_long(
            lambda c: customers.deleted_page(c, store_id, since, until, page)
        )

    # -- customer groups -------------------------------------------------------------------

    async def list_customer_groups(
        self, store_id: int, *, keyword: str | None, ids: tuple[int, ...] | None, page: Page
    ) -> GroupPage:
        return groups.group_page(self._read, store_id, keyword, ids, page)

    async def get_customer_group(self, store_id: int, group_id: int) -> CustomerGroup | None:
        return groups.get_group(self._read, store_id, group_id)

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
        return groups.list_fields(self._read, store_id)

    async def get_extra_field(self, store_id: int, key: str) -> ExtraFieldDefinition | None:
        return groups.get_field(self._read, store_id, key)

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
        def work(connection: sqlite3.Connection) -> None:
            try:
                connection.execute(
                    f"INSERT INTO stores ({STORE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    store_row(store, now),
                )
            except sqlite3.IntegrityError:
                raise StoreExists(store.id) from None

        await self._write(work)

    async def set_store_suspended(self, store_id: int, suspended: bool) -> bool:
        def work(connection: sqlite3.Connection) -> bool:
            return bool(
                connection.execute(
                    "UPDATE stores SET suspended = ? WHERE id = ?", (suspended, store_id)
                ).rowcount
            )

        return await self._write(work)

    async def set_store_rate_limit(self, store_id: int, limit: int | None) -> bool:
        def work(connection: sqlite3.Connection) -> bool:
            return bool(
                connection.execute(
                    "UPDATE stores SET rate_limit = ? WHERE id = ?", (limit, store_id)
                ).rowcount
            )

        return await self._write(work)

    async def list_stores(self) -> list[StoreSummary]:
        rows = self._read.execute(
            "SELECT s.id, s.languages, s.legacy_sign_in, s.customer_groups_enabled, "
            "s.suspended, s.rate_limit, s.customer_count, "
            "(SELECT count(*) FROM tokens t WHERE t.store_id = s.id AND t.revoked_at IS NULL) "
            "FROM stores s ORDER BY s.id"
        ).fetchall()
        return [
            StoreSummary(
                store=Store(
                    id=row[0],
                    languages=_split(row[1]),
                    legacy_sign_in=bool(row[2]),
                    customer_groups_enabled=bool(row[3]),
                    suspended=bool(row[4]),
                    rate_limit=row[5],
                ),
                customers=row[6],
                tokens=row[7],
            )
            for row in rows
        ]

    async def delete_store(self, store_id: int) -> bool:
        return await self._write(lambda c: stores.delete_store(c, store_id))

    async def reset_store(self, store_id: int) -> bool:
        return await self._write(lambda c: stores.reset_store(c, store_id))

    async def export_store(self, store_id: int) -> StoreDump | None:
        return await self._read_long(lambda c: stores.export_store(c, store_id))

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
        def work(connection: sqlite3.Connection) -> int:
            if not connection.execute("SELECT 1 FROM stores WHERE id = ?", (store_id,)).fetchone():
                raise errors.store_not_found()
            try:
                cursor = connection.execute(
                    "INSERT INTO tokens (store_id, token_hash, kind, scopes, hint, created_at) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    (store_id, token_hash, kind, ",".join(scopes), hint, now),
                )
            except sqlite3.IntegrityError:
                raise TokenExists(store_id) from None
            token_id: int | None = cursor.lastrowid
            assert token_id is not None
            return token_id

        token_id: int = await self._write(work)
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
        rows = self._read.execute(
            "SELECT id, store_id, kind, scopes, hint, created_at, revoked_at FROM tokens "
            "WHERE ? IS NULL OR store_id = ? ORDER BY store_id, id",
            (store_id, store_id),
        ).fetchall()
        return [
            TokenInfo(
                id=row[0],
                store_id=row[1],
                kind=row[2],
                scopes=_split(row[3]),
                hint=row[4],
                created_at=row[5],
                revoked_at=row[6],
            )
            for row in rows
        ]

    async def revoke_token(self, token_id: int, *, now: int) -> bool:
        def work(connection: sqlite3.Connection) -> bool:
            cursor = connection.execute(
                "UPDATE tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
                (now, token_id),
            )
            return cursor.rowcount == 1

        revoked: bool = await self._write(work)
        return revoked
