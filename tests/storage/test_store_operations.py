"""The storage contract for whole-store operations: delete, reset, export and import.

Run against each real backend (the ``storage`` fixture runs once per engine).
"""

from __future__ import annotations

import functools

import msgspec
import pytest

from ecwid_customers.domain.clock import format_ecwid_time
from ecwid_customers.domain.create import build_new_customer, password_to_keep
from ecwid_customers.domain.inputs import ContactInput, CustomerInput, ShippingAddressInput
from ecwid_customers.domain.models import ExtraFieldDefinition, Store
from ecwid_customers.domain.passwords import hash_password, verify_password
from ecwid_customers.domain.search import CustomerQuery
from ecwid_customers.domain.tokens import hash_token
from ecwid_customers.storage.base import (
    DumpedCustomer,
    NewToken,
    NextIds,
    Storage,
    StoreDump,
    StoreSummary,
)
from ecwid_customers.storage.errors import EmailTaken


def reader_token(token_hash: bytes) -> NewToken:
    """A secret token with ``read_customers``, as storage keeps it."""
    return NewToken(token_hash=token_hash, kind="secret", scopes=("read_customers",), hint="h")


NOW = 1_750_000_000
LEGACY = Store(id=1, languages=("en", "fr"), legacy_sign_in=True, rate_limit=30)
OTHER = Store(id=2, languages=("en",), customer_groups_enabled=False)
TOKEN = hash_token("secret_" + "a" * 32)
OTHER_TOKEN = hash_token("secret_" + "b" * 32)


@functools.cache
def hashed(password: str) -> str:
    """An argon2 hash of the password, made once per process (each costs a fifth of a second)."""
    return hash_password(password)


def definition(key: str, title: str, at: int) -> ExtraFieldDefinition:
    return ExtraFieldDefinition(
        key=key,
        title=title,
        type="TEXT",
        shown_on_order_details=False,
        entity_types=["CUSTOMERS"],
        linked_with_checkout_field=False,
        created_date=format_ecwid_time(at),
        last_modified_date=format_ecwid_time(at),
    )


async def add_customer(storage: Storage, store: Store, email: str, **fields: object) -> int:
    sent = CustomerInput(email=email, **fields)  # type: ignore[arg-type]
    draft = build_new_customer(sent, store=store, now=NOW)
    password = password_to_keep(sent, store)  # as the create view does
    if password:
        draft = msgspec.structs.replace(draft, password_hash=hashed(password))
    return await storage.create_customer(store.id, draft, now=NOW)


async def fill(storage: Storage, store: Store, token_hash: bytes) -> None:
    """The store with a token, two groups (one deleted), two extra fields, three customers
    (one deleted) with contacts and addresses."""
    await storage.create_store(store, now=NOW)
    await storage.create_token(
        store.id,
        reader_token(token_hash),
        now=NOW,
    )
    vip = await storage.create_customer_group(store.id, name="VIP", external_reference_id="x")
    gone = await storage.create_customer_group(store.id, name="Gone")
    assert await storage.delete_customer_group(store.id, gone, now=NOW)
    await storage.create_customer_group(store.id, name="Wholesale")
    assert await storage.create_extra_field(store.id, definition("zz", "Late", NOW + 5), now=NOW)
    assert await storage.create_extra_field(store.id, definition("aa", "Early", NOW), now=NOW)
    await add_customer(
        storage,
        store,
        f"ann@{store.id}.example.net",
        customer_group_id=vip,
        password="s3cret-Pa55",
        contacts=[ContactInput(contact="+1", type="PHONE")],
        shipping_addresses=[ShippingAddressInput(city="A"), ShippingAddressInput(city="B")],
    )
    deleted = await add_customer(storage, store, f"gone@{store.id}.example.net")
    await add_customer(storage, store, f"bob@{store.id}.example.net")
    assert await storage.delete_customer(store.id, deleted, now=NOW + 60)


@pytest.fixture
async def stores(storage: Storage) -> Storage:
    """Stores 1 (legacy sign-in) and 2, each filled the same way."""
    await fill(storage, LEGACY, TOKEN)
    await fill(storage, OTHER, OTHER_TOKEN)
    return storage


async def summary(storage: Storage, store_id: int) -> StoreSummary | None:
    return next((s for s in await storage.list_stores() if s.store.id == store_id), None)


