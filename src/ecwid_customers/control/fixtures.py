"""Store fixtures: the JSON a store is exported as and loaded from (one format for both).

An export is diffable: keys in a fixed order, customers by id, two-space indentation, so a
fixture kept in a repository changes by the lines that changed. Tokens are never exported
(only their hashes exist), but a fixture written by hand may list tokens to make, each with
its value, scopes and webhook, so a fixture can be a whole test set-up (``serve --fixtures``).
A customer entry without an ``id`` is read as a create-customer
body, so fixtures can also be written by hand: it gets ids and derived fields as a POST would.
Either kind of entry may carry the order-history stand-in (``domain/orders.py``): ``stats``
and the fixture-only ``purchasedProductIds``; without them a customer has no orders.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

import msgspec

from ecwid_customers import admin, errors
from ecwid_customers.domain.clock import format_ecwid_time, in_time_range, parse_ecwid_time
from ecwid_customers.domain.create import (
    assign_ids,
    build_new_customer,
    checked_email,
    email_key,
    new_ids_needed,
    password_to_keep,
)
from ecwid_customers.domain.ids import MAX_ID, MAX_RATE_LIMIT, is_entity_id, is_store_id
from ecwid_customers.domain.inputs import CustomerInput
from ecwid_customers.domain.models import (
    GENERAL_GROUP_ID,
    Customer,
    CustomerGroup,
    DeletedCustomer,
    ExtraFieldDefinition,
    Store,
)
from ecwid_customers.domain.orders import OrderHistory, no_orders, order_history
from ecwid_customers.domain.passwords import hash_password
from ecwid_customers.domain.tokens import check_token_format
from ecwid_customers.scopes import CUSTOMER_SCOPES, parse_scopes
from ecwid_customers.storage.base import DumpedCustomer, NextIds, Storage, StoreDump
from ecwid_customers.storage.errors import TokenExists
from ecwid_customers.storage.outbox import TokenWebhook

FORMAT = "ecwid-customers/store-fixture@1"


class FixtureStore(msgspec.Struct, rename="camel", kw_only=True, forbid_unknown_fields=True):
    id: int | None = None
    languages: list[str] = msgspec.field(default_factory=lambda: ["en"])
    legacy_sign_in: bool = False
    customer_groups_enabled: bool = True
    suspended: bool = False
    rate_limit: int | None = None


class FixtureCustomer(Customer, kw_only=True):
    """A customer as the API shows it, plus the hash of its password (never the password) and
    the products its (stand-in) orders hold."""

    password_hash: str | None = None
    purchased_product_ids: list[int] | None = None


class FixtureToken(msgspec.Struct, rename="camel", kw_only=True, forbid_unknown_fields=True):
    """A token to make with the store (its value given: a fixture is read, never written,
    with tokens, since only their hashes are kept)."""

    token: str
    scopes: list[str] | None = None  # None: every customer scope
    webhook_url: str | None = None
    client_secret: str | None = None
    webhook_events: list[str] | None = None


class Fixture(msgspec.Struct, rename="camel", kw_only=True, forbid_unknown_fields=True):
    format: str = FORMAT
    store: FixtureStore = msgspec.field(default_factory=FixtureStore)
    next_ids: NextIds = msgspec.field(default_factory=NextIds)
    customer_groups: list[CustomerGroup] = msgspec.field(default_factory=list)
    extra_fields: list[ExtraFieldDefinition] = msgspec.field(default_factory=list)
    customers: list[dict[str, Any]] = msgspec.field(default_factory=list)
    deleted_customers: list[DeletedCustomer] = msgspec.field(default_factory=list)
    tokens: list[FixtureToken] = msgspec.field(default_factory=list)


_encode = msgspec.json.Encoder().encode
# What a fixture entry without ``stats`` is read with (its real stats are checked apart).
_NO_ORDERS_JSON = msgspec.to_builtins(no_orders())


def to_json(dump: StoreDump) -> bytes:
    store = dump.store
    fixture = {
        "format": FORMAT,
        "store": FixtureStore(
            id=store.id,
            languages=list(store.languages),
            legacy_sign_in=store.legacy_sign_in,
            customer_groups_enabled=store.customer_groups_enabled,
            suspended=store.suspended,
            rate_limit=store.rate_limit,
        ),
        "nextIds": dump.next_ids,
        "customerGroups": dump.groups,
        "extraFields": dump.extra_fields,
        "customers": [
            FixtureCustomer(
                **msgspec.structs.asdict(entry.customer),
                password_hash=entry.password_hash,
                purchased_product_ids=list(entry.purchased_product_ids) or None,
            )
            for entry in dump.customers
        ],
        "deletedCustomers": dump.deleted,
    }
    return msgspec.json.format(_encode(fixture), indent=2) + b"\n"


def _bad(where: str, detail: object) -> errors.EcwidError:
    return errors.control_bad_request(f"fixture {where}: {detail}")


def parse(body: bytes) -> Fixture:
    try:
        fixture = msgspec.json.decode(body, type=Fixture)
    except msgspec.DecodeError as error:
        raise _bad("is not valid", error) from None
    if fixture.format != FORMAT:
        raise _bad("format", f"expected {FORMAT!r}, got {fixture.format!r}")
    for index, entry in enumerate(fixture.tokens):
        _token_parts(f"tokens[{index}]", entry)
    return fixture


def _token_parts(where: str, entry: FixtureToken) -> tuple[tuple[str, ...], TokenWebhook | None]:
    try:
        check_token_format(entry.token)
        scopes = CUSTOMER_SCOPES if entry.scopes is None else parse_scopes(",".join(entry.scopes))
        webhook = admin.token_webhook(entry.webhook_url, entry.client_secret, entry.webhook_events)
    except ValueError as error:
        raise _bad(where, error) from None
    return scopes, webhook


async def load(
    storage: Storage, fixture: Fixture, *, store_id: int | None, now: int, stored_at: int
) -> StoreDump:
    """Make the store exactly the fixture (``to_dump`` with ``now`` on the store's clock, then
    ``import_store`` at ``stored_at``), then make its tokens; a token the store already has
    stays as it is, so loading a fixture again changes only the store's content."""
    dump = to_dump(fixture, store_id=store_id, now=now)
    await storage.import_store(dump, now=stored_at)
    await make_tokens(storage, dump.store.id, fixture)
    return dump


