"""Delete a customer and list deletions (spec 4.5, 4.6, Q17, Q18, Q37), end to end."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from ecwid_customers.scopes import (
    CREATE_CUSTOMERS,
    CUSTOMER_SCOPES,
    READ_CUSTOMERS,
    READ_STORE_PROFILE,
    UPDATE_CUSTOMERS,
)
from tests.support import Api, assert_error, count_customers, make_store, make_token

DAY = 24 * 3600
START = 1_704_067_200  # the clock fixture's 2024-01-01 00:00:00 UTC


def ecwid_time(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%d %H:%M:%S +0000")


async def delete(
    api: Api, customer_id: int | str, *, token: str | None = None, store_id: int | None = None
) -> httpx.Response:
    return await api.client.delete(
        api.url(f"customers/{customer_id}", store_id), headers=api.auth(token)
    )


async def delete_ok(api: Api, customer_id: int) -> None:
    response = await delete(api, customer_id)
    assert response.status_code == 200, response.text
    assert response.json() == {"deleteCount": 1}


async def deleted(api: Api, *, token: str | None = None, **params: str) -> httpx.Response:
    return await api.client.get(
        api.url("customers/deleted"), params=params, headers=api.auth(token)
    )


async def deleted_ok(api: Api, **params: str) -> dict[str, Any]:
    response = await deleted(api, **params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def deleted_ids(api: Api, **params: str) -> list[int]:
    return [item["id"] for item in (await deleted_ok(api, **params))["items"]]


async def customers_deleted_at(api: Api, offsets: list[int]) -> list[int]:
    """One customer per offset (seconds after START), each deleted at START + offset."""
    ids = [await api.create_ok({"email": f"c{n}@example.net"}) for n in range(len(offsets))]
    for customer_id, offset in zip(ids, offsets, strict=True):
        api.clock.current = START + offset
        await delete_ok(api, customer_id)
    return ids


# -- DELETE /customers/{id} ---------------------------------------------------------------------


async def test_delete_answers_delete_count_one(api: Api) -> None:
    customer_id = await api.create_ok({"email": "ann@example.net"})
    response = await delete(api, customer_id)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert response.json() == {"deleteCount": 1}


async def test_deleted_customer_is_404_for_get_put_and_delete(api: Api) -> None:
    customer_id = await api.create_ok({"email": "ann@example.net"})
    await delete_ok(api, customer_id)
    message = f"Customer #{customer_id} not found"

    assert_error(await api.get(customer_id), 404, "CUSTOMER_NOT_FOUND", message)
    put = await api.client.put(
        api.url(f"customers/{customer_id}"), json={"taxId": "X"}, headers=api.auth()
    )
    assert_error(put, 404, "CUSTOMER_NOT_FOUND", message)
    assert_error(await delete(api, customer_id), 404, "CUSTOMER_NOT_FOUND", message)


async def test_deleted_customer_contacts_are_404(api: Api) -> None:
    customer_id = await api.create_ok({"email": "ann@example.net"})
    contact_id = (await api.get_ok(customer_id))["contacts"][0]["id"]
    await delete_ok(api, customer_id)
    for path in (
        f"customers/{customer_id}/contacts",
        f"customers/{customer_id}/contacts/{contact_id}",
    ):
        response = await api.client.get(api.url(path), headers=api.auth())
        assert_error(response, 404, "CUSTOMER_NOT_FOUND")


async def test_delete_leaves_other_customers_alone(api: Api) -> None:
    gone = await api.create_ok({"email": "gone@example.net"})
    kept = await api.create_ok({"email": "kept@example.net"})
    kept_before = await api.get_ok(kept)
    await delete_ok(api, gone)
    assert await api.get_ok(kept) == kept_before
    assert await count_customers(api.storage, api.store_id) == 1


async def test_deleted_customer_leaves_search_and_the_count(api: Api) -> None:
    gone = await api.create_ok({"email": "gone@example.net"})
    kept = await api.create_ok({"email": "kept@example.net"})
    await delete_ok(api, gone)
    body = (await api.client.get(api.url(), headers=api.auth())).json()
    assert [item["id"] for item in body["items"]] == [kept]
    assert (body["total"], body["allCustomerCount"]) == (1, 1)
    by_email = await api.client.get(api.url(), params={"email": "gone"}, headers=api.auth())
    assert by_email.json()["total"] == 0


@pytest.mark.parametrize("customer_id", ["987654", "99999999999999999999"])
async def test_delete_of_an_unknown_customer_is_404(api: Api, customer_id: str) -> None:
    await api.create_ok({"email": "ann@example.net"})
    response = await delete(api, customer_id)
    assert_error(response, 404, "CUSTOMER_NOT_FOUND", f"Customer #{customer_id} not found")
    assert await count_customers(api.storage, api.store_id) == 1
    assert (await deleted_ok(api))["total"] == 0


async def test_delete_with_a_non_numeric_id_is_400(api: Api) -> None:
    assert_error(await delete(api, "abc"), 400, "WRONG_PARAMETER")


async def test_email_of_a_deleted_customer_is_free_and_gets_a_new_id(api: Api) -> None:
    old_id = await api.create_ok({"email": "ann@example.net"})
    assert (await api.create({"email": "ann@example.net"})).status_code == 409
    await delete_ok(api, old_id)

    new_id = await api.create_ok({"email": "ANN@example.net"})
    assert new_id != old_id
    assert new_id > old_id
    assert (await api.get_ok(new_id))["email"] == "ANN@example.net"
    assert_error(await api.get(old_id), 404, "CUSTOMER_NOT_FOUND")


async def test_email_of_a_deleted_customer_can_be_taken_by_update(api: Api) -> None:
    old_id = await api.create_ok({"email": "ann@example.net"})
    other = await api.create_ok({"email": "bob@example.net"})
    await delete_ok(api, old_id)
    response = await api.client.put(
        api.url(f"customers/{other}"), json={"email": "ann@example.net"}, headers=api.auth()
    )
    assert response.status_code == 200, response.text
    assert (await api.get_ok(other))["email"] == "ann@example.net"


async def test_customer_ids_are_never_reused_after_deleting_the_newest(api: Api) -> None:
    first = await api.create_ok({"email": "a@example.net"})
    newest = await api.create_ok({"email": "b@example.net"})
    await delete_ok(api, newest)
    await delete_ok(api, first)
    assert await api.create_ok({"email": "c@example.net"}) > newest


async def test_delete_in_one_store_leaves_the_same_id_in_another_store(api: Api) -> None:
    await make_store(api.storage, 2002)
    other = await make_token(api.storage, 2002)
    here = await api.create_ok({"email": "ann@example.net"})
    there = await api.client.post(
        api.url(store_id=2002), json={"email": "ann@example.net"}, headers=api.auth(other)
    )
    assert there.json()["id"] == here
    await delete_ok(api, here)
    response = await api.client.get(api.url(f"customers/{here}", 2002), headers=api.auth(other))
    assert response.status_code == 200


# -- DELETE scopes (Q17: read_customers + update_customers) ------------------------------------


@pytest.mark.parametrize(
    "scopes",
    [
        (UPDATE_CUSTOMERS,),
        (READ_CUSTOMERS,),
        tuple(scope for scope in CUSTOMER_SCOPES if scope != UPDATE_CUSTOMERS),
    ],
)
async def test_delete_without_read_and_update_scopes_is_403(
    api: Api, scopes: tuple[str, ...]
) -> None:
    customer_id = await api.create_ok({"email": "ann@example.net"})
    token = await make_token(api.storage, api.store_id, scopes)
    assert_error(await delete(api, customer_id, token=token), 403, "INSUFFICIENT_APP_SCOPE")
    await api.get_ok(customer_id)
    assert (await deleted_ok(api))["total"] == 0


async def test_delete_with_read_and_update_scopes_works(api: Api) -> None:
    customer_id = await api.create_ok({"email": "ann@example.net"})
    token = await make_token(api.storage, api.store_id, (READ_CUSTOMERS, UPDATE_CUSTOMERS))
    response = await delete(api, customer_id, token=token)
    assert response.json() == {"deleteCount": 1}


# -- GET /customers/deleted ---------------------------------------------------------------------


async def test_no_deletions_give_an_empty_page(api: Api) -> None:
    await api.create_ok({"email": "ann@example.net"})
    assert await deleted_ok(api) == {"total": 0, "count": 0, "offset": 0, "limit": 100, "items": []}


async def test_deletion_is_listed_with_id_and_date(api: Api) -> None:
    customer_id = await api.create_ok({"email": "ann@example.net"})
    api.clock.advance(3600)
    await delete_ok(api, customer_id)
    assert await deleted_ok(api) == {
        "total": 1,
        "count": 1,
        "offset": 0,
        "limit": 100,
        "items": [{"id": customer_id, "date": "2024-01-01 01:00:00 +0000"}],
    }


async def test_deletions_are_listed_oldest_first(api: Api) -> None:
    a, b, c = [await api.create_ok({"email": f"{n}@example.net"}) for n in "abc"]
    for customer_id in (c, a, b):  # deleted out of id order
        api.clock.advance(60)
        await delete_ok(api, customer_id)
    body = await deleted_ok(api)
    assert [item["id"] for item in body["items"]] == [c, a, b]
    assert [item["date"] for item in body["items"]] == [
        ecwid_time(START + 60),
        ecwid_time(START + 120),
        ecwid_time(START + 180),
    ]


async def test_unix_second_bounds_are_inclusive(api: Api) -> None:
    first, second, third = await customers_deleted_at(api, [0, 100, 200])
    assert await deleted_ids(api, from_date=str(START + 100)) == [second, third]
    assert await deleted_ids(api, to_date=str(START + 100)) == [first, second]
    assert await deleted_ids(api, from_date=str(START + 100), to_date=str(START + 100)) == [second]
    assert await deleted_ids(api, from_date=str(START + 101), to_date=str(START + 199)) == []
    assert (await deleted_ok(api, from_date=str(START + 100)))["total"] == 2


@pytest.mark.parametrize(
    "day_two",
    ["2024-01-02", "2024-01-02 00:00:00", "2024-01-02 00:00:00 +0000", "2024-01-02 05:00:00 +0500"],
)
async def test_date_string_bounds_are_inclusive(api: Api, day_two: str) -> None:
    first, second, third = await customers_deleted_at(api, [0, DAY, 2 * DAY])
    assert await deleted_ids(api, from_date=day_two) == [second, third]
    assert await deleted_ids(api, to_date=day_two) == [first, second]
    assert await deleted_ids(api, from_date=day_two, to_date=day_two) == [second]


async def test_from_date_after_to_date_gives_nothing(api: Api) -> None:
    await customers_deleted_at(api, [0, 100])
    body = await deleted_ok(api, from_date=str(START + 100), to_date=str(START))
    assert (body["total"], body["items"]) == (0, [])


@pytest.mark.parametrize("param", ["from_date", "to_date"])
async def test_unparsable_date_bound_is_400(api: Api, param: str) -> None:
    assert_error(await deleted(api, **{param: "yesterday"}), 400, "WRONG_PARAMETER")


async def test_deleted_list_is_paged(api: Api) -> None:
    ids = await customers_deleted_at(api, [0, 10, 20, 30, 40])
    page = await deleted_ok(api, offset="1", limit="2")
    assert (page["total"], page["count"], page["offset"], page["limit"]) == (5, 2, 1, 2)
    assert [item["id"] for item in page["items"]] == ids[1:3]
    last = await deleted_ok(api, offset="4", limit="2")
    assert [item["id"] for item in last["items"]] == ids[4:]
    assert (await deleted_ok(api, offset="9"))["items"] == []
    assert (await deleted_ok(api, limit="1000"))["limit"] == 100


async def test_paging_follows_the_date_bounds(api: Api) -> None:
    ids = await customers_deleted_at(api, [0, 10, 20, 30, 40])
    page = await deleted_ok(api, from_date=str(START + 10), offset="1", limit="2")
    assert page["total"] == 4
    assert [item["id"] for item in page["items"]] == ids[2:4]


async def test_records_older_than_six_months_are_not_listed(api: Api) -> None:
    old, recent = [await api.create_ok({"email": f"{n}@example.net"}) for n in "ab"]
    await delete_ok(api, old)
    api.clock.advance(100 * DAY)
    await delete_ok(api, recent)
    assert await deleted_ids(api) == [old, recent]  # 100 days: both still kept

    api.clock.advance(100 * DAY)  # old is now 200 days old, recent 100
    assert await deleted_ids(api) == [recent]
    body = await deleted_ok(api, from_date="0")
    assert (body["total"], [item["id"] for item in body["items"]]) == (1, [recent])
    assert await deleted_ids(api, from_date="2024-01-01", to_date="2024-01-02") == []


async def test_deletions_of_another_store_are_invisible(api: Api) -> None:
    await make_store(api.storage, 2002)
    other = await make_token(api.storage, 2002)
    theirs = await api.client.post(
        api.url(store_id=2002), json={"email": "t@example.net"}, headers=api.auth(other)
    )
    their_id = theirs.json()["id"]
    assert (await delete(api, their_id, token=other, store_id=2002)).status_code == 200
    mine = await api.create_ok({"email": "m@example.net"})
    mine2 = await api.create_ok({"email": "m2@example.net"})
    await delete_ok(api, mine2)

    assert await deleted_ok(api) == {
        "total": 1,
        "count": 1,
        "offset": 0,
        "limit": 100,
        "items": [{"id": mine2, "date": ecwid_time(START)}],
    }
    await api.get_ok(mine)


# -- GET /customers/deleted scopes (Q18) --------------------------------------------------------


@pytest.mark.parametrize("scope", [READ_CUSTOMERS, READ_STORE_PROFILE])
async def test_either_read_customers_or_read_store_profile_lists_deletions(
    api: Api, scope: str
) -> None:
    customer_id = await api.create_ok({"email": "ann@example.net"})
    await delete_ok(api, customer_id)
    token = await make_token(api.storage, api.store_id, (scope,))
    response = await deleted(api, token=token)
    assert response.status_code == 200, response.text
    assert [item["id"] for item in response.json()["items"]] == [customer_id]


async def test_without_read_customers_or_read_store_profile_deleted_list_is_403(api: Api) -> None:
    others = tuple(s for s in CUSTOMER_SCOPES if s not in (READ_CUSTOMERS, READ_STORE_PROFILE))
    assert CREATE_CUSTOMERS in others
    token = await make_token(api.storage, api.store_id, others)
    assert_error(await deleted(api, token=token), 403, "INSUFFICIENT_APP_SCOPE")
