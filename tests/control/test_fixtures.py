"""Store fixtures: export and import through ``/_control``, and the format on its own.

An export imported into another store exports byte for byte the same (but for the store id);
customers written by hand (without ``id``) come out as the same POST would have made them; a
bad fixture is 400 CONTROL_BAD_REQUEST and changes nothing.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from ecwid_customers import errors
from ecwid_customers.control import fixtures
from ecwid_customers.domain.passwords import verify_password
from ecwid_customers.storage.base import NextIds
from tests.control.conftest import INERT_ROUTE, ApiStore, Kit
from tests.support import assert_error, full_customer_body

T = 1_650_000_000  # 2022-04-15 05:20:00 UTC
T_TEXT = "2022-04-15 05:20:00 +0000"
PASSWORD = "correct horse battery staple"


def with_store_id(export: bytes, store_id: int) -> bytes:
    """The export as store ``store_id`` would show it: the store's id is its first "id"."""
    document = json.loads(export)
    old = f'"id": {document["store"]["id"]},'.encode()
    assert export.count(b'"store": {\n    ' + old) == 1
    return export.replace(old, f'"id": {store_id},'.encode(), 1)


async def rich_store(kit: Kit, store_id: int = 1) -> ApiStore:
    """A store with something in every part of a fixture, made through the API."""
    store = await kit.new_store(
        id=store_id, languages=["en", "fr"], legacySignIn=True, rateLimit=0, frozenAt=T
    )
    vip = await kit.add_group(store, "VIP")
    temporary = await kit.add_group(store, "Temporary")
    await kit.api_ok(store, "POST", "customer_groups",
                     json={"name": "Wholesale", "externalReferenceId": "ext-3"})  # fmt: skip
    await kit.api_ok(store, "DELETE", f"customer_groups/{temporary}")
    heard = {"title": "Heard of us", "type": "TEXT"}
    field = (await kit.api_ok(store, "POST", "store_extrafields/customers", json=heard))["key"]
    await kit.ok("POST", f"/stores/{store_id}/clock", json={"advance": 5})
    await kit.api_ok(store, "POST", "store_extrafields/customers",
                     json={"title": "Size", "type": "SELECT"})  # fmt: skip
    full = {**full_customer_body("ann@example.net"), "customerGroupId": vip,
            "extrafields": [{"key": field, "value": "Fair"}]}  # fmt: skip
    ann = (await kit.api_ok(store, "POST", json=full))["id"]
    gone = await kit.add_customer(store, "gone@example.net")
    await kit.add_customer(store, "bob@example.net", name="Bob")
    await kit.ok("POST", f"/stores/{store_id}/clock", json={"advance": 60})
    await kit.api_ok(store, "PUT", f"customers/{ann}", json={"privateAdminNotes": "updated"})
    await kit.api_ok(store, "DELETE", f"customers/{gone}")
    await kit.api_ok(store, "POST", f"customers/{ann}/contacts",
                     json={"contact": "+15550100", "type": "PHONE"})  # fmt: skip
    return store


async def plain_store(kit: Kit, store_id: int = 1) -> ApiStore:
    """A store with a group, an extra field and two customers (cheap: no password to hash)."""
    store = await kit.new_store(id=store_id)
    vip = await kit.add_group(store, "VIP")
    await kit.api_ok(store, "POST", "store_extrafields/customers", json={"type": "TEXT"})
    await kit.add_customer(store, "ann@example.net", customerGroupId=vip)
    await kit.add_customer(store, "bob@example.net")
    return store


# -- the format --------------------------------------------------------------------------------


