"""The control plane's store endpoints through HTTP: create, list, get, delete, reset, tokens.

Clocks, faults, the journal and fixtures have their own files (test_clocks.py, test_faults.py,
test_journal.py, test_fixtures.py); who may call the control plane is in test_security.py.
"""

from __future__ import annotations

from typing import Any

import pytest

from ecwid_customers.control.views.stores import AUTO_STORE_IDS
from ecwid_customers.domain.tokens import token_hint
from ecwid_customers.scopes import CUSTOMER_SCOPES, READ_CUSTOMERS
from tests.control.conftest import INERT_ROUTE, ApiStore, Kit
from tests.support import assert_error, full_customer_body

SECRET = "secret_" + "s" * 32
PUBLIC = "public_" + "p" * 32


async def store_ids(kit: Kit) -> list[int]:
    return [store["id"] for store in await kit.ok("GET", "/stores")]


# -- create ------------------------------------------------------------------------------------


async def test_created_store_without_id_gets_one_and_a_working_token(kit: Kit) -> None:
    store = await kit.new_store()
    assert AUTO_STORE_IDS[0] <= store.id < AUTO_STORE_IDS[1]
    assert store.token.startswith("secret_")
    assert (await kit.api_ok(store, "GET"))["total"] == 0
    assert await kit.add_customer(store, "a@example.net") == 1


async def test_two_stores_without_id_get_different_ids(kit: Kit) -> None:
    first, second = await kit.new_store(), await kit.new_store()
    assert first.id != second.id
    assert sorted(await store_ids(kit)) == sorted([first.id, second.id])


async def test_created_store_has_the_given_id_and_settings(kit: Kit) -> None:
    store = await kit.new_store(id=4242, legacySignIn=True, rateLimit=100)
    assert store.id == 4242
    view = await kit.ok("GET", "/stores/4242")
    assert view == {
        "id": 4242,
        "languages": ["en"],
        "legacySignIn": True,
        "customerGroupsEnabled": True,
        "suspended": False,
        "rateLimit": 100,
        "customers": 0,
        "tokens": 1,
        "clock": {
            "now": "2024-01-01 00:00:00 +0000",
            "nowUnix": 1_704_067_200,
            "frozen": False,
            "offsetSeconds": 0,
        },
        "apiUrl": "http://testserver/api/v3/4242",
    }


async def test_taken_id_is_a_conflict_and_leaves_the_store_alone(kit: Kit) -> None:
    store = await kit.new_store(id=4242)
    await kit.add_customer(store, "a@example.net")
    await kit.control_error(
        "POST", "/stores", 409, "CONTROL_CONFLICT", json={"id": 4242, "languages": ["de"]}
    )
    assert await kit.emails(store) == ["a@example.net"]
    view = await kit.ok("GET", "/stores/4242")
    assert (view["languages"], view["tokens"]) == (["en"], 1)


async def test_store_speaks_the_languages_it_was_made_with(kit: Kit) -> None:
    store = await kit.new_store(languages=["en", "fr"])
    assert (await kit.api(store, "POST", json={"email": "a@example.net", "lang": "fr"})).is_success
    assert_error(
        await kit.api(store, "POST", json={"email": "b@example.net", "lang": "de"}),
        400,
        "LANGUAGES_NOT_ALLOWED",
    )
    assert (await kit.ok("GET", f"/stores/{store.id}"))["languages"] == ["en", "fr"]


async def test_store_without_customer_groups_answers_402_on_group_endpoints(kit: Kit) -> None:
    store = await kit.new_store(customerGroupsEnabled=False)
    for method, path in (("GET", "customer_groups"), ("GET", "customer_groups/0"),
                         ("POST", "customer_groups")):  # fmt: skip
        response = await kit.api(store, method, path, json={"name": "VIP"})
        assert_error(response, 402, "NOT_AVAILABLE_ON_CURRENT_PLAN")
    assert (await kit.api(store, "GET")).status_code == 200


async def test_suspended_store_answers_402(kit: Kit) -> None:
    store = await kit.new_store(suspended=True)
    assert_error(await kit.api(store, "GET"), 402, "STORE_IS_SUSPENDED")


async def test_store_rate_limit_is_applied(kit: Kit) -> None:
    store = await kit.new_store(rateLimit=1)
    assert (await kit.api(store, "GET")).status_code == 200
    limited = await kit.api(store, "GET")
    assert_error(limited, 429, "RATE_LIMITED")
    assert int(limited.headers["retry-after"]) >= 1


