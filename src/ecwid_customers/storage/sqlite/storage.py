"""SQLite storage: WAL, ``synchronous=FULL``, one group-committing writer, reads on the caller.

Reads are single indexed lookups that take microseconds, so they run directly on the event
loop's own connection: a thread hop would cost more than the read. In WAL mode they never wait
for the writer and always see the last commit.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import msgspec

from ecwid_customers import errors
from ecwid_customers.domain.create import assign_ids
from ecwid_customers.domain.models import (
    GENERAL_GROUP_ID,
    GENERAL_GROUP_NAME,
    Customer,
    NewCustomer,
    Store,
    TokenGrant,
)
from ecwid_customers.domain.tokens import TokenKind
from ecwid_customers.storage.base import Access, StoreExists, StoreSummary, TokenInfo
from ecwid_customers.storage.sqlite import schema
from ecwid_customers.storage.sqlite.writer import GroupCommitWriter

MAX_ID = 2**31 - 1
T = TypeVar("T")

_encode = msgspec.json.Encoder().encode
_decode_customer = msgspec.json.Decoder(Customer).decode


def _split(text: str) -> tuple[str, ...]:
    return tuple(part for part in text.split(",") if part)


class SQLiteStorage:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._writer: GroupCommitWriter | None = None
        self._reader: sqlite3.Connection | None = None
        # Parsed store languages and token scopes by their stored text: a handful of distinct
        # values serve every request, so parse each once.
        self._lists: dict[str, tuple[str, ...]] = {}

    def _connect(self) -> sqlite3.Connection:
        connection = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        schema.configure(connection)
        return connection

    async def open(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        setup = self._connect()
        try:
            schema.migrate(setup)
        finally:
            setup.close()
        self._reader = self._connect()
        self._reader.execute("PRAGMA query_only = ON")
        self._writer = GroupCommitWriter(self._connect)
        self._writer.start()

    async def close(self) -> None:
        if self._writer is not None:
            writer, self._writer = self._writer, None
            await asyncio.to_thread(writer.stop)
        if self._reader is not None:
            self._reader.close()
            self._reader = None

    @property
    def _read(self) -> sqlite3.Connection:
        if self._reader is None:
            raise RuntimeError("storage is not open")
        return self._reader

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
            "SELECT s.languages, s.legacy_sign_in, t.kind, t.scopes FROM stores s "
            "LEFT JOIN tokens t ON t.store_id = s.id AND t.token_hash = ? "
            "AND t.revoked_at IS NULL WHERE s.id = ?",
            (token_hash, store_id),
        ).fetchone()
        if row is None:
            return Access(store=None, grant=None)
        languages, legacy_sign_in, kind, scopes = row
        store = Store(id=store_id, languages=self._list(languages), legacy_sign_in=legacy_sign_in)
        grant = None
        if kind is not None:
            grant = TokenGrant(store=store, kind=kind, scopes=frozenset(self._list(scopes)))
        return Access(store=store, grant=grant)

    async def create_customer(self, store_id: int, new: NewCustomer) -> int:
        customer = new.customer

        def work(connection: sqlite3.Connection) -> int:
            group_id = customer.customer_group_id
            if (
                group_id != GENERAL_GROUP_ID
                and not connection.execute(
                    "SELECT 1 FROM customer_groups WHERE store_id = ? AND id = ?",
                    (store_id, group_id),
                ).fetchone()
            ):
                raise errors.customer_group_not_found(group_id)
            contacts, addresses = len(customer.contacts), len(customer.shipping_addresses)
            row = connection.execute(
                "UPDATE stores SET next_customer_id = next_customer_id + 1, "
                "next_contact_id = next_contact_id + ?, next_address_id = next_address_id + ? "
                "WHERE id = ? RETURNING next_customer_id - 1, next_contact_id - ?, "
                "next_address_id - ?",
                (contacts, addresses, store_id, contacts, addresses),
            ).fetchone()
            if row is None:
                raise errors.store_not_found()
            customer_id: int = row[0]
            first_contact_id: int = row[1]
            first_address_id: int = row[2]
            if customer_id > MAX_ID:
                raise RuntimeError(f"store {store_id} has used every customer id")
            numbered = assign_ids(
                customer,
                customer_id=customer_id,
                first_contact_id=first_contact_id,
                first_address_id=first_address_id,
            )
            try:
                connection.execute(
                    "INSERT INTO customers (store_id, id, email_key, group_id, registered_at, "
                    "updated_at, password_hash, doc) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        store_id,
                        customer_id,
                        new.email_key,
                        group_id,
                        new.registered_at,
                        new.registered_at,
                        new.password_hash,
                        _encode(numbered),
                    ),
                )
            except sqlite3.IntegrityError as error:
                if "email_key" in str(error):
                    raise errors.email_already_exists() from None
                raise
            return customer_id

        result: int = await self._write(work)
        return result

    async def get_customer(self, store_id: int, customer_id: int) -> Customer | None:
        row = self._read.execute(
            "SELECT c.doc, c.group_id, g.name FROM customers c LEFT JOIN customer_groups g "
            "ON g.store_id = c.store_id AND g.id = c.group_id WHERE c.store_id = ? AND c.id = ?",
            (store_id, customer_id),
        ).fetchone()
        if row is None:
            return None
        doc, group_id, group_name = row
        customer = _decode_customer(doc)
        customer.customer_group_name = (
            GENERAL_GROUP_NAME if group_id == GENERAL_GROUP_ID else group_name
        )
        return customer

    # -- administration --------------------------------------------------------------------

    async def create_store(self, store: Store, *, now: int) -> None:
        def work(connection: sqlite3.Connection) -> None:
            try:
                connection.execute(
                    "INSERT INTO stores (id, languages, legacy_sign_in, created_at) "
                    "VALUES (?, ?, ?, ?)",
                    (store.id, ",".join(store.languages), store.legacy_sign_in, now),
                )
            except sqlite3.IntegrityError:
                raise StoreExists(store.id) from None

        await self._write(work)

    async def list_stores(self) -> list[StoreSummary]:
        rows = self._read.execute(
            "SELECT s.id, s.languages, s.legacy_sign_in, "
            "(SELECT count(*) FROM customers c WHERE c.store_id = s.id), "
            "(SELECT count(*) FROM tokens t WHERE t.store_id = s.id AND t.revoked_at IS NULL) "
            "FROM stores s ORDER BY s.id"
        ).fetchall()
        return [
            StoreSummary(
                store=Store(id=row[0], languages=_split(row[1]), legacy_sign_in=bool(row[2])),
                customers=row[3],
                tokens=row[4],
            )
            for row in rows
        ]

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
            cursor = connection.execute(
                "INSERT INTO tokens (store_id, token_hash, kind, scopes, hint, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (store_id, token_hash, kind, ",".join(scopes), hint, now),
            )
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

    async def create_customer_group(
        self, store_id: int, *, name: str, external_reference_id: str | None = None
    ) -> int:
        def work(connection: sqlite3.Connection) -> int:
            row = connection.execute(
                "UPDATE stores SET next_group_id = next_group_id + 1 WHERE id = ? "
                "RETURNING next_group_id - 1",
                (store_id,),
            ).fetchone()
            if row is None:
                raise errors.store_not_found()
            connection.execute(
                "INSERT INTO customer_groups (store_id, id, name, external_reference_id) "
                "VALUES (?, ?, ?, ?)",
                (store_id, row[0], name, external_reference_id),
            )
            group_id: int = row[0]
            return group_id

        group_id: int = await self._write(work)
        return group_id