async def test_export_is_diffable_json_in_a_fixed_order(kit: Kit) -> None:
    await rich_store(kit)
    export = await kit.export(1)
    assert export.startswith(b'{\n  "format": "ecwid-customers/store-fixture@1",\n  "store": {\n')
    assert export.endswith(b"}\n")
    document = json.loads(export)
    assert list(document) == ["format", "store", "nextIds", "customerGroups", "extraFields",
                              "customers", "deletedCustomers"]  # fmt: skip
    assert document["store"] == {"id": 1, "languages": ["en", "fr"], "legacySignIn": True,
                                 "customerGroupsEnabled": True, "suspended": False,
                                 "rateLimit": 0}  # fmt: skip
    contacts = [c["id"] for customer in document["customers"] for c in customer["contacts"]]
    assert document["nextIds"]["contact"] > max(contacts)
    assert {**document["nextIds"], "contact": 0} == {"customer": 4, "contact": 0, "address": 3,
                                                     "group": 4}  # fmt: skip
    assert [g["id"] for g in document["customerGroups"]] == [1, 3]
    assert document["customerGroups"][1] == {"id": 3, "name": "Wholesale",
                                             "externalReferenceId": "ext-3"}  # fmt: skip
    assert [f["title"] for f in document["extraFields"]] == ["Heard of us", "Size"]
    assert [c["id"] for c in document["customers"]] == [1, 3]
    ann = document["customers"][0]
    assert (ann["customerGroupName"], ann["registered"], ann["updated"]) == (
        "VIP",
        "2022-04-15 05:20:05 +0000",
        "2022-04-15 05:21:05 +0000",
    )
    assert verify_password(ann["passwordHash"], PASSWORD)
    assert "passwordHash" not in document["customers"][1]
    assert document["deletedCustomers"] == [{"id": 2, "date": "2022-04-15 05:21:05 +0000"}]
    assert b"secret_" not in export  # tokens are never exported


async def test_export_of_an_unknown_store_is_control_not_found(kit: Kit) -> None:
    await kit.control_error("GET", "/stores/1/export", 404, "CONTROL_NOT_FOUND")


def test_parse_reads_defaults_and_refuses_other_formats() -> None:
    fixture = fixtures.parse(b"{}")
    assert fixture.format == fixtures.FORMAT
    assert fixture.store.languages == ["en"]
    assert fixture.customers == []
    with pytest.raises(errors.EcwidError) as caught:
        fixtures.parse(b'{"format": "ecwid-customers/store-fixture@2"}')
    assert caught.value.code == "CONTROL_BAD_REQUEST"
    assert "format" in caught.value.message


def test_to_dump_needs_a_store_id_from_somewhere() -> None:
    fixture = fixtures.parse(b'{"store": {"id": 8}}')
    assert fixtures.to_dump(fixture, store_id=None, now=T).store.id == 8
    assert fixtures.to_dump(fixture, store_id=9, now=T).store.id == 9
    with pytest.raises(errors.EcwidError) as caught:
        fixtures.to_dump(fixtures.parse(b"{}"), store_id=None, now=T)
    assert caught.value.message.startswith("fixture store.id")


def test_hand_written_customers_are_numbered_after_every_id_the_fixture_holds() -> None:
    fixture = fixtures.parse(
        json.dumps(
            {
                "nextIds": {"customer": 1, "contact": 20, "address": 1, "group": 1},
                "customerGroups": [{"id": 4, "name": "VIP"}],
                "customers": [
                    {
                        "email": "a@example.net",
                        "customerGroupId": 4,
                        "contacts": [{"contact": "a", "type": "OTHER"}],
                        "shippingAddresses": [{"city": "A"}, {"city": "B"}],
                    },
                    {"email": "b@example.net", "shippingAddresses": [{"city": "C"}]},
                ],
                "deletedCustomers": [{"id": 6, "date": T_TEXT}],
            }
        ).encode()
    )
    dump = fixtures.to_dump(fixture, store_id=3, now=T)
    first, second = (entry.customer for entry in dump.customers)
    assert (first.id, second.id) == (7, 8)  # past the deleted customer 6
    assert [c.id for c in first.contacts] == [20, 21]  # the email contact, then the other
    assert [c.id for c in second.contacts] == [22]
    assert [a.id for a in first.shipping_addresses] == [1, 2]
    assert [a.id for a in second.shipping_addresses] == [3]
    assert first.registered == first.updated == T_TEXT
    assert dump.next_ids == NextIds(customer=9, contact=23, address=4, group=5)