async def export(storage: Storage, store_id: int) -> StoreDump:
    dump = await storage.export_store(store_id)
    assert dump is not None
    return dump


def moved(dump: StoreDump, store_id: int) -> StoreDump:
    return msgspec.structs.replace(dump, store=msgspec.structs.replace(dump.store, id=store_id))


# -- export ------------------------------------------------------------------------------------


async def test_export_reads_the_whole_store_in_id_order(stores: Storage) -> None:
    dump = await export(stores, 1)
    assert dump.store == LEGACY
    assert dump.next_ids == NextIds(customer=4, contact=5, address=3, group=4)
    assert [(g.id, g.name, g.external_reference_id) for g in dump.groups] == [
        (1, "VIP", "x"),
        (3, "Wholesale", None),
    ]
    assert [f.key for f in dump.extra_fields] == ["aa", "zz"]  # by creation time
    assert [entry.customer.id for entry in dump.customers] == [1, 3]
    ann, bob = dump.customers
    assert ann.customer == await stores.get_customer(1, 1)
    assert ann.customer.customer_group_name == "VIP"
    assert ann.password_hash is not None
    assert verify_password(ann.password_hash, "s3cret-Pa55")
    assert bob.password_hash is None
    assert [(d.id, d.date) for d in dump.deleted] == [(2, format_ecwid_time(NOW + 60))]


async def test_export_of_an_unknown_store_is_none(stores: Storage) -> None:
    assert await stores.export_store(3) is None


# -- import ------------------------------------------------------------------------------------


async def test_import_into_a_new_store_reads_back_the_same(stores: Storage) -> None:
    copy = moved(await export(stores, 1), 3)
    await stores.import_store(copy, now=NOW)
    assert await export(stores, 3) == copy
    found = await summary(stores, 3)
    assert found is not None
    assert (found.customers, found.tokens) == (2, 0)
    assert (await stores.access(3, TOKEN)).grant is None  # tokens are not part of a dump
    assert await stores.get_customer(3, 1) == await stores.get_customer(1, 1)


async def test_import_over_a_store_replaces_content_and_settings_and_keeps_tokens(
    stores: Storage,
) -> None:
    replacement = moved(await export(stores, 1), 2)
    await stores.import_store(replacement, now=NOW)
    assert await export(stores, 2) == replacement
    access = await stores.access(2, OTHER_TOKEN)
    assert access.store == msgspec.structs.replace(LEGACY, id=2)
    assert access.grant is not None
    found = await summary(stores, 2)
    assert found is not None
    assert (found.customers, found.tokens) == (2, 1)


async def test_imported_customers_are_indexed_like_created_ones(stores: Storage) -> None:
    await stores.import_store(moved(await export(stores, 1), 3), now=NOW)
    store = msgspec.structs.replace(LEGACY, id=3)
    with pytest.raises(EmailTaken):
        await add_customer(stores, store, "ANN@1.example.net")
    page = await stores.search_customers(3, CustomerQuery(email="bob@1.example.net"))
    assert [c.id for c in page.items] == [3]
    page = await stores.search_customers(3, CustomerQuery(group_ids=(1,)))
    assert [c.email for c in page.items] == ["ann@1.example.net"]


async def test_import_raises_the_counters_past_every_id(stores: Storage) -> None:
    low = msgspec.structs.replace(moved(await export(stores, 1), 3), next_ids=NextIds())
    await stores.import_store(low, now=NOW)
    assert (await export(stores, 3)).next_ids == NextIds(customer=4, contact=5, address=3,
                                                          group=4)  # fmt: skip
    store = msgspec.structs.replace(LEGACY, id=3)
    assert await add_customer(stores, store, "new@example.net") == 4  # not 2: it was deleted
    assert await stores.create_customer_group(3, name="New") == 4


async def test_import_keeps_counters_ahead_of_the_ids(stores: Storage) -> None:
    high = NextIds(customer=50, contact=60, address=70, group=80)
    await stores.import_store(
        msgspec.structs.replace(moved(await export(stores, 1), 3), next_ids=high), now=NOW
    )
    store = msgspec.structs.replace(LEGACY, id=3)
    new = await add_customer(
        stores, store, "new@example.net", shipping_addresses=[ShippingAddressInput(city="C")]
    )
    customer = await stores.get_customer(3, new)
    assert customer is not None
    assert (customer.id, customer.contacts[0].id, customer.shipping_addresses[0].id) == (
        50,
        60,
        70,
    )
    assert await stores.create_customer_group(3, name="New") == 80