async def test_scopes_limit_the_token_made_with_the_store(kit: Kit) -> None:
    store = await kit.new_store(scopes=[READ_CUSTOMERS])
    assert (await kit.api(store, "GET")).status_code == 200
    response = await kit.api(store, "POST", json={"email": "a@example.net"})
    assert_error(response, 403, "INSUFFICIENT_APP_SCOPE")


async def test_unknown_scope_is_a_bad_request(kit: Kit) -> None:
    before = await store_ids(kit)
    await kit.control_error(
        "POST", "/stores", 400, "CONTROL_BAD_REQUEST", json={"scopes": ["read_customer"]}
    )
    assert await store_ids(kit) == before


async def test_token_value_can_be_pinned(kit: Kit) -> None:
    store = await kit.new_store(token=SECRET)
    assert store.token == SECRET
    assert (await kit.api(store, "GET")).status_code == 200


async def test_pinned_public_token_is_a_public_token(kit: Kit) -> None:
    store = await kit.new_store(token=PUBLIC)
    assert store.token == PUBLIC
    assert_error(await kit.api(store, "GET"), 403, "INSUFFICIENT_APP_SCOPE")


async def test_one_pinned_token_may_serve_two_stores_each_its_own(kit: Kit) -> None:
    first = await kit.new_store(id=1, token=SECRET)
    second = await kit.new_store(id=2, token=SECRET)
    await kit.add_customer(first, "first@example.net")
    assert await kit.emails(second) == []
    assert await kit.emails(first) == ["first@example.net"]


async def test_frozen_at_starts_the_store_clock_frozen(kit: Kit) -> None:
    store = await kit.new_store(frozenAt="2023-06-01 12:00:00 +0000")
    kit.clock.advance(3600)
    customer_id = await kit.add_customer(store, "a@example.net")
    customer = await kit.api_ok(store, "GET", f"customers/{customer_id}")
    assert customer["registered"] == customer["updated"] == "2023-06-01 12:00:00 +0000"
    clock = (await kit.ok("GET", f"/stores/{store.id}"))["clock"]
    assert (clock["frozen"], clock["nowUnix"]) == (True, 1_685_620_800)


async def test_store_can_be_made_with_a_fixture(kit: Kit) -> None:
    fixture = {
        "customerGroups": [{"id": 1, "name": "VIP"}],
        "customers": [
            {"email": "hand@example.net", "customerGroupId": 1},
            {"email": "two@example.net"},
        ],
    }
    store = await kit.new_store(id=77, fixture=fixture)
    assert await kit.emails(store) == ["hand@example.net", "two@example.net"]
    first = await kit.api_ok(store, "GET", "customers/1")
    assert (first["customerGroupName"], first["registered"]) == ("VIP", "2024-01-01 00:00:00 +0000")
    assert (await kit.ok("GET", "/stores/77"))["customers"] == 2
    assert await kit.add_customer(store, "next@example.net") == 3


async def test_fixture_with_frozen_at_writes_that_time(kit: Kit) -> None:
    store = await kit.new_store(frozenAt=1_600_000_000, fixture={"customers": [{"email": "a@b.c"}]})
    customer = await kit.api_ok(store, "GET", "customers/1")
    assert customer["registered"] == "2020-09-13 12:26:40 +0000"


async def test_fixture_keeps_the_settings_given_with_the_store(kit: Kit) -> None:
    await kit.new_store(
        id=77,
        languages=["en", "fr"],
        customerGroupsEnabled=False,
        fixture={"customers": [{"email": "a@example.net"}]},
    )
    view = await kit.ok("GET", "/stores/77")
    assert (view["languages"], view["customerGroupsEnabled"]) == (["en", "fr"], False)


@pytest.mark.parametrize(
    ("body", "why"),
    [
        ({"id": 0}, "id 0"),
        ({"id": -5}, "negative id"),
        ({"id": 2**63}, "id past 2^63"),
        ({"id": "12"}, "id as text"),
        ({"languages": []}, "no language"),
        ({"rateLimit": -1}, "negative rate limit"),
        ({"frozenAt": "next tuesday"}, "unreadable time"),
        ({"token": "bad_" + "x" * 32}, "token of no kind"),
        ({"token": "secret_"}, "token without a body"),
        ({"token": "secret_a-b"}, "token with a dash"),
        ({"colour": "red"}, "unknown field"),
        ({"fixture": {"format": "other"}}, "fixture of another format"),
        ({"fixture": {"customers": [{"email": "a@b.c", "customerGroupId": 9}]}}, "bad fixture"),
        ([], "not an object"),
    ],
)
async def test_bad_store_spec_is_400_and_makes_no_store(kit: Kit, body: Any, why: str) -> None:
    await kit.new_store(id=5)
    await kit.control_error("POST", "/stores", 400, "CONTROL_BAD_REQUEST", json=body)
    assert await store_ids(kit) == [5], why