# -- round trips -------------------------------------------------------------------------------


async def test_export_import_export_is_byte_identical_but_for_the_store_id(kit: Kit) -> None:
    await rich_store(kit, 1)
    export = await kit.export(1)
    target = await kit.new_store(id=2)
    imported = await kit.ok("POST", "/stores/2/import", content=export)
    assert imported == {"storeId": 2, "customers": 2}
    assert await kit.export(2) == with_store_id(export, 2)
    # The token made with store 2 still works, and ids go on from the fixture's counters.
    assert await kit.emails(target) == ["ann@example.net", "bob@example.net"]
    assert await kit.add_customer(target, "new@example.net") == 4
    assert await kit.add_group(target, "New") == 4


async def test_import_of_its_own_export_changes_nothing(kit: Kit) -> None:
    store = await rich_store(kit)
    export = await kit.export(1)
    await kit.ok("POST", "/stores/1/import", content=export)
    assert await kit.export(1) == export
    assert (await kit.api_ok(store, "GET", "customers/1"))["customerGroupName"] == "VIP"


async def test_store_made_with_an_export_as_fixture_exports_the_same(kit: Kit) -> None:
    await rich_store(kit)
    export = await kit.export(1)
    copy = await kit.new_store(id=5, frozenAt=T + 3600, fixture=json.loads(export))
    assert await kit.export(5) == with_store_id(export, 5)
    assert (await kit.api_ok(copy, "GET", "customers/deleted"))["items"] == [
        {"id": 2, "date": "2022-04-15 05:21:05 +0000"}
    ]


async def test_hand_written_customers_are_created_as_a_post_would(kit: Kit) -> None:
    """Store 1 gets two customers by POST; store 2 a fixture of the first plus the second's
    body written by hand: the two exports are the same."""
    first_body = {**full_customer_body("ann@example.net"), "password": None}
    second_body = {**full_customer_body("zoe@example.net"), "lang": "en", "password": None}
    posted = await kit.new_store(id=1, languages=["en", "fr"], frozenAt=T)
    await kit.add_group(posted, "VIP")
    await kit.api_ok(posted, "POST", json=first_body)
    one_customer = json.loads(await kit.export(1))
    await kit.api_ok(posted, "POST", json={**second_body, "customerGroupId": 1})

    fixture = {**one_customer, "nextIds": {}}
    fixture["customers"].append({**second_body, "customerGroupId": 1})
    await kit.new_store(id=2, frozenAt=T)
    assert await kit.ok("POST", "/stores/2/import", json=fixture) == {"storeId": 2, "customers": 2}
    assert await kit.export(2) == with_store_id(await kit.export(1), 2)


async def test_hand_written_customer_on_a_legacy_store_keeps_its_password(kit: Kit) -> None:
    fixture = {"store": {"legacySignIn": True},
               "customers": [{"email": "a@example.net", "password": PASSWORD}]}  # fmt: skip
    await kit.new_store(id=1, fixture=fixture)
    (customer,) = json.loads(await kit.export(1))["customers"]
    assert verify_password(customer["passwordHash"], PASSWORD)
    assert "password" not in customer


async def test_hand_written_customer_elsewhere_keeps_no_password(kit: Kit) -> None:
    await kit.new_store(id=1, fixture={"customers": [{"email": "a@b.c", "password": PASSWORD}]})
    (customer,) = json.loads(await kit.export(1))["customers"]
    assert "passwordHash" not in customer


async def test_hand_written_customers_are_dated_by_the_store_clock(kit: Kit) -> None:
    store = await kit.new_store(id=1)
    await kit.ok("POST", "/stores/1/clock", json={"frozenAt": T})
    await kit.ok("POST", "/stores/1/import", json={"customers": [{"email": "a@b.c"}]})
    customer = await kit.api_ok(store, "GET", "customers/1")
    assert customer["registered"] == customer["updated"] == T_TEXT


