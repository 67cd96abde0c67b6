"""The storage contract: what every backend must do, run against each real backend."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable

import msgspec
import pytest

from ecwid_customers.domain.create import build_new_customer
from ecwid_customers.domain.inputs import CustomerInput
from ecwid_customers.domain.models import Customer, CustomerDraft, Store
from ecwid_customers.domain.tokens import hash_token
from ecwid_customers.storage import open_storage
from ecwid_customers.storage.base import NewToken, Storage
from ecwid_customers.storage.core.storage import ACCESS_CACHE_SIZE
from ecwid_customers.storage.errors import (
    EmailTaken,
    GroupNotFound,
    StoreExists,
    StoreNotFound,
    TokenExists,
)

STORE = Store(id=1003, languages=("en",))


def reader_token(token_hash: bytes) -> NewToken:
    """A secret token with ``read_customers``, as storage keeps it."""
    return NewToken(token_hash=token_hash, kind="secret", scopes=("read_customers",), hint="h")


NOW = 1_750_000_000


@pytest.fixture
async def backend(storage: Storage) -> Storage:
    """Each real backend (the ``storage`` fixture runs once per engine) with store 1003."""
    await storage.create_store(STORE, now=NOW)
    return storage


def new_customer(email: str, **fields: object) -> CustomerDraft:
    sent = CustomerInput(email=email, **fields)  # type: ignore[arg-type]
    return build_new_customer(sent, store=STORE, now=NOW)


async def test_created_customer_reads_back_numbered(backend: Storage) -> None:
    new = new_customer(
        "a@example.net",
        contacts=None,
        shipping_addresses=[],
    )
    customer_id = await backend.create_customer(1003, new, now=NOW)
    customer = await backend.get_customer(1003, customer_id)
    assert customer is not None
    assert customer.id == customer_id
    assert customer.email == "a@example.net"
    assert customer.customer_group_name == "General"
    assert [contact.id for contact in customer.contacts] == [1]


async def test_ids_of_customers_contacts_and_addresses_never_repeat(backend: Storage) -> None:
    from ecwid_customers.domain.inputs import ContactInput, ShippingAddressInput

    seen_contacts: set[int] = set()
    seen_addresses: set[int] = set()
    customer_ids = []
    for n in range(3):
        new = new_customer(
            f"c{n}@example.net",
            contacts=[ContactInput(contact="+1", type="PHONE")],
            shipping_addresses=[ShippingAddressInput(city="A"), ShippingAddressInput(city="B")],
        )
        customer_id = await backend.create_customer(1003, new, now=NOW)
        customer = await backend.get_customer(1003, customer_id)
        assert customer is not None
        customer_ids.append(customer_id)
        contact_ids = {contact.id for contact in customer.contacts}
        address_ids = {address.id for address in customer.shipping_addresses}
        assert len(contact_ids) == 2
        assert len(address_ids) == 2
        assert not contact_ids & seen_contacts
        assert not address_ids & seen_addresses
        seen_contacts |= contact_ids
        seen_addresses |= address_ids
    assert customer_ids == [1, 2, 3]


async def test_failed_create_does_not_consume_an_id(backend: Storage) -> None:
    await backend.create_customer(1003, new_customer("a@example.net"), now=NOW)
    with pytest.raises(EmailTaken):
        await backend.create_customer(1003, new_customer("A@example.net"), now=NOW)
    assert await backend.create_customer(1003, new_customer("b@example.net"), now=NOW) == 2


async def test_duplicate_email_is_409_also_when_racing(backend: Storage) -> None:
    results = await asyncio.gather(
        *(
            backend.create_customer(1003, new_customer("Same@Example.net"), now=NOW)
            for _ in range(10)
        ),
        return_exceptions=True,
    )
    ids = [result for result in results if isinstance(result, int)]
    conflicts = [result for result in results if isinstance(result, EmailTaken)]
    assert len(ids) == 1
    assert len(conflicts) == 9


async def test_one_failing_write_in_a_batch_leaves_the_others(backend: Storage) -> None:
    await backend.create_customer(1003, new_customer("taken@example.net"), now=NOW)
    emails = ["x1@example.net", "taken@example.net", "x2@example.net", "x3@example.net"]
    results = await asyncio.gather(
        *(backend.create_customer(1003, new_customer(email), now=NOW) for email in emails),
        return_exceptions=True,
    )
    assert isinstance(results[1], EmailTaken)
    for index in (0, 2, 3):
        customer_id = results[index]
        assert isinstance(customer_id, int)
        customer = await backend.get_customer(1003, customer_id)
        assert customer is not None
        assert customer.email == emails[index]


async def test_unknown_group_is_404_and_stores_nothing(backend: Storage) -> None:
    with pytest.raises(GroupNotFound) as caught:
        await backend.create_customer(
            1003, new_customer("a@example.net", customer_group_id=4), now=NOW
        )
    assert caught.value.id == 4
    assert (await backend.list_stores())[0].customers == 0


async def test_group_name_is_read_with_the_customer(backend: Storage) -> None:
    group_id = await backend.create_customer_group(1003, name="VIP", external_reference_id="crm-1")
    assert group_id == 1
    customer_id = await backend.create_customer(
        1003, new_customer("a@example.net", customer_group_id=group_id), now=NOW
    )
    customer = await backend.get_customer(1003, customer_id)
    assert customer is not None
    assert customer.customer_group_name == "VIP"


async def test_customers_are_invisible_to_other_stores(backend: Storage) -> None:
    await backend.create_store(Store(id=2002, languages=("en",)), now=NOW)
    customer_id = await backend.create_customer(1003, new_customer("a@example.net"), now=NOW)
    assert await backend.get_customer(2002, customer_id) is None
    assert await backend.get_customer(1003, customer_id) is not None


async def test_store_ids_are_unique(backend: Storage) -> None:
    with pytest.raises(StoreExists):
        await backend.create_store(STORE, now=NOW)


async def test_access_resolves_store_then_token(backend: Storage) -> None:
    token_hash = hash_token("secret_abc")
    info = await backend.create_token(
        1003,
        reader_token(token_hash),
        now=NOW,
    )
    access = await backend.access(1003, token_hash)
    assert access.store == STORE
    assert access.grant is not None
    assert access.grant.scopes == frozenset({"read_customers"})
    assert (await backend.access(1003, hash_token("secret_other"))).grant is None
    assert (await backend.access(1003, None)).grant is None
    assert (await backend.access(4004, token_hash)).store is None

    assert await backend.revoke_token(info.id, now=NOW + 1)
    assert not await backend.revoke_token(info.id, now=NOW + 2)  # already revoked
    assert (await backend.access(1003, token_hash)).grant is None
    (listed,) = await backend.list_tokens(1003)
    assert listed.revoked_at == NOW + 1


@pytest.fixture
async def elsewhere(
    backend: Storage, engine: str, request: pytest.FixtureRequest
) -> AsyncIterator[Storage]:
    """A second storage on the same database, as another process (a CLI command) is."""
    if engine == "sqlite":
        url = f"sqlite:///{request.getfixturevalue('migrated_sqlite')}"
    else:
        url = request.getfixturevalue("postgres_database")
    other = open_storage(url)
    await other.open()
    yield other
    await other.close()


async def seen(check: Callable[[], Awaitable[bool]], engine: str) -> bool:
    """Whether ``check`` holds: at once on SQLite (its change stamp sees every commit); on
    PostgreSQL once the change's notice has arrived (a round trip after the commit at most,
    here: the loop must read it from the listener's socket), waiting a few seconds at most."""
    if engine == "sqlite":
        return await check()
    for _ in range(500):
        if await check():
            return True
        await asyncio.sleep(0.01)
    return False


