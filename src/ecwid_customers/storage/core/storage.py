"""The storage interface, implemented once over an engine.

Each method says what kind of database work it is (a short read, a long read, a snapshot, a
write) and hands the engine the core function that does it; the engine supplies the session,
the transaction and, on PostgreSQL, the retries.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from ecwid_customers.domain.models import (
    Customer,
    CustomerDraft,
    CustomerGroup,
    ExtraFieldDefinition,
    Store,
)
from ecwid_customers.domain.orders import OrderHistory
from ecwid_customers.domain.search import CustomerQuery, Page
from ecwid_customers.domain.webhooks import (
    CUSTOMER_CREATED,
    CUSTOMER_DELETED,
    CUSTOMER_UPDATED,
    GROUP_CREATED,
    GROUP_DELETED,
    GROUP_UPDATED,
    WebhookEvent,
    customer_event,
    group_event,
)
from ecwid_customers.storage.base import (
    Access,
    CustomerChange,
    CustomerPage,
    DeletedPage,
    ExtraFieldChange,
    GroupChange,
    GroupPage,
    NewToken,
    StoreDump,
    StoreSummary,
    TokenInfo,
)
from ecwid_customers.storage.core import catalog, customers, outbox, stores
from ecwid_customers.storage.core.outbox_methods import OutboxMethods
from ecwid_customers.storage.core.rendered import RenderedCustomers
from ecwid_customers.storage.core.rows import split_list
from ecwid_customers.storage.core.session import Engine, Session, Work

T = TypeVar("T")

# Access answers kept for reuse: a store has a handful of tokens, so this holds every real
# one; a flood of unknown tokens only empties it (each miss then costs the query it always did).
ACCESS_CACHE_SIZE = 4096


class Announcer:
    """Queues the webhook events of one write, in its transaction."""

    __slots__ = ("now", "queued", "session", "store_id")

    def __init__(self, store_id: int, now: int) -> None:
        self.store_id = store_id
        self.now = now  # the store's time of the change: eventCreated
        self.queued = 0
        self.session: Session | None = None

    async def emit(self, event: WebhookEvent, subscriptions: str | None = None) -> None:
        """Queue ``event``; ``subscriptions`` is the store's when the write read them
        already."""
        assert self.session is not None
        self.queued += await outbox.queue(
            self.session, self.store_id, event, self.now, time.time(), subscriptions=subscriptions
        )


Change = Callable[[Session, Announcer], Coroutine[Any, Any, T]]


class SqlStorage(OutboxMethods):
    """A :class:`~ecwid_customers.storage.base.Storage` on one engine."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        # Parsed store languages and token scopes by their stored text: a handful of distinct
        # values serve every request, so parse each once.
        self._lists: dict[str, tuple[str, ...]] = {}
        self._listeners: list[Callable[[], None]] = []
        # (store, token hash) -> (the engine's change stamp when read, the answer).
        self._access: dict[tuple[int, bytes | None], tuple[tuple[int, int], Access]] = {}
        # Moves with every change of this process that an access answer may depend on, so
        # that its own changes are seen at once, before any engine's stamp moves.
        self._access_changes = 0
        self._rendered = RenderedCustomers()

    async def open(self) -> None:
        await self.engine.open()

    async def close(self) -> None:
        await self.engine.close()

    async def problems(self) -> tuple[str, ...]:
        return await self.engine.problems()

    async def _change(
        self, store_id: int, now: int | None, work: Change[T], *, short: bool = False
    ) -> T:
        """A write that announces itself: ``work`` gets an :class:`Announcer` that queues
        webhook events in the same transaction. Whoever listens (the dispatcher) is told once
        it has committed with something queued."""
        announcer = Announcer(store_id, int(time.time()) if now is None else now)

        async def run(session: Session) -> T:
            announcer.session, announcer.queued = session, 0  # a transaction run again restarts
            return await work(session, announcer)

        result = await self.engine.write(run, short=short)
        if announcer.queued:
            self._queued()
        return result

    def _queued(self) -> None:
        for listener in self._listeners:
            listener()

    def on_delivery_queued(self, listener: Callable[[], None]) -> None:
        """Call ``listener`` (on the event loop) after a write of this process queued
        deliveries, so they need not wait for the next poll."""
        self._listeners.append(listener)

    def _list(self, text: str) -> tuple[str, ...]:
        parsed = self._lists.get(text)
        if parsed is None:
            parsed = self._lists[text] = split_list(text)
        return parsed

    # -- per request -----------------------------------------------------------------------

    async def access(self, store_id: int, token_hash: bytes | None) -> Access:
        """Every request asks this first. While the database is unchanged since the last
        answer for the same store and token, that answer still holds: a revoked token, a
        suspended store or a new setting is seen by the next request (the stamp is read
        before the query, so an answer is never kept under a stamp older than its data)."""
        engine_stamp = self.engine.change_stamp()
        key = (store_id, token_hash)
        if engine_stamp is not None:
            stamp = (engine_stamp, self._access_changes)
            kept = self._access.get(key)
            if kept is not None and kept[0] == stamp:
                return kept[1]
        found = await self.engine.read(lambda s: stores.access(s, store_id, token_hash, self._list))
        if engine_stamp is not None:
            if len(self._access) >= ACCESS_CACHE_SIZE:
                self._access.clear()
            self._access[key] = (stamp, found)
        return found

    async def _access_change(self, work: Work[T]) -> T:
        """A write that may change access answers (see ``stores.access_changed``)."""
        try:
            return await self.engine.write(work)
        finally:
            self._access_changes += 1

    async def create_customer(self, store_id: int, draft: CustomerDraft, *, now: int) -> int:
        async def work(s: Session, announce: Announcer) -> int:
            customer_id, subscriptions = await customers.create(s, store_id, draft, now)
            if subscriptions:  # the common case, nobody listening, costs nothing more
                email = draft.customer.email
                event = customer_event(CUSTOMER_CREATED, customer_id, email)
                await announce.emit(event, subscriptions)
            return customer_id

        return await self._change(store_id, now, work)

    async def get_customer(self, store_id: int, customer_id: int) -> Customer | None:
        return await self.engine.read(lambda s: customers.get(s, store_id, customer_id))

    async def get_customer_json(self, store_id: int, customer_id: int) -> bytes | None:
        # Nothing committed since the customer was last read: its JSON then still holds.
        stamp = self.engine.commit_stamp()
        if stamp is not None:
            kept = self._rendered.unchanged(store_id, customer_id, stamp)
            if kept is not None:
                return kept
        return await self.engine.read(
            lambda s: customers.get_json(s, store_id, customer_id, self._rendered, stamp)
        )

    async def search_customers(self, store_id: int, query: CustomerQuery) -> CustomerPage:
        return await self.engine.read_long(lambda s: customers.search_page(s, store_id, query))

    async def update_customer(
        self,
        store_id: int,
        customer_id: int,
        change: CustomerChange,
        *,
        now: int,
        password_hash: str | None = None,
    ) -> Customer:
        async def attempt(store_locked_first: bool) -> Customer:
            async def work(s: Session, announce: Announcer) -> Customer:
                saved, subscriptions = await customers.update(
                    s,
                    store_id,
                    customer_id,
                    change,
                    now,
                    password_hash,
                    store_locked_first=store_locked_first,
                )
                event = customer_event(CUSTOMER_UPDATED, customer_id, saved.email)
                await announce.emit(event, subscriptions)
                return saved

            return await self._change(store_id, now, work, short=True)

        try:
            return await attempt(False)
        except customers.StoreLockNeeded:
            # New contacts or addresses need ids: again, with the store's row locked first.
            return await attempt(True)

    async def delete_customer(self, store_id: int, customer_id: int, *, now: int) -> bool:
        async def work(s: Session, announce: Announcer) -> bool:
            email = await customers.delete(s, store_id, customer_id, now)
            if email is not None:
                await announce.emit(customer_event(CUSTOMER_DELETED, customer_id, email))
            return email is not None

        return await self._change(store_id, now, work, short=True)

    async def set_order_history(
        self, store_id: int, customer_id: int, history: OrderHistory
    ) -> Customer | None:
        return await self.engine.write(
            lambda s: customers.set_order_history(s, store_id, customer_id, history)
        )

    async def get_order_history(self, store_id: int, customer_id: int) -> OrderHistory | None:
        return await self.engine.read(lambda s: customers.order_history(s, store_id, customer_id))

    async def deleted_customers(
        self, store_id: int, *, since: int, until: int | None, page: Page
    ) -> DeletedPage:
        return await self.engine.read_long(
            lambda s: customers.deleted_page(s, store_id, since, until, page)
        )

    # -- customer groups -------------------------------------------------------------------

    async def list_customer_groups(
        self, store_id: int, *, keyword: str | None, ids: tuple[int, ...] | None, page: Page
    ) -> GroupPage:
        return await self.engine.read(lambda s: catalog.group_page(s, store_id, keyword, ids, page))

    async def get_customer_group(self, store_id: int, group_id: int) -> CustomerGroup | None:
        return await self.engine.read(lambda s: catalog.get_group(s, store_id, group_id))

    async def create_customer_group(
        self,
        store_id: int,
        *,
        name: str,
        external_reference_id: str | None = None,
        now: int | None = None,
    ) -> int:
        async def work(s: Session, announce: Announcer) -> int:
            group_id = await catalog.create_group(s, store_id, name, external_reference_id)
            await announce.emit(group_event(GROUP_CREATED, group_id))
            return group_id

        return await self._change(store_id, now, work)

    async def update_customer_group(
        self,
        store_id: int,
        group_id: int,
        change: GroupChange,
        *,
        now: int,
        member_events: bool = False,
    ) -> bool:
        async def work(s: Session, announce: Announcer) -> bool:
            if not await catalog.update_group(s, store_id, group_id, change, now):
                return False
            await announce.emit(group_event(GROUP_UPDATED, group_id))
            if member_events:
                for member, email in await catalog.members(s, store_id, group_id):
                    await announce.emit(customer_event(CUSTOMER_UPDATED, member, email))
            return True

        return await self._change(store_id, now, work)

    async def delete_customer_group(
        self, store_id: int, group_id: int, *, now: int, member_events: bool = False
    ) -> bool:
        async def work(s: Session, announce: Announcer) -> bool:
            moved = await catalog.members(s, store_id, group_id) if member_events else []
            if not await catalog.delete_group(s, store_id, group_id, now):
                return False
            await announce.emit(group_event(GROUP_DELETED, group_id))
            for member, email in moved:
                await announce.emit(customer_event(CUSTOMER_UPDATED, member, email))
            return True

        return await self._change(store_id, now, work)

    # -- customer extra fields -------------------------------------------------------------

    async def list_extra_fields(self, store_id: int) -> list[ExtraFieldDefinition]:
        return await self.engine.read(lambda s: catalog.list_fields(s, store_id))

    async def get_extra_field(self, store_id: int, key: str) -> ExtraFieldDefinition | None:
        return await self.engine.read(lambda s: catalog.get_field(s, store_id, key))

    async def create_extra_field(
        self, store_id: int, definition: ExtraFieldDefinition, *, now: int
    ) -> bool:
        return await self.engine.write(lambda s: catalog.create_field(s, store_id, definition, now))

    async def update_extra_field(self, store_id: int, key: str, change: ExtraFieldChange) -> bool:
        return await self.engine.write(lambda s: catalog.update_field(s, store_id, key, change))

    async def delete_extra_field(self, store_id: int, key: str) -> bool:
        return await self.engine.write(lambda s: catalog.delete_field(s, store_id, key))

    # -- administration --------------------------------------------------------------------

    async def get_store(self, store_id: int) -> StoreSummary | None:
        return await self.engine.read(lambda s: stores.get_store(s, store_id))

    async def list_stores(self) -> list[StoreSummary]:
        return await self.engine.read(stores.list_stores)

    async def create_store(self, store: Store, *, now: int) -> None:
        await self._access_change(lambda s: stores.create_store(s, store, now))

    async def set_store_suspended(self, store_id: int, suspended: bool) -> bool:
        return await self._access_change(
            lambda s: stores.set_store_setting(s, store_id, "suspended", suspended)
        )

    async def set_store_rate_limit(self, store_id: int, limit: int | None) -> bool:
        return await self._access_change(
            lambda s: stores.set_store_setting(s, store_id, "rate_limit", limit)
        )

    async def delete_store(self, store_id: int) -> bool:
        return await self._access_change(lambda s: stores.delete_store(s, store_id))

    async def reset_store(self, store_id: int) -> bool:
        return await self.engine.write(lambda s: stores.reset_store(s, store_id))

    async def export_store(
        self, store_id: int, *, read: Callable[[int], None] | None = None
    ) -> StoreDump | None:
        return await self.engine.snapshot(lambda s: stores.export_store(s, store_id, read))

    async def import_store(self, dump: StoreDump, *, now: int) -> None:
        await self._access_change(lambda s: stores.import_store(s, dump, now))

    async def create_token(self, store_id: int, token: NewToken, *, now: int) -> TokenInfo:
        return await self._access_change(lambda s: stores.create_token(s, store_id, token, now))

    async def list_tokens(self, store_id: int | None = None) -> list[TokenInfo]:
        return await self.engine.read(lambda s: stores.list_tokens(s, store_id))

    async def revoke_token(self, token_id: int, *, now: int) -> bool:
        return await self._access_change(lambda s: stores.revoke_token(s, token_id, now))