# -- what an import replaces -------------------------------------------------------------------


async def test_import_replaces_content_and_settings_and_keeps_tokens(kit: Kit) -> None:
    store = await kit.new_store(id=1, languages=["en", "de"])
    await kit.add_customer(store, "old@example.net")
    await kit.add_group(store, "Old")
    fixture = {
        "store": {"id": 99, "languages": ["fr"], "customerGroupsEnabled": False},
        "nextIds": {"customer": 50},
        "customers": [{"email": "new@example.net", "lang": "fr"}],
    }
    assert await kit.ok("POST", "/stores/1/import", json=fixture) == {"storeId": 1,
                                                                       "customers": 1}  # fmt: skip
    assert await kit.emails(store) == ["new@example.net"]
    assert (await kit.api_ok(store, "GET", "customers/50"))["lang"] == "fr"
    assert_error(await kit.api(store, "GET", "customer_groups"), 402,
                 "NOT_AVAILABLE_ON_CURRENT_PLAN")  # fmt: skip
    view = await kit.ok("GET", "/stores/1")
    assert (view["languages"], view["tokens"], view["customers"]) == (["fr"], 1, 1)
    assert await kit.add_customer(store, "next@example.net", lang="fr") == 51
    await kit.control_error("GET", "/stores/99", 404, "CONTROL_NOT_FOUND")


async def test_import_forgets_the_store_faults_and_journal_only(kit: Kit) -> None:
    first = await kit.new_store(id=1, frozenAt=T)
    second = await kit.new_store(id=2)
    await kit.ok(
        "POST",
        "/faults",
        json={"storeId": 1, "latencyMs": 0, "route": INERT_ROUTE, "method": "DELETE"},
    )
    kept = await kit.ok(
        "POST",
        "/faults",
        json={"storeId": 2, "latencyMs": 0, "route": INERT_ROUTE, "method": "DELETE"},
    )
    everywhere = await kit.ok(
        "POST", "/faults", json={"latencyMs": 0, "route": INERT_ROUTE, "method": "DELETE"}
    )
    await kit.api(first, "GET")
    await kit.api(second, "GET")
    journal = await kit.journal(2)
    await kit.ok("POST", "/stores/1/import", json={})
    assert await kit.journal(1) == []
    assert await kit.journal(2) == journal
    assert [f["id"] for f in await kit.ok("GET", "/faults")] == [kept["id"], everywhere["id"]]
    assert (await kit.ok("GET", "/stores/1/clock"))["nowUnix"] == T  # the clock stays


async def test_empty_fixture_empties_the_store(kit: Kit) -> None:
    store = await rich_store(kit)
    await kit.ok("POST", "/stores/1/import", content=b"{}")
    document = json.loads(await kit.export(1))
    assert document["customers"] == document["customerGroups"] == document["extraFields"] == []
    assert document["store"]["languages"] == ["en"]
    assert await kit.add_customer(store, "a@example.net") == 1


# -- bad fixtures ------------------------------------------------------------------------------

BAD_FIXTURES: list[tuple[str, bytes | dict[str, Any]]] = [
    ("not JSON", b"{"),
    ("not an object", b"[]"),
    ("empty body", b""),
    ("other format", {"format": "something-else@1"}),
    ("unknown field", {"colour": "red"}),
    ("unknown store field", {"store": {"colour": "red"}}),
    ("languages of the wrong type", {"store": {"languages": "en"}}),
    ("group without a name", {"customerGroups": [{"id": 1}]}),
    ("bad extra field", {"extraFields": [{"key": "k"}]}),
    ("deleted customer with a bad date", {"deletedCustomers": [{"id": 1, "date": "soon"}]}),
    ("customer missing fields", {"customers": [{"id": 1, "email": "a@b.c"}]}),
    ("customer of the wrong type", {"customers": ["a@b.c"]}),
    ("hand-written without email", {"customers": [{"name": "Ann"}]}),
    ("hand-written with a bad email", {"customers": [{"email": "not an email"}]}),
    ("hand-written with a bad country",
     {"customers": [{"email": "a@b.c", "billingPerson": {"countryCode": "ZZ"}}]}),
    ("hand-written in another language", {"customers": [{"email": "a@b.c", "lang": "xx"}]}),
    ("hand-written in an unknown group",
     {"customers": [{"email": "a@b.c", "customerGroupId": 7}]}),
]  # fmt: skip