async def test_access_sees_what_another_connection_changed(
    backend: Storage, elsewhere: Storage, engine: str
) -> None:
    """Access answers may be kept between requests; a change made through any connection
    (here another storage, as another server process or ``token revoke`` run by hand is)
    still counts: at once on SQLite, once its notice arrives on PostgreSQL."""
    token_hash = hash_token("secret_abc")
    info = await backend.create_token(1003, reader_token(token_hash), now=NOW)
    for _ in range(3):
        assert (await backend.access(1003, token_hash)).grant is not None

    async def suspended() -> bool:
        store = (await backend.access(1003, token_hash)).store
        return store is not None and store.suspended

    async def revoked() -> bool:
        return (await backend.access(1003, token_hash)).grant is None

    async def deleted() -> bool:
        return (await backend.access(1003, token_hash)).store is None

    assert await elsewhere.set_store_suspended(1003, True)
    assert await seen(suspended, engine)
    assert await elsewhere.revoke_token(info.id, now=NOW + 1)
    assert await seen(revoked, engine)
    assert await elsewhere.delete_store(1003)
    assert await seen(deleted, engine)


async def test_customer_json_is_the_customer_read_encoded(backend: Storage) -> None:
    customer_id = await backend.create_customer(1003, new_customer("a@example.net"), now=NOW)
    for _ in range(2):  # made, then kept
        assert await backend.get_customer_json(1003, customer_id) == msgspec.json.encode(
            await backend.get_customer(1003, customer_id)
        )
    assert await backend.get_customer_json(1003, customer_id + 1) is None
    assert await backend.get_customer_json(2002, customer_id) is None


