"""Customer groups (spec 6, Q13, Q28, Q31, Q32, Q37), end to end through the ASGI app and SQLite."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from ecwid_customers.scopes import (
    CREATE_CUSTOMERS,
    READ_CUSTOMERS,
    UPDATE_CUSTOMERS,
)
from tests.support import (
    Api,
    assert_error,
    make_store,
    make_token,
)

GENERAL = {"id": 0, "name": "General"}


def ecwid_time(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%d %H:%M:%S +0000")


def group_path(group_id: int | str | None = None) -> str:
    return "customer_groups" if group_id is None else f"customer_groups/{group_id}"


async def post_group(api: Api, body: Any, *, token: str | None = None) -> httpx.Response:
    return await api.client.post(api.url(group_path()), json=body, headers=api.auth(token))


async def create_group(api: Api, name: str, **extra: str) -> int:
    response = await post_group(api, {"name": name, **extra})
    assert response.status_code == 200, response.text
    group_id: int = response.json()["id"]
    return group_id


async def list_groups(api: Api, **params: str) -> dict[str, Any]:
    response = await api.client.get(api.url(group_path()), params=params, headers=api.auth())
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def list_ids(api: Api, **params: str) -> list[int]:
    return [item["id"] for item in (await list_groups(api, **params))["items"]]


async def get_group(api: Api, group_id: int | str) -> httpx.Response:
    return await api.client.get(api.url(group_path(group_id)), headers=api.auth())


async def group_ok(api: Api, group_id: int) -> dict[str, Any]:
    response = await get_group(api, group_id)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def put_group(api: Api, group_id: int | str, body: Any) -> httpx.Response:
    return await api.client.put(api.url(group_path(group_id)), json=body, headers=api.auth())


async def delete_group(api: Api, group_id: int | str) -> httpx.Response:
    return await api.client.delete(api.url(group_path(group_id)), headers=api.auth())


# -- listing ------------------------------------------------------------------------------------


async def test_new_store_lists_only_general(api: Api) -> None:
    assert await list_groups(api) == {
        "total": 1,
        "count": 1,
        "offset": 0,
        "limit": 100,
        "items": [GENERAL],
    }


async def test_list_puts_general_first_then_ascending_id_and_counts_it(api: Api) -> None:
    zeta = await create_group(api, "Zeta")
    alpha = await create_group(api, "Alpha", externalReferenceId="crm-1")
    mid = await create_group(api, "Mid")
    assert zeta < alpha < mid

    body = await list_groups(api)
    assert body == {
        "total": 4,
        "count": 4,
        "offset": 0,
        "limit": 100,
        "items": [
            GENERAL,
            {"id": zeta, "name": "Zeta"},
            {"id": alpha, "name": "Alpha", "externalReferenceId": "crm-1"},
            {"id": mid, "name": "Mid"},
        ],
    }


@pytest.mark.parametrize("keyword", ["sale", "SALE", "Sale"])
async def test_keyword_matches_names_containing_it_case_insensitively(
    api: Api, keyword: str
) -> None:
    wholesale = await create_group(api, "Wholesale")
    await create_group(api, "VIP")
    resale = await create_group(api, "ReSALE partners")

    body = await list_groups(api, keyword=keyword)
    assert [item["id"] for item in body["items"]] == [wholesale, resale]
    assert (body["total"], body["count"]) == (2, 2)


@pytest.mark.parametrize("keyword", ["gen", "GEN", "eral", "General"])
async def test_keyword_can_find_general(api: Api, keyword: str) -> None:
    await create_group(api, "VIP")
    body = await list_groups(api, keyword=keyword)
    assert body["items"] == [GENERAL]
    assert body["total"] == 1


async def test_keyword_that_matches_nothing_gives_an_empty_page(api: Api) -> None:
    await create_group(api, "VIP")
    body = await list_groups(api, keyword="nothing-like-this")
    assert body == {"total": 0, "count": 0, "offset": 0, "limit": 100, "items": []}


@pytest.mark.parametrize("keyword", ["%", "_"])
async def test_keyword_wildcard_characters_match_literally(api: Api, keyword: str) -> None:
    special = await create_group(api, "50% off_now")
    await create_group(api, "VIP")
    assert await list_ids(api, keyword=keyword) == [special]


async def test_list_honours_response_fields(api: Api) -> None:
    group_id = await create_group(api, "Wholesale", externalReferenceId="crm-1")
    body = await list_groups(api, responseFields="total,items(id)")
    assert body == {"total": 2, "items": [{"id": 0}, {"id": group_id}]}


async def test_non_numeric_id_filter_is_400(api: Api) -> None:
    response = await api.client.get(
        api.url(group_path()), params={"customerGroupIds": "1,abc"}, headers=api.auth()
    )
    assert_error(response, 400, "WRONG_PARAMETER")


@pytest.mark.parametrize("param", ["customerGroupIds", "customerGroupId"])
async def test_id_filter_returns_only_the_listed_groups(api: Api, param: str) -> None:
    first = await create_group(api, "First")
    await create_group(api, "Second")
    third = await create_group(api, "Third")

    body = await list_groups(api, **{param: f"{third},{first}"})
    assert [item["id"] for item in body["items"]] == [first, third]
    assert body["total"] == 2
    # General passes the filter only when its id is listed, and still comes first.
    assert await list_ids(api, **{param: f"{third},0"}) == [0, third]


async def test_id_filter_with_unknown_ids_gives_an_empty_page(api: Api) -> None:
    await create_group(api, "First")
    body = await list_groups(api, customerGroupIds="98765")
    assert (body["total"], body["items"]) == (0, [])


async def test_keyword_and_id_filter_combine(api: Api) -> None:
    wholesale = await create_group(api, "Wholesale")
    resale = await create_group(api, "Resale")
    await create_group(api, "VIP")
    assert await list_ids(api, keyword="sale", customerGroupIds=f"0,{resale}") == [resale]
    assert await list_ids(api, keyword="e", customerGroupIds=f"0,{wholesale}") == [0, wholesale]


async def test_paging_counts_general_as_the_first_item(api: Api) -> None:
    ids = [await create_group(api, f"Group {n}") for n in range(5)]

    first = await list_groups(api, offset="0", limit="2")
    assert [item["id"] for item in first["items"]] == [0, ids[0]]
    assert (first["total"], first["count"], first["offset"], first["limit"]) == (6, 2, 0, 2)

    second = await list_groups(api, offset="2", limit="2")
    assert [item["id"] for item in second["items"]] == ids[1:3]
    assert (second["total"], second["count"], second["offset"]) == (6, 2, 2)

    last = await list_groups(api, offset="5", limit="2")
    assert [item["id"] for item in last["items"]] == [ids[4]]
    assert (last["total"], last["count"]) == (6, 1)

    assert await list_ids(api, offset="1", limit="1") == [ids[0]]
    assert await list_ids(api, offset="0", limit="1") == [0]


async def test_offset_past_the_end_gives_an_empty_page(api: Api) -> None:
    await create_group(api, "VIP")
    body = await list_groups(api, offset="10")
    assert (body["total"], body["count"], body["offset"], body["items"]) == (2, 0, 10, [])


@pytest.mark.parametrize(("sent", "effective"), [("500", 100), ("0", 100), ("7", 7)])
async def test_limit_echo_is_the_effective_limit(api: Api, sent: str, effective: int) -> None:
    assert (await list_groups(api, limit=sent))["limit"] == effective


async def test_more_than_100_groups_are_paged_by_100(api: Api) -> None:
    for n in range(100):
        await create_group(api, f"Group {n}")
    first = await list_groups(api)
    assert (first["total"], first["count"], first["limit"]) == (101, 100, 100)
    assert first["items"][0] == GENERAL
    rest = await list_groups(api, offset="100")
    assert (rest["count"], rest["items"][0]["name"]) == (1, "Group 99")


async def test_negative_offset_is_400(api: Api) -> None:
    response = await api.client.get(
        api.url(group_path()), params={"offset": "-1"}, headers=api.auth()
    )
    assert_error(response, 400, "WRONG_PARAMETER")


# -- reading one --------------------------------------------------------------------------------


async def test_general_group_reads_as_id_0_named_general(api: Api) -> None:
    response = await get_group(api, 0)
    assert response.status_code == 200
    assert response.json() == GENERAL


async def test_get_group_returns_id_name_and_external_reference(api: Api) -> None:
    plain = await create_group(api, "Wholesale")
    linked = await create_group(api, "Retail", externalReferenceId="crm-17")
    assert await group_ok(api, plain) == {"id": plain, "name": "Wholesale"}
    assert await group_ok(api, linked) == {
        "id": linked,
        "name": "Retail",
        "externalReferenceId": "crm-17",
    }


@pytest.mark.parametrize("group_id", ["98765", "99999999999999999999"])
@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
async def test_unknown_group_is_404_with_ecwid_message(
    api: Api, method: str, group_id: str
) -> None:
    body = {"name": "Renamed"} if method == "PUT" else None
    response = await api.client.request(
        method, api.url(group_path(group_id)), json=body, headers=api.auth()
    )
    assert_error(response, 404, "CUSTOMER_GROUP_NOT_FOUND", f"Customer group #{group_id} not found")


async def test_non_numeric_group_id_is_400(api: Api) -> None:
    assert_error(await get_group(api, "abc"), 400, "WRONG_PARAMETER")


# -- creating -----------------------------------------------------------------------------------


async def test_create_answers_only_the_new_id(api: Api) -> None:
    response = await post_group(api, {"name": "Wholesale"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert list(body) == ["id"]
    assert isinstance(body["id"], int)
    assert 0 < body["id"] < 2**31
    assert await group_ok(api, body["id"]) == {"id": body["id"], "name": "Wholesale"}


async def test_create_ignores_a_client_id(api: Api) -> None:
    group_id = await create_group(api, "Wholesale", id="777")
    assert group_id != 777
    assert_error(await get_group(api, 777), 404, "CUSTOMER_GROUP_NOT_FOUND")


@pytest.mark.parametrize(
    "body", [{}, {"name": None}, {"name": ""}, {"name": "   "}, {"externalReferenceId": "x"}]
)
async def test_create_without_a_name_is_400_field_absent(api: Api, body: dict[str, Any]) -> None:
    response = await post_group(api, body)
    assert_error(response, 400, "WRONG_PARAMETER", "Field CustomerMembership.name is absent")
    assert (await list_groups(api))["total"] == 1


async def test_create_with_a_non_string_name_is_400(api: Api) -> None:
    assert_error(await post_group(api, {"name": 5}), 400, "WRONG_PARAMETER")
    assert (await list_groups(api))["total"] == 1


async def test_duplicate_names_are_allowed(api: Api) -> None:
    first = await create_group(api, "Wholesale")
    second = await create_group(api, "Wholesale")
    assert first != second
    assert await list_ids(api, keyword="wholesale") == [first, second]


async def test_group_ids_increase_and_are_never_reused_after_delete(api: Api) -> None:
    first = await create_group(api, "First")
    second = await create_group(api, "Second")
    assert (await delete_group(api, second)).status_code == 200
    assert (await delete_group(api, first)).status_code == 200
    third = await create_group(api, "Third")
    assert third > second
    assert third not in (first, second)


# -- updating -----------------------------------------------------------------------------------


async def test_update_renames_and_keeps_the_external_reference(api: Api) -> None:
    group_id = await create_group(api, "Wholesale", externalReferenceId="crm-17")
    response = await put_group(api, group_id, {"name": "Trade"})
    assert response.status_code == 200, response.text
    assert response.json() == {"updateCount": 1}
    assert await group_ok(api, group_id) == {
        "id": group_id,
        "name": "Trade",
        "externalReferenceId": "crm-17",
    }


async def test_update_external_reference_only_keeps_the_name(api: Api) -> None:
    group_id = await create_group(api, "Wholesale")
    response = await put_group(api, group_id, {"externalReferenceId": "crm-18"})
    assert response.json() == {"updateCount": 1}
    assert await group_ok(api, group_id) == {
        "id": group_id,
        "name": "Wholesale",
        "externalReferenceId": "crm-18",
    }


async def test_update_to_a_blank_name_is_400_and_changes_nothing(api: Api) -> None:
    group_id = await create_group(api, "Wholesale")
    assert_error(await put_group(api, group_id, {"name": "  "}), 400, "WRONG_PARAMETER")
    assert (await group_ok(api, group_id))["name"] == "Wholesale"


async def test_rename_changes_member_group_name_and_bumps_their_updated(api: Api) -> None:
    group_id = await create_group(api, "Wholesale")
    member = await api.create_ok({"email": "m@example.net", "customerGroupId": group_id})
    outsider = await api.create_ok({"email": "o@example.net"})
    assert (await api.get_ok(member))["customerGroupName"] == "Wholesale"
    outsider_before = await api.get_ok(outsider)

    api.clock.advance(3600)
    assert (await put_group(api, group_id, {"name": "Trade"})).status_code == 200

    after = await api.get_ok(member)
    assert (after["customerGroupId"], after["customerGroupName"]) == (group_id, "Trade")
    assert after["updated"] == ecwid_time(api.clock.now())
    assert after["registered"] != after["updated"]
    assert await api.get_ok(outsider) == outsider_before


async def test_rename_is_visible_in_customer_search(api: Api) -> None:
    group_id = await create_group(api, "Wholesale")
    await api.create_ok({"email": "m@example.net", "customerGroupId": group_id})
    await put_group(api, group_id, {"name": "Trade"})
    response = await api.client.get(api.url(), headers=api.auth())
    (item,) = response.json()["items"]
    assert item["customerGroupName"] == "Trade"


@pytest.mark.parametrize("body", [{"name": "Everyone"}, {"externalReferenceId": "x"}, {}])
async def test_update_of_general_is_400(api: Api, body: dict[str, Any]) -> None:
    response = await put_group(api, 0, body)
    assert_error(response, 400, "WRONG_PARAMETER", "General customer group cannot be changed")
    assert await group_ok(api, 0) == GENERAL


# -- deleting -----------------------------------------------------------------------------------


async def test_delete_answers_delete_count_and_the_group_is_gone(api: Api) -> None:
    group_id = await create_group(api, "Wholesale")
    keep = await create_group(api, "Retail")
    response = await delete_group(api, group_id)
    assert response.status_code == 200, response.text
    assert response.json() == {"deleteCount": 1}

    message = f"Customer group #{group_id} not found"
    assert_error(await get_group(api, group_id), 404, "CUSTOMER_GROUP_NOT_FOUND", message)
    assert_error(await delete_group(api, group_id), 404, "CUSTOMER_GROUP_NOT_FOUND", message)
    assert_error(
        await put_group(api, group_id, {"name": "Back"}), 404, "CUSTOMER_GROUP_NOT_FOUND", message
    )
    assert await list_ids(api) == [0, keep]


async def test_delete_moves_members_to_general_and_bumps_their_updated(api: Api) -> None:
    group_id = await create_group(api, "Wholesale")
    other_group = await create_group(api, "Retail")
    members = [
        await api.create_ok({"email": f"m{n}@example.net", "customerGroupId": group_id})
        for n in range(2)
    ]
    bystander = await api.create_ok({"email": "b@example.net", "customerGroupId": other_group})
    bystander_before = await api.get_ok(bystander)

    api.clock.advance(3600)
    assert (await delete_group(api, group_id)).status_code == 200

    for member in members:
        customer = await api.get_ok(member)
        assert (customer["customerGroupId"], customer["customerGroupName"]) == (0, "General")
        assert customer["updated"] == ecwid_time(api.clock.now())
    assert await api.get_ok(bystander) == bystander_before


async def test_former_members_are_found_by_the_general_filter(api: Api) -> None:
    group_id = await create_group(api, "Wholesale")
    member = await api.create_ok({"email": "m@example.net", "customerGroupId": group_id})
    await delete_group(api, group_id)
    response = await api.client.get(api.url(), params={"customerGroup": "0"}, headers=api.auth())
    assert [item["id"] for item in response.json()["items"]] == [member]


async def test_delete_of_general_is_400(api: Api) -> None:
    response = await delete_group(api, 0)
    assert_error(response, 400, "WRONG_PARAMETER", "General customer group cannot be changed")
    assert await list_ids(api) == [0]


# -- plan (402), other stores, scopes -----------------------------------------------------------

ENDPOINTS = [
    ("GET", group_path(), None),
    ("GET", group_path(0), None),
    ("GET", group_path(1), None),
    ("POST", group_path(), {"name": "Wholesale"}),
    ("PUT", group_path(1), {"name": "Trade"}),
    ("DELETE", group_path(1), None),
    ("PUT", group_path(0), {"name": "Trade"}),
    ("DELETE", group_path(0), None),
]


@pytest.mark.parametrize(("method", "path", "body"), ENDPOINTS)
async def test_store_without_groups_gets_402_on_every_group_endpoint(
    api: Api, method: str, path: str, body: Any
) -> None:
    await make_store(api.storage, 2002, customer_groups_enabled=False)
    token = await make_token(api.storage, 2002)
    response = await api.client.request(
        method, api.url(path, store_id=2002), json=body, headers=api.auth(token)
    )
    assert_error(response, 402, "NOT_AVAILABLE_ON_CURRENT_PLAN")


async def test_plan_check_comes_before_the_scope_check(api: Api) -> None:
    await make_store(api.storage, 2002, customer_groups_enabled=False)
    token = await make_token(api.storage, 2002, (CREATE_CUSTOMERS,))
    response = await api.client.get(api.url(group_path(), store_id=2002), headers=api.auth(token))
    assert_error(response, 402, "NOT_AVAILABLE_ON_CURRENT_PLAN")


async def test_store_without_groups_still_serves_customers(api: Api) -> None:
    await make_store(api.storage, 2002, customer_groups_enabled=False)
    token = await make_token(api.storage, 2002)
    response = await api.client.post(
        api.url(store_id=2002), json={"email": "a@example.net"}, headers=api.auth(token)
    )
    assert response.status_code == 200, response.text


async def _other_store_groups(api: Api, *names: str) -> tuple[str, list[int]]:
    await make_store(api.storage, 2002)
    token = await make_token(api.storage, 2002)
    ids = []
    for name in names:
        response = await api.client.post(
            api.url(group_path(), store_id=2002), json={"name": name}, headers=api.auth(token)
        )
        assert response.status_code == 200, response.text
        ids.append(response.json()["id"])
    return token, ids


async def test_groups_of_another_store_are_invisible(api: Api) -> None:
    _, (first, second) = await _other_store_groups(api, "Theirs", "Also theirs")
    mine = await create_group(api, "Mine")
    assert mine == first  # each store counts its own ids

    assert await list_ids(api) == [0, mine]
    assert await list_ids(api, keyword="theirs") == []
    assert await list_ids(api, customerGroupIds=f"{second}") == []
    assert_error(await get_group(api, second), 404, "CUSTOMER_GROUP_NOT_FOUND")
    assert_error(await put_group(api, second, {"name": "X"}), 404, "CUSTOMER_GROUP_NOT_FOUND")
    assert_error(await delete_group(api, second), 404, "CUSTOMER_GROUP_NOT_FOUND")


async def test_changes_here_leave_the_same_id_in_another_store_alone(api: Api) -> None:
    token, (theirs,) = await _other_store_groups(api, "Theirs")
    mine = await create_group(api, "Mine")
    assert mine == theirs
    await put_group(api, mine, {"name": "Renamed"})
    await delete_group(api, mine)
    response = await api.client.get(
        api.url(group_path(theirs), store_id=2002), headers=api.auth(token)
    )
    assert response.json() == {"id": theirs, "name": "Theirs"}


async def test_customer_cannot_join_a_group_of_another_store(api: Api) -> None:
    _, (_, second) = await _other_store_groups(api, "Theirs", "Also theirs")
    response = await api.create({"email": "a@example.net", "customerGroupId": second})
    assert_error(response, 404, "CUSTOMER_GROUP_NOT_FOUND")


SCOPED = [
    ("GET", "list", READ_CUSTOMERS),
    ("GET", "one", READ_CUSTOMERS),
    ("POST", "list", CREATE_CUSTOMERS),
    ("PUT", "one", UPDATE_CUSTOMERS),
    ("DELETE", "one", UPDATE_CUSTOMERS),
]


async def _call(api: Api, method: str, target: str, token: str) -> tuple[int, httpx.Response]:
    group_id = await create_group(api, "Wholesale")
    path = group_path() if target == "list" else group_path(group_id)
    body = {"name": "Trade"} if method in ("POST", "PUT") else None
    response = await api.client.request(method, api.url(path), json=body, headers=api.auth(token))
    return group_id, response


@pytest.mark.parametrize(("method", "target", "scope"), SCOPED)
async def test_scope_from_the_route_table_is_enough(
    api: Api, method: str, target: str, scope: str
) -> None:
    token = await make_token(api.storage, api.store_id, (scope,))
    _, response = await _call(api, method, target, token)
    assert response.status_code == 200, response.text