def bad_exported(kind: str, export: bytes) -> dict[str, Any]:
    """An export of the plain store spoilt one way."""
    document: dict[str, Any] = json.loads(export)
    ann = document["customers"][0]
    if kind == "unknown group":
        ann["customerGroupId"] = 77
    elif kind == "bad registered":
        ann["registered"] = "long ago"
    elif kind == "bad updated":
        ann["updated"] = "2022-13-45"
    elif kind == "second good, first bad":
        document["customers"][1]["email"] = 5
    else:
        raise AssertionError(kind)
    return document


async def assert_refused(kit: Kit, store: ApiStore, body: bytes | dict[str, Any]) -> None:
    """A bad import: 400 CONTROL_BAD_REQUEST, and the store, its faults and journal as before."""
    await kit.api(store, "GET")
    before = (await kit.export(store.id), await kit.ok("GET", "/faults"))
    journal = await kit.journal(store.id)
    options: dict[str, Any] = {"content": body} if isinstance(body, bytes) else {"json": body}
    response = await kit.control("POST", f"/stores/{store.id}/import", **options)
    assert_error(response, 400, "CONTROL_BAD_REQUEST")
    assert response.json()["errorMessage"].startswith("fixture ")
    assert (await kit.export(store.id), await kit.ok("GET", "/faults")) == before
    assert await kit.journal(store.id) == journal


@pytest.mark.parametrize(("what", "body"), BAD_FIXTURES, ids=[what for what, _ in BAD_FIXTURES])
async def test_bad_fixture_is_400_and_changes_nothing(
    kit: Kit, what: str, body: bytes | dict[str, Any]
) -> None:
    store = await plain_store(kit)
    await kit.ok(
        "POST",
        "/faults",
        json={"storeId": 1, "latencyMs": 0, "route": INERT_ROUTE, "method": "DELETE"},
    )
    await assert_refused(kit, store, body)


@pytest.mark.parametrize(
    "kind", ["unknown group", "bad registered", "bad updated", "second good, first bad"]
)
async def test_spoilt_export_is_400_and_changes_nothing(kit: Kit, kind: str) -> None:
    store = await plain_store(kit)
    await assert_refused(kit, store, bad_exported(kind, await kit.export(1)))


# A store spec carries its fixture as JSON: the ones that are not JSON have no place there.
JSON_BAD_FIXTURES = [(what, body) for what, body in BAD_FIXTURES if isinstance(body, dict)]


@pytest.mark.parametrize(
    ("what", "body"), JSON_BAD_FIXTURES, ids=[what for what, _ in JSON_BAD_FIXTURES]
)
async def test_bad_fixture_makes_no_store(kit: Kit, what: str, body: dict[str, Any]) -> None:
    await kit.new_store(id=1)
    await kit.control_error(
        "POST", "/stores", 400, "CONTROL_BAD_REQUEST", json={"id": 2, "fixture": body}
    )
    assert [store["id"] for store in await kit.ok("GET", "/stores")] == [1]


def conflicting(kind: str, export: bytes) -> dict[str, Any]:
    """An export of the plain store whose entries collide one way."""
    document: dict[str, Any] = json.loads(export)
    customers = document["customers"]
    if kind == "two customers, one email":
        customers.append({"email": customers[0]["email"].upper()})
    elif kind == "two customers, one id":
        customers.append({**customers[1], "email": "other@example.net"})
    elif kind == "two groups, one id":
        document["customerGroups"].append({"id": 1, "name": "Again"})
    elif kind == "two extra fields, one key":
        document["extraFields"].append(document["extraFields"][0])
    else:
        raise AssertionError(kind)
    return document


