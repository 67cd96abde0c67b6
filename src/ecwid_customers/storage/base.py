"""The storage interface: what the HTTP layer, the CLI and the tests may ask of a database.

Two protocols: :class:`CustomerStorage` is what the API needs on every request (access,
customers, groups, extra fields), :class:`AdminStorage` what administration needs (stores,
tokens, dumps). :class:`Storage` is both, with ``open`` and ``close``; SQLite and PostgreSQL
implement it through one core (``storage/core``), and one contract suite (``tests/storage``)
holds both to it. Methods raise the exceptions of ``storage/errors.py`` for what they refuse
(a taken email, an unknown group or store), the same whichever engine noticed it. Changes that
depend on the stored state (an update, a new contact) are given as functions from the stored
customer to the new one: storage runs them inside the transaction that writes the result, so
concurrent changes cannot lose each other's work.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

import msgspec

from ecwid_customers.domain.models import (
    Customer,
    CustomerDraft,
    CustomerGroup,
    DeletedCustomer,
    ExtraFieldDefinition,
    Store,
    TokenGrant,
)
from ecwid_customers.domain.orders import OrderHistory
from ecwid_customers.domain.search import CustomerQuery, Page
from ecwid_customers.domain.tokens import TokenKind
from ecwid_customers.storage.outbox import TokenWebhook, WebhookStorage

CustomerChange = Callable[[Customer], Customer]
ExtraFieldChange = Callable[[ExtraFieldDefinition], ExtraFieldDefinition]


class GroupChange(msgspec.Struct, frozen=True, kw_only=True):
    """What a group update sets; ``None`` keeps the stored value."""

    name: str | None = None
    external_reference_id: str | None = None


class NewToken(msgspec.Struct, frozen=True, kw_only=True):
    """A token to store: only its hash, never its value."""

    token_hash: bytes
    kind: TokenKind
    scopes: tuple[str, ...]
    hint: str  # what listings show of it
    webhook: TokenWebhook | None = None  # where its app receives webhooks


class StoreSummary(msgspec.Struct, frozen=True, kw_only=True):
    store: Store
    customers: int
    tokens: int
    webhooks_paused: bool = False


class TokenInfo(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    store_id: int
    kind: TokenKind
    scopes: tuple[str, ...]
    hint: str
    created_at: int
    revoked_at: int | None
    webhook_url: str | None = None
    client_secret_hint: str | None = None  # the client secret itself is never shown again
    webhook_events: tuple[str, ...] | None = None  # None: every event the scopes allow


class Access(msgspec.Struct, frozen=True, kw_only=True):
    """The store a URL names, and what the presented token may do there, if anything."""

    store: Store | None
    grant: TokenGrant | None


class CustomerPage(msgspec.Struct, frozen=True, kw_only=True):
    total: int  # customers matching the query
    all_customers: int  # customers in the store, whatever the query
    items: list[Customer]


class DeletedPage(msgspec.Struct, frozen=True, kw_only=True):
    total: int
    items: list[DeletedCustomer]


class GroupPage(msgspec.Struct, frozen=True, kw_only=True):
    total: int
    items: list[CustomerGroup]


class NextIds(msgspec.Struct, frozen=True, kw_only=True):
    """A store's id counters: the ids its next customer, contact, address and group get."""

    customer: int = 1
    contact: int = 1
    address: int = 1
    group: int = 1


class DumpedCustomer(msgspec.Struct, frozen=True, kw_only=True):
    customer: Customer  # as read: group name filled in, dates formatted
    password_hash: str | None = None
    # The order-history stand-in's purchases (the stats are the customer's own).
    purchased_product_ids: tuple[int, ...] = ()


class StoreDump(msgspec.Struct, frozen=True, kw_only=True):
    """Everything a store holds except its tokens (which exist only as hashes): what
    ``export_store`` reads and ``import_store`` writes back."""

    store: Store
    next_ids: NextIds
    groups: list[CustomerGroup]
    extra_fields: list[ExtraFieldDefinition]
    customers: list[DumpedCustomer]
    deleted: list[DeletedCustomer]

    def counters(self) -> NextIds:
        """``next_ids`` raised past every id the dump holds: ids are never handed out twice."""
        customers = [c.customer for c in self.customers]
        customer_ids = [c.id for c in customers] + [d.id for d in self.deleted]
        contact_ids = [contact.id for c in customers for contact in c.contacts]
        address_ids = [address.id for c in customers for address in c.shipping_addresses]
        group_ids = [group.id for group in self.groups]
        wanted = self.next_ids
        return NextIds(
            customer=max([wanted.customer, *(i + 1 for i in customer_ids)]),
            contact=max([wanted.contact, *(i + 1 for i in contact_ids)]),
            address=max([wanted.address, *(i + 1 for i in address_ids)]),
            group=max([wanted.group, *(i + 1 for i in group_ids)]),
        )