async def test_customer_json_sees_what_another_connection_changed(
    backend: Storage, elsewhere: Storage
) -> None:
    """A customer's JSON may be kept between reads; any connection's change (here another
    storage's, as another server process's) is in the next read, on every engine."""
    customer_id = await backend.create_customer(1003, new_customer("a@example.net"), now=NOW)
    before = await backend.get_customer_json(1003, customer_id)
    assert before is not None
    assert b'"noted"' not in before

    def noted(customer: Customer) -> Customer:
        return msgspec.structs.replace(customer, private_admin_notes="noted")

    await elsewhere.update_customer(1003, customer_id, noted, now=NOW + 5)
    after = await backend.get_customer_json(1003, customer_id)
    assert after == msgspec.json.encode(await elsewhere.get_customer(1003, customer_id))
    assert after is not None
    assert b'"privateAdminNotes":"noted"' in after
    assert await elsewhere.delete_customer(1003, customer_id, now=NOW + 6)
    assert await backend.get_customer_json(1003, customer_id) is None


async def test_access_changes_of_the_same_storage_count_at_once(backend: Storage) -> None:
    token_hash = hash_token("secret_abc")
    info = await backend.create_token(1003, reader_token(token_hash), now=NOW)
    assert (await backend.access(1003, token_hash)).grant is not None
    assert await backend.revoke_token(info.id, now=NOW + 1)
    assert (await backend.access(1003, token_hash)).grant is None
    other_hash = hash_token("secret_new")
    assert (await backend.access(1003, other_hash)).grant is None  # a refusal, kept
    await backend.create_token(1003, reader_token(other_hash), now=NOW)
    assert (await backend.access(1003, other_hash)).grant is not None


async def test_access_answers_kept_stay_bounded(backend: Storage) -> None:
    for number in range(ACCESS_CACHE_SIZE + 10):
        await backend.access(1003, hash_token(f"secret_made_up_{number}"))
    assert len(backend._access) <= ACCESS_CACHE_SIZE  # type: ignore[attr-defined]


async def test_token_for_unknown_store_is_refused(backend: Storage) -> None:
    with pytest.raises(StoreNotFound) as caught:
        await backend.create_token(
            9,
            reader_token(b"x"),
            now=NOW,
        )
    assert caught.value.id == 9


async def test_data_survives_reopening(engine: str, request: pytest.FixtureRequest) -> None:
    url = (
        f"sqlite:///{request.getfixturevalue('migrated_sqlite')}"
        if engine == "sqlite"
        else request.getfixturevalue("postgres_database")
    )
    first = open_storage(url)
    await first.open()
    await first.create_store(STORE, now=NOW)
    customer_id = await first.create_customer(1003, new_customer("a@example.net"), now=NOW)
    await first.close()

    second = open_storage(url)
    await second.open()
    try:
        customer = await second.get_customer(1003, customer_id)
        assert customer is not None
        assert customer.email == "a@example.net"
        assert (
            await second.create_customer(1003, new_customer("b@example.net"), now=NOW)
            == customer_id + 1
        )
    finally:
        await second.close()


async def test_get_store_is_the_listed_summary(backend: Storage) -> None:
    await backend.create_store(Store(id=2002, languages=("en", "fr"), suspended=True), now=NOW)
    await backend.create_customer(2002, new_customer("a@example.net"), now=NOW)
    await backend.create_token(
        2002,
        reader_token(b"t"),
        now=NOW,
    )
    listed = {summary.store.id: summary for summary in await backend.list_stores()}
    for store_id in (1003, 2002):
        assert await backend.get_store(store_id) == listed[store_id]
    found = await backend.get_store(2002)
    assert found is not None
    assert (found.customers, found.tokens, found.store.languages) == (1, 1, ("en", "fr"))
    assert await backend.get_store(4004) is None


async def test_a_taken_token_value_is_refused(backend: Storage) -> None:
    token = reader_token(b"t")
    await backend.create_token(1003, token, now=NOW)
    with pytest.raises(TokenExists):
        await backend.create_token(1003, token, now=NOW)
    assert len(await backend.list_tokens(1003)) == 1