CONFLICTS = [
    "two customers, one email",
    "two customers, one id",
    "two groups, one id",
    "two extra fields, one key",
]


@pytest.mark.parametrize("kind", CONFLICTS)
async def test_conflicting_fixture_changes_nothing(kit: Kit, kind: str) -> None:
    store = await plain_store(kit)
    export = await kit.export(1)
    response = await kit.control("POST", "/stores/1/import", json=conflicting(kind, export))
    assert response.status_code >= 400
    assert await kit.export(1) == export
    assert await kit.emails(store) == ["ann@example.net", "bob@example.net"]


@pytest.mark.parametrize("kind", CONFLICTS)
async def test_conflicting_fixture_is_a_bad_request(kit: Kit, kind: str) -> None:
    await plain_store(kit)
    body = conflicting(kind, await kit.export(1))
    await kit.control_error("POST", "/stores/1/import", 400, "CONTROL_BAD_REQUEST", json=body)


FIXTURE_TOKEN = "secret_" + "Fx" * 16
FIXTURE_PUBLIC = "public_" + "Pb" * 16


async def test_a_fixtures_tokens_are_made_and_kept_on_a_second_import(kit: Kit) -> None:
    fixture = {
        "store": {"id": 7},
        "customers": [{"email": "ann@example.net"}],
        "tokens": [
            {"token": FIXTURE_TOKEN, "scopes": ["read_customers"]},
            {"token": FIXTURE_PUBLIC},
        ],
    }
    for _ in range(2):  # the second import keeps the tokens it finds
        await kit.ok("POST", "/stores/7/import", json=fixture)
    reader = ApiStore(7, FIXTURE_TOKEN)
    assert (await kit.api_ok(reader, "GET", "customers"))["total"] == 1
    assert_error(await kit.api(reader, "POST", json={"email": "b@example.net"}), 403,
                 "INSUFFICIENT_APP_SCOPE")  # fmt: skip
    assert (await kit.ok("GET", "/stores/7"))["tokens"] == 2
    assert b"Fx" not in (await kit.control("GET", "/stores/7/export")).content  # never exported


async def test_a_store_made_with_a_fixture_gets_its_tokens(kit: Kit) -> None:
    fixture = {"tokens": [{"token": FIXTURE_TOKEN}]}
    created = await kit.ok("POST", "/stores", json={"id": 8, "fixture": fixture})
    assert created["token"] != FIXTURE_TOKEN  # the store's own token, and the fixture's
    assert (await kit.api_ok(ApiStore(8, FIXTURE_TOKEN), "GET", "customers"))["total"] == 0


@pytest.mark.parametrize(
    ("token", "words"),
    [
        ({"token": "secret_short"}, "tokens[0]: after the prefix"),
        ({"token": FIXTURE_TOKEN, "scopes": ["fly"]}, "tokens[0]: unknown scope"),
        ({"token": FIXTURE_TOKEN, "webhookUrl": "http://x.example"}, "tokens[0]: a webhook needs"),
        ({"scopes": ["read_customers"]}, "is not valid"),
    ],
)
async def test_a_bad_fixture_token_is_400_and_changes_nothing(
    kit: Kit, token: dict[str, Any], words: str
) -> None:
    store = await kit.new_store(id=9)
    await kit.add_customer(store, "kept@example.net")
    fixture = {"store": {"id": 9}, "tokens": [token]}
    refused = await kit.control_error("POST", "/stores/9/import", 400, "CONTROL_BAD_REQUEST",
                                      json=fixture)  # fmt: skip
    assert words in refused.json()["errorMessage"]
    assert await kit.emails(store) == ["kept@example.net"]
    assert (await kit.ok("GET", "/stores/9"))["tokens"] == 1