class CustomerStorage(Protocol):
    """What the API asks of storage while it answers requests."""

    # -- authentication --------------------------------------------------------------------

    async def access(self, store_id: int, token_hash: bytes | None) -> Access:
        """The store and, when the hash names one of its live tokens, that token's grant."""
        ...

    # -- customers -------------------------------------------------------------------------

    async def create_customer(self, store_id: int, draft: CustomerDraft, *, now: int) -> int:
        """Number and save ``draft`` durably; its id. Raises ``EmailTaken``, ``GroupNotFound``,
        ``StoreNotFound``."""
        ...

    async def get_customer(self, store_id: int, customer_id: int) -> Customer | None:
        """The customer with ``customerGroupName`` filled, or ``None``."""
        ...

    async def get_customer_json(self, store_id: int, customer_id: int) -> bytes | None:
        """:meth:`get_customer`'s customer as JSON (msgspec's encoding of it, the API's
        answer), or ``None``; cheaper than encoding the customer read."""
        ...

    async def search_customers(self, store_id: int, query: CustomerQuery) -> CustomerPage: ...

    async def update_customer(
        self,
        store_id: int,
        customer_id: int,
        change: CustomerChange,
        *,
        now: int,
        password_hash: str | None = None,
    ) -> Customer:
        """Apply ``change`` to the stored customer and save the result. Raises
        ``CustomerNotFound``, and what create raises."""
        ...

    async def delete_customer(self, store_id: int, customer_id: int, *, now: int) -> bool:
        """``False`` when there was no such customer."""
        ...

    async def deleted_customers(
        self, store_id: int, *, since: int, until: int | None, page: Page
    ) -> DeletedPage:
        """Deletions from ``since`` to ``until`` (inclusive), oldest first."""
        ...

    # -- customer groups -------------------------------------------------------------------

    async def list_customer_groups(
        self, store_id: int, *, keyword: str | None, ids: tuple[int, ...] | None, page: Page
    ) -> GroupPage:
        """Groups, General (id 0) first and counted, then by id."""
        ...

    async def get_customer_group(self, store_id: int, group_id: int) -> CustomerGroup | None: ...

    async def create_customer_group(
        self,
        store_id: int,
        *,
        name: str,
        external_reference_id: str | None = None,
        now: int | None = None,
    ) -> int:
        """A new group; ``now`` (the store's time) dates its webhook event."""
        ...

    async def update_customer_group(
        self,
        store_id: int,
        group_id: int,
        change: GroupChange,
        *,
        now: int,
        member_events: bool = False,
    ) -> bool:
        """Rename (and so touch ``updated`` of every member); ``False`` for an unknown group.
        ``member_events``: a ``customer.updated`` webhook for each member too (spec Q16)."""
        ...

    async def delete_customer_group(
        self, store_id: int, group_id: int, *, now: int, member_events: bool = False
    ) -> bool:
        """Delete; members move to General (0) and their ``updated`` is bumped."""
        ...

    # -- customer extra fields -------------------------------------------------------------

    async def list_extra_fields(self, store_id: int) -> list[ExtraFieldDefinition]: ...

    async def get_extra_field(self, store_id: int, key: str) -> ExtraFieldDefinition | None: ...

    async def create_extra_field(
        self, store_id: int, definition: ExtraFieldDefinition, *, now: int
    ) -> bool:
        """``False`` when the key is taken (the caller picks another)."""
        ...

    async def update_extra_field(
        self, store_id: int, key: str, change: ExtraFieldChange
    ) -> bool: ...

    async def delete_extra_field(self, store_id: int, key: str) -> bool: ...


class AdminStorage(Protocol):
    """What administration asks of storage: stores, their tokens, their dumps."""

    async def get_store(self, store_id: int) -> StoreSummary | None: ...

    async def create_store(self, store: Store, *, now: int) -> None:
        """Raises :class:`StoreExists`."""
        ...

    async def set_store_suspended(self, store_id: int, suspended: bool) -> bool:
        """Suspend or resume a store; ``False`` when there is no such store."""
        ...

    async def set_store_rate_limit(self, store_id: int, limit: int | None) -> bool:
        """Requests per minute per token (0: none; ``None``: the server's setting)."""
        ...

    async def list_stores(self) -> list[StoreSummary]: ...

    async def delete_store(self, store_id: int) -> bool:
        """Delete the store with its customers, groups, fields and tokens; ``False`` when
        there is no such store."""
        ...

    async def reset_store(self, store_id: int) -> bool:
        """Empty the store (customers, deletions, groups, fields) and restart its id counters;
        its settings and tokens stay. ``False`` when there is no such store."""
        ...

    async def export_store(
        self, store_id: int, *, read: Callable[[int], None] | None = None
    ) -> StoreDump | None:
        """The store's whole content, read in one snapshot, in id order; ``read(n)`` hears of
        every ``n`` customers read (a progress bar's steps; it may be called on a thread)."""
        ...

    async def import_store(self, dump: StoreDump, *, now: int) -> None:
        """Make the store exactly ``dump``: created when missing, otherwise its settings
        replaced and its content swapped, in one transaction (tokens stay). Raises
        ``EmailTaken`` when two customers share an email."""
        ...

    async def set_order_history(
        self, store_id: int, customer_id: int, history: OrderHistory
    ) -> Customer | None:
        """Replace the customer's stand-in order history (its ``stats`` and purchased
        products; ``updated`` stays); the customer as it now reads, or ``None`` when there is
        no such customer."""
        ...

    async def get_order_history(self, store_id: int, customer_id: int) -> OrderHistory | None:
        """The customer's stand-in order history, or ``None`` when there is no such customer."""
        ...

    async def create_token(self, store_id: int, token: NewToken, *, now: int) -> TokenInfo:
        """Raises ``StoreNotFound`` for an unknown store, ``TokenExists`` when the store
        already has a token with this hash."""
        ...

    async def list_tokens(self, store_id: int | None = None) -> list[TokenInfo]: ...

    async def revoke_token(self, token_id: int, *, now: int) -> bool:
        """``False`` when no live token has that id."""
        ...


class Storage(CustomerStorage, AdminStorage, WebhookStorage, Protocol):
    """A database as the server uses it."""

    async def open(self) -> None:
        """Connect, create or check the schema, start background workers."""
        ...

    async def close(self) -> None:
        """Finish pending writes and disconnect."""
        ...

    async def problems(self) -> tuple[str, ...]:
        """Why the database cannot serve now (unreachable, its writer stopped, a fault still
        open); empty when it can. For readiness checks: cheap, and it never raises."""
        ...
