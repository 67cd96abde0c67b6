"""The storage interface: what the HTTP layer, the CLI and the tests may ask of a database.

SQLite and PostgreSQL implement it; one contract suite (``tests/storage``) holds both to it.
Methods raise :class:`~ecwid_customers.errors.EcwidError` for the Ecwid-visible failures they
detect (duplicate email, unknown group, unknown store) so the answer is the same whichever
engine noticed it.
"""

from __future__ import annotations

from typing import Protocol

import msgspec

from ecwid_customers.domain.models import Customer, NewCustomer, Store, TokenGrant
from ecwid_customers.domain.tokens import TokenKind


class StoreExists(Exception):
    def __init__(self, store_id: int) -> None:
        super().__init__(f"store {store_id} already exists")
        self.store_id = store_id


class StoreSummary(msgspec.Struct, frozen=True, kw_only=True):
    store: Store
    customers: int
    tokens: int


class TokenInfo(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    store_id: int
    kind: TokenKind
    scopes: tuple[str, ...]
    hint: str
    created_at: int
    revoked_at: int | None


class Access(msgspec.Struct, frozen=True, kw_only=True):
    """The store a URL names, and what the presented token may do there, if anything."""

    store: Store | None
    grant: TokenGrant | None


class Storage(Protocol):
    async def open(self) -> None:
        """Connect, create or check the schema, start background workers."""
        ...

    async def close(self) -> None:
        """Finish pending writes and disconnect."""
        ...

    # -- per request -----------------------------------------------------------------------

    async def access(self, store_id: int, token_hash: bytes | None) -> Access:
        """The store and, when the hash names one of its live tokens, that token's grant."""
        ...

    async def create_customer(self, store_id: int, new: NewCustomer) -> int:
        """Number and save ``new`` durably; its id. Raises 409 on a taken email and 404 on
        an unknown group."""
        ...

    async def get_customer(self, store_id: int, customer_id: int) -> Customer | None:
        """The customer with ``customerGroupName`` filled, or ``None``."""
        ...

    # -- administration --------------------------------------------------------------------

    async def create_store(self, store: Store, *, now: int) -> None:
        """Raises :class:`StoreExists`."""
        ...

    async def list_stores(self) -> list[StoreSummary]: ...

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
        """Raises 404 ``STORE_NOT_FOUND`` for an unknown store."""
        ...

    async def list_tokens(self, store_id: int | None = None) -> list[TokenInfo]: ...

    async def revoke_token(self, token_id: int, *, now: int) -> bool:
        """``False`` when no live token has that id."""
        ...

    async def create_customer_group(
        self, store_id: int, *, name: str, external_reference_id: str | None = None
    ) -> int: ...