async def test_unparsable_store_spec_is_400(kit: Kit) -> None:
    response = await kit.control_error("POST", "/stores", 400, "CONTROL_BAD_REQUEST", content=b"{")
    assert "bad request body" in response.json()["errorMessage"]
    assert await store_ids(kit) == []


async def test_empty_body_makes_a_default_store(kit: Kit) -> None:
    response = await kit.control("POST", "/stores")
    assert response.status_code == 200, response.text
    view = await kit.ok("GET", f"/stores/{response.json()['storeId']}")
    assert (view["languages"], view["customerGroupsEnabled"], view["tokens"]) == (["en"], True, 1)


# -- list, get, overview -----------------------------------------------------------------------


async def test_list_shows_each_store_with_its_counts(kit: Kit) -> None:
    first = await kit.new_store(id=10, languages=["en", "de"])
    await kit.new_store(id=20, customerGroupsEnabled=False)
    await kit.add_customer(first, "a@example.net")
    await kit.add_customer(first, "b@example.net")
    await kit.ok("POST", "/stores/10/tokens", json={})
    listed = {store["id"]: store for store in await kit.ok("GET", "/stores")}
    assert set(listed) == {10, 20}
    assert listed[10] == {
        "id": 10,
        "languages": ["en", "de"],
        "legacySignIn": False,
        "customerGroupsEnabled": True,
        "suspended": False,
        "rateLimit": None,
        "customers": 2,
        "tokens": 2,
    }
    assert (listed[20]["customers"], listed[20]["customerGroupsEnabled"]) == (0, False)


async def test_unknown_store_is_control_not_found(kit: Kit) -> None:
    await kit.new_store(id=10)
    for path in ("/stores/11", "/stores/abc", "/stores/-1", "/stores/1" + "0" * 30):
        await kit.control_error("GET", path, 404, "CONTROL_NOT_FOUND")


async def test_overview_counts_stores_and_faults(kit: Kit) -> None:
    assert await kit.ok("GET", "") == {"stores": 0, "faults": 0, "journalSize": 500}
    await kit.new_store()
    await kit.ok("POST", "/faults", json={"latencyMs": 0})
    assert await kit.ok("GET", "/") == {"stores": 1, "faults": 1, "journalSize": 500}


async def test_unknown_control_path_is_control_not_found(kit: Kit) -> None:
    for path in ("/nothing", "/stores/1/nothing", "/stores/1/clock/x", "/faults/1/x"):
        await kit.control_error("GET", path, 404, "CONTROL_NOT_FOUND")


async def test_wrong_method_on_a_control_path_is_405(kit: Kit) -> None:
    for method, path in (("PUT", "/stores"), ("PATCH", "/stores/1"), ("GET", "/reset"),
                         ("PUT", "/faults/1"), ("POST", "/stores/1/export")):  # fmt: skip
        await kit.control_error(method, path, 405, "METHOD_NOT_ALLOWED")


# -- delete ------------------------------------------------------------------------------------


async def test_deleted_store_is_gone_with_its_token(kit: Kit) -> None:
    store = await kit.new_store(id=30)
    kept = await kit.new_store(id=31)
    await kit.add_customer(store, "a@example.net")
    await kit.add_customer(kept, "kept@example.net")
    assert await kit.ok("DELETE", "/stores/30") == {"deleted": 30}
    assert_error(await kit.api(store, "GET"), 404, "STORE_NOT_FOUND")
    assert_error(await kit.api(store, "GET", "customers/1"), 404, "STORE_NOT_FOUND")
    await kit.control_error("GET", "/stores/30", 404, "CONTROL_NOT_FOUND")
    await kit.control_error("DELETE", "/stores/30", 404, "CONTROL_NOT_FOUND")
    assert await store_ids(kit) == [31]
    assert await kit.emails(kept) == ["kept@example.net"]