async def make_tokens(storage: Storage, store_id: int, fixture: Fixture) -> None:
    """Make the fixture's tokens in the store, but for those it already has."""
    for index, entry in enumerate(fixture.tokens):
        scopes, webhook = _token_parts(f"tokens[{index}]", entry)
        with contextlib.suppress(TokenExists):
            await admin.issue_token(storage, store_id, scopes, token=entry.token, webhook=webhook)


def check_store_settings(spec: FixtureStore) -> None:
    """Settings a store can have, or ``CONTROL_BAD_REQUEST`` (also for ``POST /stores``)."""
    if spec.id is not None and not is_store_id(spec.id):
        raise errors.control_bad_request("a store id is a positive integer below 2^63")
    if not spec.languages or any(not code or "," in code for code in spec.languages):
        raise errors.control_bad_request('a store needs at least one language, like "en"')
    if spec.rate_limit is not None and not 0 <= spec.rate_limit <= MAX_RATE_LIMIT:
        raise errors.control_bad_request(f"rateLimit is from 0 (off) to {MAX_RATE_LIMIT}")


def _time(where: str, text: str) -> int:
    """A time of the fixture, as Ecwid writes them and within what it can show."""
    try:
        seconds = parse_ecwid_time(text)
    except ValueError:
        raise _bad(where, f"cannot read the time {text!r}") from None
    if not in_time_range(seconds):
        raise _bad(where, f"the time {text!r} is outside 1970 to 9999")
    return seconds


def to_dump(
    fixture: Fixture,
    *,
    store_id: int | None,
    now: int,
    checked: Callable[[int], None] | None = None,
) -> StoreDump:
    """The store the fixture describes, with id ``store_id`` (or the fixture's own).
    ``checked(n)`` hears of each ``n`` customers checked (a progress bar's step).

    Raises ``CONTROL_BAD_REQUEST`` naming the entry at fault; nothing is stored by then.
    """
    chosen = store_id if store_id is not None else fixture.store.id
    if chosen is None:
        raise _bad("store.id", "missing, and no store id was given")
    spec = fixture.store
    check_store_settings(msgspec.structs.replace(spec, id=chosen))
    store = Store(
        id=chosen,
        languages=tuple(spec.languages),
        legacy_sign_in=spec.legacy_sign_in,
        customer_groups_enabled=spec.customer_groups_enabled,
        suspended=spec.suspended,
        rate_limit=spec.rate_limit,
    )
    known_groups = {GENERAL_GROUP_ID} | {group.id for group in fixture.customer_groups}
    definitions = {field.key: field for field in fixture.extra_fields}
    step = checked or _no_step
    kept: list[DumpedCustomer] = []
    new: list[tuple[int, CustomerInput, OrderHistory]] = []
    for index, sent in enumerate(fixture.customers):
        where = f"customers[{index}]"
        try:
            # The stand-in's history is checked on its own: the rest is a customer as the API
            # shows it (an entry with an id) or as a POST takes it (one without).
            entry = {k: v for k, v in sent.items() if k not in ("stats", "purchasedProductIds")}
            history = order_history(sent.get("stats"), sent.get("purchasedProductIds"))
            if "id" in entry:
                customer = msgspec.convert({**entry, "stats": _NO_ORDERS_JSON}, FixtureCustomer)
                if customer.customer_group_id not in known_groups:
                    raise _bad(where, f"unknown customerGroupId {customer.customer_group_id}")
                _time(where, customer.registered), _time(where, customer.updated)
                if checked_email(customer.email) != customer.email:
                    raise _bad(where, f"the email {customer.email!r} has spaces around it")
                plain = Customer(
                    **{
                        name: value
                        for name, value in msgspec.structs.asdict(customer).items()
                        if name not in ("password_hash", "purchased_product_ids")
                    }
                )
                plain.stats = history.stats
                kept.append(
                    DumpedCustomer(
                        customer=plain,
                        password_hash=customer.password_hash,
                        purchased_product_ids=history.purchased_product_ids,
                    )
                )
            else:
                new.append((index, msgspec.convert(entry, CustomerInput), history))
        except errors.EcwidError as error:
            if error.code.startswith("CONTROL_"):
                raise
            raise _bad(where, error.message) from None
        except (msgspec.ValidationError, ValueError) as error:
            raise _bad(where, error) from None
        if "id" in entry:
            step(1)
    for deleted in fixture.deleted_customers:
        _time("deletedCustomers", deleted.date)
    for field in fixture.extra_fields:
        _time("extraFields", field.created_date), _time("extraFields", field.last_modified_date)
    dump = StoreDump(
        store=store,
        next_ids=fixture.next_ids,
        groups=fixture.customer_groups,
        extra_fields=fixture.extra_fields,
        customers=kept,
        deleted=fixture.deleted_customers,
    )
    return _checked(_with_new_customers(dump, new, known_groups, definitions, now, step))