async def test_import_of_an_empty_dump_empties_the_store(stores: Storage) -> None:
    empty = StoreDump(
        store=OTHER, next_ids=NextIds(), groups=[], extra_fields=[], customers=[], deleted=[]
    )
    await stores.import_store(empty, now=NOW)
    assert await export(stores, 2) == empty
    assert await add_customer(stores, OTHER, "a@example.net") == 1


def with_duplicate_email(dump: StoreDump) -> StoreDump:
    first = dump.customers[0]
    twin = DumpedCustomer(
        customer=msgspec.structs.replace(
            first.customer, id=99, email=first.customer.email.upper(), contacts=[]
        )
    )
    return msgspec.structs.replace(dump, customers=[*dump.customers, twin])


async def test_import_with_a_duplicate_email_is_409_and_changes_nothing(stores: Storage) -> None:
    before = await export(stores, 2)
    with pytest.raises(EmailTaken):
        await stores.import_store(with_duplicate_email(moved(await export(stores, 1), 2)), now=NOW)
    assert await export(stores, 2) == before
    assert (await stores.access(2, OTHER_TOKEN)).store == OTHER


async def test_failed_import_makes_no_store(stores: Storage) -> None:
    with pytest.raises(EmailTaken):
        await stores.import_store(with_duplicate_email(moved(await export(stores, 1), 3)), now=NOW)
    assert await stores.export_store(3) is None
    assert await summary(stores, 3) is None


# -- reset -------------------------------------------------------------------------------------


async def test_reset_empties_the_store_and_keeps_settings_and_tokens(stores: Storage) -> None:
    assert await stores.reset_store(1)
    dump = await export(stores, 1)
    assert dump == StoreDump(
        store=LEGACY, next_ids=NextIds(), groups=[], extra_fields=[], customers=[], deleted=[]
    )
    access = await stores.access(1, TOKEN)
    assert access.store == LEGACY
    assert access.grant is not None
    found = await summary(stores, 1)
    assert found is not None
    assert (found.customers, found.tokens) == (0, 1)
    assert await add_customer(stores, LEGACY, "ann@1.example.net") == 1  # the email is free
    found = await summary(stores, 1)
    assert found is not None
    assert found.customers == 1  # counted from zero again
    assert await stores.create_customer_group(1, name="VIP") == 1
    assert (await stores.list_extra_fields(1)) == []


async def test_reset_of_an_unknown_store_is_false(stores: Storage) -> None:
    assert not await stores.reset_store(3)
    assert await summary(stores, 3) is None


# -- delete ------------------------------------------------------------------------------------


async def test_delete_removes_the_store_and_everything_in_it(stores: Storage) -> None:
    assert await stores.delete_store(1)
    assert await stores.export_store(1) is None
    assert await summary(stores, 1) is None
    assert (await stores.access(1, TOKEN)).store is None
    assert await stores.get_customer(1, 1) is None
    assert await stores.list_tokens(1) == []
    assert not await stores.delete_store(1)


async def test_store_made_again_after_delete_starts_empty(stores: Storage) -> None:
    assert await stores.delete_store(1)
    await stores.create_store(LEGACY, now=NOW)
    assert await export(stores, 1) == StoreDump(
        store=LEGACY, next_ids=NextIds(), groups=[], extra_fields=[], customers=[], deleted=[]
    )
    assert (await stores.access(1, TOKEN)).grant is None
    assert await add_customer(stores, LEGACY, "ann@1.example.net") == 1


async def test_delete_of_an_unknown_store_is_false(stores: Storage) -> None:
    assert not await stores.delete_store(3)
    assert [s.store.id for s in await stores.list_stores()] == [1, 2]


# -- isolation ---------------------------------------------------------------------------------


async def test_whole_store_operations_leave_other_stores_alone(stores: Storage) -> None:
    before = await export(stores, 2)
    await stores.import_store(moved(await export(stores, 2), 1), now=NOW)
    assert await stores.reset_store(1)
    await stores.import_store(moved(before, 3), now=NOW)
    assert await stores.delete_store(1)
    assert await stores.delete_store(3)
    assert await export(stores, 2) == before
    assert (await stores.access(2, OTHER_TOKEN)).grant is not None
    found = await summary(stores, 2)
    assert found is not None
    assert (found.customers, found.tokens) == (2, 1)