async def test_store_made_again_after_delete_starts_empty_with_a_fresh_kit(kit: Kit) -> None:
    store = await kit.new_store(id=30, frozenAt=1_600_000_000)
    await kit.add_customer(store, "a@example.net")
    await kit.ok("POST", "/faults", json={"storeId": 30, "latencyMs": 0})
    await kit.ok("DELETE", "/stores/30")
    again = await kit.new_store(id=30)
    assert await kit.journal(30) == []
    assert_error(await kit.api(store, "GET"), 403, "INVALID_API_TOKEN")  # the old token
    assert await kit.emails(again) == []
    assert await kit.add_customer(again, "b@example.net") == 1
    assert (await kit.ok("GET", "/stores/30/clock"))["frozen"] is False
    assert await kit.ok("GET", "/faults") == []
    assert [entry["status"] for entry in await kit.journal(30)] == [403, 200, 200]


# -- reset -------------------------------------------------------------------------------------


async def test_reset_empties_the_store_and_keeps_its_settings_and_tokens(kit: Kit) -> None:
    store = await kit.new_store(id=40, languages=["en", "fr"], customerGroupsEnabled=True)
    group = await kit.add_group(store, "VIP")
    await kit.add_customer(store, "a@example.net", customerGroupId=group)
    deleted = await kit.add_customer(store, "b@example.net")
    await kit.api_ok(store, "DELETE", f"customers/{deleted}")
    await kit.api_ok(
        store, "POST", "store_extrafields/customers", json={"title": "T", "type": "TEXT"}
    )
    assert await kit.ok("POST", "/stores/40/reset") == {"reset": 40}
    assert await kit.emails(store) == []
    assert (await kit.api_ok(store, "GET", "customer_groups"))["items"] == [
        {"id": 0, "name": "General"}
    ]
    assert (await kit.api_ok(store, "GET", "customers/deleted"))["items"] == []
    assert (await kit.api_ok(store, "GET", "store_extrafields/customers"))["items"] == []
    assert await kit.add_customer(store, "c@example.net", lang="fr") == 1
    assert await kit.add_group(store, "Again") == 1
    view = await kit.ok("GET", "/stores/40")
    assert (view["languages"], view["tokens"], view["customers"]) == (["en", "fr"], 1, 1)


async def test_reset_forgets_the_store_clock_faults_and_journal(kit: Kit) -> None:
    store = await kit.new_store(id=40, frozenAt=1_600_000_000)
    await kit.ok("POST", "/faults", json={"storeId": 40, "error": "INTERNAL_ERROR"})
    everywhere = await kit.ok("POST", "/faults", json={"latencyMs": 0})
    assert (await kit.api(store, "GET")).status_code == 500
    await kit.ok("POST", "/stores/40/reset")
    assert (await kit.ok("GET", "/stores/40/clock"))["frozen"] is False
    assert [fault["id"] for fault in await kit.ok("GET", "/faults")] == [everywhere["id"]]
    assert await kit.journal(40) == []
    customer_id = await kit.add_customer(store, "a@example.net")
    customer = await kit.api_ok(store, "GET", f"customers/{customer_id}")
    assert customer["registered"] == "2024-01-01 00:00:00 +0000"


async def test_reset_of_an_unknown_store_is_control_not_found(kit: Kit) -> None:
    await kit.control_error("POST", "/stores/41/reset", 404, "CONTROL_NOT_FOUND")


async def test_reset_all_empties_every_store_and_forgets_every_fault(kit: Kit) -> None:
    first = await kit.new_store(id=50, frozenAt=1_600_000_000)
    second = await kit.new_store(id=51)
    await kit.add_customer(first, "a@example.net")
    await kit.add_customer(second, "b@example.net")
    await kit.add_group(second, "VIP")
    await kit.ok("POST", "/faults", json={"latencyMs": 0})
    await kit.ok("POST", "/faults", json={"storeId": 51, "latencyMs": 0})
    assert await kit.ok("POST", "/reset") == {"reset": 2}
    assert await kit.ok("GET", "/faults") == []
    assert await kit.journal(50) == await kit.journal(51) == []
    assert (await kit.ok("GET", "/stores/50/clock"))["frozen"] is False
    assert await store_ids(kit) == [50, 51]
    for store in (first, second):
        assert await kit.emails(store) == []  # the tokens still work
        assert await kit.add_customer(store, "new@example.net") == 1
    assert await kit.add_group(second, "Again") == 1