def _no_step(count: int) -> None:
    """No one listens for progress."""


def _checked(dump: StoreDump) -> StoreDump:
    """Refuse entries that collide, naming the first: storage would only say "a constraint"."""

    def first_repeat(values: list[Any]) -> Any:
        seen: set[Any] = set()
        for value in values:
            if value in seen:
                return value
            seen.add(value)
        return None

    customers = [entry.customer for entry in dump.customers]
    checks = (
        ("customers", "id", [c.id for c in customers]),
        ("customers", "email", [email_key(c.email) for c in customers]),
        ("customers", "contact id", [k.id for c in customers for k in c.contacts]),
        ("customers", "address id", [a.id for c in customers for a in c.shipping_addresses]),
        ("customerGroups", "id", [g.id for g in dump.groups]),
        ("extraFields", "key", [f.key for f in dump.extra_fields]),
        ("deletedCustomers", "id", [d.id for d in dump.deleted] + [c.id for c in customers]),
    )
    for where, what, values in checks:
        repeated = first_repeat(values)
        if repeated is not None:
            raise _bad(where, f"two entries share the {what} {repeated!r}")
    ids: tuple[tuple[str, list[int]], ...] = (
        ("customers", [c.id for c in customers]),
        ("customers' contacts", [k.id for c in customers for k in c.contacts]),
        ("customers' shippingAddresses", [a.id for c in customers for a in c.shipping_addresses]),
        ("customerGroups (0 is General, always there)", [g.id for g in dump.groups]),
        ("deletedCustomers", [d.id for d in dump.deleted]),
        ("nextIds", list(msgspec.structs.astuple(dump.next_ids))),
    )
    for where, numbers in ids:
        if not all(is_entity_id(number) for number in numbers):
            raise _bad(where, f"ids run from 1 to {MAX_ID}")
    return dump


def _with_new_customers(
    dump: StoreDump,
    new: list[tuple[int, CustomerInput, OrderHistory]],
    known_groups: set[int],
    definitions: dict[str, ExtraFieldDefinition],
    now: int,
    step: Callable[[int], None],
) -> StoreDump:
    """Number hand-written customers after the fixture's own ids, as creates would."""
    if not new:
        return dump
    ids = dump.counters()
    customer_id, contact_id, address_id = ids.customer, ids.contact, ids.address
    added = list(dump.customers)
    for index, sent, history in new:
        where = f"customers[{index}]"
        try:
            draft = build_new_customer(sent, store=dump.store, now=now, definitions=definitions)
        except errors.EcwidError as error:
            raise _bad(where, error.message) from None
        if draft.customer.customer_group_id not in known_groups:
            raise _bad(where, f"unknown customerGroupId {draft.customer.customer_group_id}")
        contacts, addresses = new_ids_needed(draft.customer)
        numbered = assign_ids(
            draft.customer,
            customer_id=customer_id,
            first_contact_id=contact_id,
            first_address_id=address_id,
        )
        numbered.registered = numbered.updated = format_ecwid_time(now)
        numbered.stats = history.stats
        step(1)
        customer_id, contact_id, address_id = (
            customer_id + 1,
            contact_id + contacts,
            address_id + addresses,
        )
        # Kept only where a POST would keep it: stores on the legacy sign-in (Q20).
        password = password_to_keep(sent, dump.store)
        added.append(
            DumpedCustomer(
                customer=numbered,
                password_hash=hash_password(password) if password else None,
                purchased_product_ids=history.purchased_product_ids,
            )
        )
    return msgspec.structs.replace(
        dump,
        customers=added,
        next_ids=NextIds(
            customer=customer_id, contact=contact_id, address=address_id, group=ids.group
        ),
    )
