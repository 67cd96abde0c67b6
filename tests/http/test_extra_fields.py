"""Customer extra-field definitions (spec 4.8), end to end through the ASGI app and SQLite."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from ecwid_customers.scopes import (
    DELETE_CUSTOMERS_EXTRAFIELDS,
    READ_CUSTOMERS_EXTRAFIELDS,
    UPDATE_CUSTOMERS_EXTRAFIELDS,
)
from tests.support import (
    Api,
    assert_error,
    make_store,
    make_token,
)

KEY = re.compile(r"^[A-Za-z0-9]{7}$")
TYPES = [
    "TEXT",
    "SELECT",
    "DATETIME",
    "TOGGLE_BUTTON_GROUP",
    "TEXTAREA",
    "CHECKBOX",
    "RADIO_BUTTONS",
]


def ecwid_time(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%d %H:%M:%S +0000")


def field_path(key: str | None = None) -> str:
    return "store_extrafields/customers" if key is None else f"store_extrafields/customers/{key}"


async def post_field(api: Api, body: Any, *, store_id: int | None = None) -> httpx.Response:
    return await api.client.post(api.url(field_path(), store_id), json=body, headers=api.auth())


async def create_field(api: Api, body: dict[str, Any]) -> str:
    response = await post_field(api, body)
    assert response.status_code == 200, response.text
    key: str = response.json()["key"]
    return key


async def list_fields(api: Api) -> list[dict[str, Any]]:
    response = await api.client.get(api.url(field_path()), headers=api.auth())
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def get_field(api: Api, key: str) -> httpx.Response:
    return await api.client.get(api.url(field_path(key)), headers=api.auth())


async def field_ok(api: Api, key: str) -> dict[str, Any]:
    response = await get_field(api, key)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def put_field(api: Api, key: str, body: Any) -> httpx.Response:
    return await api.client.put(api.url(field_path(key)), json=body, headers=api.auth())


async def delete_field(api: Api, key: str) -> httpx.Response:
    return await api.client.delete(api.url(field_path(key)), headers=api.auth())


# -- create -------------------------------------------------------------------------------------


async def test_create_answers_create_count_and_a_seven_character_key(api: Api) -> None:
    response = await post_field(api, {"title": "How did you hear about us?", "type": "TEXT"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"createCount", "key"}
    assert body["createCount"] == 1
    assert KEY.match(body["key"]), body


async def test_created_field_reads_back_with_every_documented_field(api: Api) -> None:
    key = await create_field(
        api, {"title": "How did you hear about us?", "type": "TEXT", "shownOnOrderDetails": True}
    )
    now = ecwid_time(api.clock.now())
    assert await field_ok(api, key) == {
        "key": key,
        "title": "How did you hear about us?",
        "type": "TEXT",
        "shownOnOrderDetails": True,
        "entityTypes": ["CUSTOMERS"],
        "linkedWithCheckoutField": False,
        "createdDate": now,
        "lastModifiedDate": now,
    }


async def test_shown_on_order_details_defaults_to_false(api: Api) -> None:
    key = await create_field(api, {"title": "Notes", "type": "TEXTAREA"})
    assert (await field_ok(api, key))["shownOnOrderDetails"] is False


@pytest.mark.parametrize(
    ("sent", "stored"),
    [("text", "TEXT"), ("Text", "TEXT"), ("datetime", "DATETIME")]
    + [(kind, kind) for kind in TYPES],
)
async def test_type_is_stored_upper_case(api: Api, sent: str, stored: str) -> None:
    key = await create_field(api, {"title": "Field", "type": sent})
    assert (await field_ok(api, key))["type"] == stored


@pytest.mark.parametrize("kind", ["NUMBER", "", "tex", 5, True, ["TEXT"]])
async def test_create_with_an_invalid_type_is_400_and_creates_nothing(
    api: Api, kind: object
) -> None:
    response = await post_field(api, {"title": "Field", "type": kind})
    assert_error(response, 400, "WRONG_PARAMETER")
    assert await list_fields(api) == []


async def test_create_ignores_read_only_fields(api: Api) -> None:
    key = await create_field(
        api,
        {
            "key": "mykey12",
            "title": "Field",
            "type": "TEXT",
            "entityTypes": ["ORDERS"],
            "linkedWithCheckoutField": True,
            "createdDate": "2001-01-01 00:00:00 +0000",
            "lastModifiedDate": "2001-01-01 00:00:00 +0000",
        },
    )
    assert key != "mykey12"
    field = await field_ok(api, key)
    assert field["entityTypes"] == ["CUSTOMERS"]
    assert field["linkedWithCheckoutField"] is False
    assert field["createdDate"] == field["lastModifiedDate"] == ecwid_time(api.clock.now())
    assert_error(await get_field(api, "mykey12"), 404, "EXTRAFIELD_NOT_FOUND")


async def test_keys_are_unique(api: Api) -> None:
    keys = [await create_field(api, {"title": f"Field {n}", "type": "TEXT"}) for n in range(20)]
    assert len(set(keys)) == 20
    assert all(KEY.match(key) for key in keys)


# -- read ---------------------------------------------------------------------------------------


async def test_list_of_a_new_store_is_empty_items(api: Api) -> None:
    response = await api.client.get(api.url(field_path()), headers=api.auth())
    assert response.status_code == 200
    assert response.json() == {"items": []}


async def test_list_holds_every_definition_as_get_returns_it(api: Api) -> None:
    first = await create_field(api, {"title": "First", "type": "TEXT"})
    api.clock.advance(60)
    second = await create_field(api, {"title": "Second", "type": "CHECKBOX"})

    response = await api.client.get(api.url(field_path()), headers=api.auth())
    body = response.json()
    assert list(body) == ["items"]
    by_key = {item["key"]: item for item in body["items"]}
    assert set(by_key) == {first, second}
    assert by_key[first] == await field_ok(api, first)
    assert by_key[second] == await field_ok(api, second)


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
async def test_unknown_key_is_404_extrafield_not_found(api: Api, method: str) -> None:
    await create_field(api, {"title": "Field", "type": "TEXT"})
    body = {"title": "X"} if method == "PUT" else None
    response = await api.client.request(
        method, api.url(field_path("nope123")), json=body, headers=api.auth()
    )
    assert_error(response, 404, "EXTRAFIELD_NOT_FOUND", "ExtraField #nope123 not found")


# -- update -------------------------------------------------------------------------------------


async def test_update_answers_update_count_and_moves_last_modified_only(api: Api) -> None:
    key = await create_field(api, {"title": "Old", "type": "TEXT", "shownOnOrderDetails": True})
    before = await field_ok(api, key)
    api.clock.advance(3600)

    response = await put_field(api, key, {"title": "New"})
    assert response.status_code == 200, response.text
    assert response.json() == {"updateCount": 1}
    assert await field_ok(api, key) == {
        **before,
        "title": "New",
        "lastModifiedDate": ecwid_time(api.clock.now()),
    }
    assert before["createdDate"] != ecwid_time(api.clock.now())


async def test_update_changes_type_and_shown_on_order_details(api: Api) -> None:
    key = await create_field(api, {"title": "Field", "type": "TEXT"})
    response = await put_field(api, key, {"type": "select", "shownOnOrderDetails": True})
    assert response.json() == {"updateCount": 1}
    field = await field_ok(api, key)
    assert (field["title"], field["type"], field["shownOnOrderDetails"]) == (
        "Field",
        "SELECT",
        True,
    )


async def test_update_ignores_read_only_fields(api: Api) -> None:
    key = await create_field(api, {"title": "Field", "type": "TEXT"})
    before = await field_ok(api, key)
    body = {"key": "other12", "entityTypes": ["ORDERS"], "linkedWithCheckoutField": True}
    assert (await put_field(api, key, body)).status_code == 200
    assert await field_ok(api, key) == before
    assert_error(await get_field(api, "other12"), 404, "EXTRAFIELD_NOT_FOUND")


@pytest.mark.parametrize("kind", ["NUMBER", "", 5])
async def test_update_with_an_invalid_type_is_400_and_changes_nothing(
    api: Api, kind: object
) -> None:
    key = await create_field(api, {"title": "Field", "type": "TEXT"})
    before = await field_ok(api, key)
    api.clock.advance(60)
    response = await put_field(api, key, {"title": "Changed", "type": kind})
    assert_error(response, 400, "WRONG_PARAMETER")
    assert await field_ok(api, key) == before


# -- delete -------------------------------------------------------------------------------------


async def test_delete_answers_delete_count_and_the_field_is_gone(api: Api) -> None:
    key = await create_field(api, {"title": "Field", "type": "TEXT"})
    keep = await create_field(api, {"title": "Keep", "type": "TEXT"})

    response = await delete_field(api, key)
    assert response.status_code == 200, response.text
    assert response.json() == {"deleteCount": 1}

    message = f"ExtraField #{key} not found"
    assert_error(await get_field(api, key), 404, "EXTRAFIELD_NOT_FOUND", message)
    assert_error(await delete_field(api, key), 404, "EXTRAFIELD_NOT_FOUND", message)
    assert_error(await put_field(api, key, {"title": "X"}), 404, "EXTRAFIELD_NOT_FOUND", message)
    assert [item["key"] for item in await list_fields(api)] == [keep]


# -- stores and scopes --------------------------------------------------------------------------


async def test_fields_of_another_store_are_invisible_and_untouchable(api: Api) -> None:
    await make_store(api.storage, 2002)
    other = await make_token(api.storage, 2002)
    key = await create_field(api, {"title": "Mine", "type": "TEXT"})
    before = await field_ok(api, key)

    there = api.url(field_path(key), store_id=2002)
    listing = await api.client.get(api.url(field_path(), 2002), headers=api.auth(other))
    assert listing.json() == {"items": []}
    assert_error(await api.client.get(there, headers=api.auth(other)), 404, "EXTRAFIELD_NOT_FOUND")
    assert_error(
        await api.client.put(there, json={"title": "X"}, headers=api.auth(other)),
        404,
        "EXTRAFIELD_NOT_FOUND",
    )
    assert_error(
        await api.client.delete(there, headers=api.auth(other)), 404, "EXTRAFIELD_NOT_FOUND"
    )
    assert await field_ok(api, key) == before


SCOPED = [
    ("GET", "list", READ_CUSTOMERS_EXTRAFIELDS),
    ("GET", "one", READ_CUSTOMERS_EXTRAFIELDS),
    ("POST", "list", UPDATE_CUSTOMERS_EXTRAFIELDS),
    ("PUT", "one", UPDATE_CUSTOMERS_EXTRAFIELDS),
    ("DELETE", "one", DELETE_CUSTOMERS_EXTRAFIELDS),
]


async def _call(api: Api, method: str, target: str, token: str) -> tuple[str, httpx.Response]:
    key = await create_field(api, {"title": "Field", "type": "TEXT"})
    path = field_path() if target == "list" else field_path(key)
    body = {"title": "Changed", "type": "TEXT"} if method in ("POST", "PUT") else None
    response = await api.client.request(method, api.url(path), json=body, headers=api.auth(token))
    return key, response


@pytest.mark.parametrize(("method", "target", "scope"), SCOPED)
async def test_scope_from_the_route_table_is_enough(
    api: Api, method: str, target: str, scope: str
) -> None:
    token = await make_token(api.storage, api.store_id, (scope,))
    _, response = await _call(api, method, target, token)
    assert response.status_code == 200, response.text


async def test_customer_values_take_title_and_type_from_the_definition(api: Api) -> None:
    created = await api.client.post(
        api.url("store_extrafields/customers"),
        json={"title": "How did you hear about us?", "type": "select"},
        headers=api.auth(),
    )
    key = created.json()["key"]
    body = {
        "email": "a@example.net",
        "extrafields": [{"key": key, "value": "Fair"}, {"key": "free", "value": "x"}],
    }
    customer_id = await api.create_ok(body)
    values = (await api.get_ok(customer_id))["extrafields"]
    assert values == [
        {
            "key": key,
            "title": "How did you hear about us?",
            "value": "Fair",
            "orderBy": 0,
            "type": "SELECT",
            "entityTypes": ["CUSTOMERS"],
        },
        {"key": "free", "value": "x", "orderBy": 1, "entityTypes": ["CUSTOMERS"]},
    ]
    update = {"extrafields": [{"key": key, "value": "Web", "title": "Own title"}]}
    response = await api.client.put(
        api.url(f"customers/{customer_id}"), json=update, headers=api.auth()
    )
    assert response.status_code == 200
    (value,) = (await api.get_ok(customer_id))["extrafields"]
    assert (value["title"], value["type"], value["value"]) == ("Own title", "SELECT", "Web")