async def test_reset_all_without_stores_resets_none(kit: Kit) -> None:
    assert await kit.ok("POST", "/reset") == {"reset": 0}


# -- tokens ------------------------------------------------------------------------------------


async def test_new_token_works_beside_the_first(kit: Kit) -> None:
    store = await kit.new_store(id=60)
    made = await kit.ok("POST", "/stores/60/tokens", json={})
    assert made["storeId"] == 60
    assert made["token"].startswith("secret_")
    assert made["token"] != store.token
    second = ApiStore(60, made["token"])
    await kit.add_customer(second, "a@example.net")
    assert await kit.emails(store) == ["a@example.net"]
    assert (await kit.ok("GET", "/stores/60"))["tokens"] == 2


async def test_new_token_takes_scopes_and_a_pinned_value(kit: Kit) -> None:
    await kit.new_store(id=60)
    made = await kit.ok("POST", "/stores/60/tokens", json={"scopes": [READ_CUSTOMERS],
                                                           "token": SECRET})  # fmt: skip
    assert made == {"storeId": 60, "token": SECRET}
    limited = ApiStore(60, SECRET)
    assert (await kit.api(limited, "GET")).status_code == 200
    assert_error(
        await kit.api(limited, "POST", json={"email": "a@example.net"}),
        403,
        "INSUFFICIENT_APP_SCOPE",
    )
    public = await kit.ok("POST", "/stores/60/tokens", content=b"")
    assert public["token"].startswith("secret_")


async def test_token_has_every_customer_scope_by_default(kit: Kit) -> None:
    store = await kit.new_store(id=60)
    made = await kit.ok("POST", "/stores/60/tokens", json={})
    first, second = await kit.storage.list_tokens(60)
    assert first.scopes == second.scopes == CUSTOMER_SCOPES
    assert (first.hint, second.hint) == (token_hint(store.token), token_hint(made["token"]))


async def test_token_for_an_unknown_store_is_control_not_found(kit: Kit) -> None:
    await kit.control_error("POST", "/stores/61/tokens", 404, "CONTROL_NOT_FOUND", json={})
    await kit.control_error("POST", "/stores/x/tokens", 404, "CONTROL_NOT_FOUND", json={})
    assert await store_ids(kit) == []


@pytest.mark.parametrize(
    "body",
    [{"token": "nope"}, {"scopes": "read_customers"}, {"other": 1}, {"token": PUBLIC[:-1] + "!"}],
)
async def test_bad_token_spec_is_400(kit: Kit, body: dict[str, Any]) -> None:
    await kit.new_store(id=60)
    await kit.control_error("POST", "/stores/60/tokens", 400, "CONTROL_BAD_REQUEST", json=body)
    assert (await kit.ok("GET", "/stores/60"))["tokens"] == 1


async def test_pinning_a_token_the_store_has_is_a_conflict(kit: Kit) -> None:
    await kit.new_store(id=60, token=SECRET)
    await kit.control_error(
        "POST", "/stores/60/tokens", 409, "CONTROL_CONFLICT", json={"token": SECRET}
    )


# -- isolation ---------------------------------------------------------------------------------


async def test_reset_of_one_store_leaves_the_other_intact(kit: Kit) -> None:
    stores = {n: await kit.new_store(id=n, frozenAt=1_650_000_000 + n) for n in (70, 71)}
    for n, store in stores.items():
        group = await kit.add_group(store, f"Group {n}")
        await kit.api_ok(store, "POST", json={**full_customer_body(f"{n}@example.net"),
                                              "lang": "en", "customerGroupId": group})  # fmt: skip
        await kit.ok(
            "POST",
            "/faults",
            json={"storeId": n, "latencyMs": 0, "route": INERT_ROUTE, "method": "DELETE"},
        )
    before = await kit.export(71)
    journal = await kit.journal(71)
    faults = await kit.ok("GET", "/faults", params={"storeId": "71"})
    clock = await kit.ok("GET", "/stores/71/clock")
    assert journal
    assert faults
    assert clock["frozen"]

    await kit.ok("POST", "/stores/70/reset")

    assert await kit.export(71) == before
    assert await kit.journal(71) == journal
    assert await kit.ok("GET", "/faults", params={"storeId": "71"}) == faults
    assert await kit.ok("GET", "/stores/71/clock") == clock
    assert await kit.emails(stores[71]) == ["71@example.net"]
    assert await kit.emails(stores[70]) == []
    assert await kit.ok("GET", "/faults", params={"storeId": "70"}) == []
