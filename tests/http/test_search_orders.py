"""Order-based search over the order-history stand-in (spec 4.1, 5.5), on both engines.

Histories are given through storage (what fixtures and the control plane call); what is
checked is the API's answer: filters, the six order sorts, ``totalOrderCount`` and ``stats``.
"""

from __future__ import annotations

from typing import Any

import pytest

from ecwid_customers.domain.orders import OrderHistory, StatsInput, checked_stats
from tests.support import Api, make_store, make_token

JAN = "2024-01-10 09:00:00 +0000"
FEB = "2024-02-10 09:00:00 +0000"
MAR = "2024-03-10 09:00:00 +0000"


async def give(
    api: Api,
    customer_id: int,
    orders: int,
    sales: float,
    first: str | None = None,
    last: str | None = None,
    products: tuple[int, ...] = (),
) -> None:
    stats = checked_stats(
        StatsInput(
            number_of_orders=orders, sales_value=sales, first_order_date=first, last_order_date=last
        )
    )
    history = OrderHistory(stats=stats, purchased_product_ids=products)
    assert await api.storage.set_order_history(api.store_id, customer_id, history) is not None


async def search(api: Api, **params: str) -> dict[str, Any]:
    response = await api.client.get(api.url(), params=params, headers=api.auth())
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def found(api: Api, **params: str) -> list[int]:
    return [item["id"] for item in (await search(api, **params))["items"]]


@pytest.fixture
async def shoppers(api: Api) -> dict[str, int]:
    """none: no orders; one: 1 order, 10.5; two: 2 orders, 30; also_two: 2 orders, 30 (a tie
    with two in everything but its dates); five: 5 orders, 99.99."""
    names = ("none", "one", "two", "also_two", "five")
    ids = {name: await api.create_ok({"email": f"{name}@example.net"}) for name in names}
    await give(api, ids["one"], 1, 10.5, FEB, FEB, products=(7,))
    await give(api, ids["two"], 2, 30, JAN, MAR, products=(7, 8))
    await give(api, ids["also_two"], 2, 30, JAN, MAR, products=(9,))
    await give(api, ids["five"], 5, 99.99, FEB, MAR, products=(8, 9))
    return ids


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"minOrderCount": "1"}, {"one", "two", "also_two", "five"}),
        ({"minOrderCount": "2"}, {"two", "also_two", "five"}),
        ({"maxOrderCount": "0"}, {"none"}),
        ({"maxOrderCount": "2"}, {"none", "one", "two", "also_two"}),
        ({"minOrderCount": "2", "maxOrderCount": "2"}, {"two", "also_two"}),  # inclusive
        ({"minOrderCount": "6"}, set()),
        ({"minSalesValue": "10.5"}, {"one", "two", "also_two", "five"}),
        ({"minSalesValue": "10.51"}, {"two", "also_two", "five"}),
        ({"maxSalesValue": "30"}, {"none", "one", "two", "also_two"}),
        ({"maxSalesValue": "29.99"}, {"none", "one"}),
        ({"minSalesValue": "30", "maxSalesValue": "99.99"}, {"two", "also_two", "five"}),
        ({"purchasedProductIds": "7"}, {"one", "two"}),
        ({"purchasedProductIds": "8,9"}, {"two", "also_two", "five"}),  # any one of them
        ({"purchasedProductIds": "1,2"}, set()),
        ({"purchasedProductIds": "9", "minOrderCount": "3"}, {"five"}),
        ({"purchasedProductIds": "7", "email": "one@"}, {"one"}),
    ],
)
async def test_order_filters_follow_the_histories(
    api: Api, shoppers: dict[str, int], params: dict[str, str], expected: set[str]
) -> None:
    body = await search(api, **params)
    assert {item["id"] for item in body["items"]} == {shoppers[name] for name in expected}
    assert body["total"] == len(expected)
    assert body["allCustomerCount"] == 5


# Expected orders, by shopper name. Ties (two and also_two everywhere but the dates, where
# also_two ties with two exactly) go by id in the direction of the sort; a customer without
# orders has no order dates and sorts as the earliest.
SORTS = {
    "ORDER_COUNT_ASC": ["none", "one", "two", "also_two", "five"],
    "ORDER_COUNT_DESC": ["five", "also_two", "two", "one", "none"],
    "SALES_VALUE_ASC": ["none", "one", "two", "also_two", "five"],
    "SALES_VALUE_DESC": ["five", "also_two", "two", "one", "none"],
    "FIRST_ORDER_DATE_ASC": ["none", "two", "also_two", "one", "five"],
    "FIRST_ORDER_DATE_DESC": ["five", "one", "also_two", "two", "none"],
    "LAST_ORDER_DATE_ASC": ["none", "one", "two", "also_two", "five"],
    "LAST_ORDER_DATE_DESC": ["five", "also_two", "two", "one", "none"],
}


@pytest.mark.parametrize("sort_by", SORTS)
async def test_order_sorts_follow_the_histories_and_break_ties_by_id(
    api: Api, shoppers: dict[str, int], sort_by: str
) -> None:
    expected = [shoppers[name] for name in SORTS[sort_by]]
    assert await found(api, sortBy=sort_by) == expected
    # Paged, and with a filter that the engine may answer from another index.
    pages = [await found(api, sortBy=sort_by, limit="2", offset=str(n)) for n in (0, 2, 4)]
    assert [i for page in pages for i in page] == expected
    filtered = [i for i in expected if i != shoppers["none"]]
    assert await found(api, sortBy=sort_by, minOrderCount="1") == filtered


async def test_search_items_carry_stats_and_total_order_count(
    api: Api, shoppers: dict[str, int]
) -> None:
    items = {item["id"]: item for item in (await search(api))["items"]}
    five, none = items[shoppers["five"]], items[shoppers["none"]]
    assert five["totalOrderCount"] == 5
    assert five["stats"] == {
        "numberOfOrders": 5,
        "salesValue": 99.99,
        "averageOrderValue": 20,  # 99.99 / 5, to the cent, derived as none was given
        "firstOrderDate": FEB,
        "lastOrderDate": MAR,
    }
    assert none["totalOrderCount"] == 0
    assert none["stats"] == {"numberOfOrders": 0, "salesValue": 0, "averageOrderValue": 0}
    # Whole amounts are written without a fraction, as Ecwid writes them.
    raw = (await api.client.get(api.url(), headers=api.auth())).text
    assert '"salesValue":30,' in raw


async def test_get_shows_the_stats_without_total_order_count(
    api: Api, shoppers: dict[str, int]
) -> None:
    customer = await api.get_ok(shoppers["one"])
    assert "totalOrderCount" not in customer
    assert customer["stats"] == {
        "numberOfOrders": 1,
        "salesValue": 10.5,
        "averageOrderValue": 10.5,
        "firstOrderDate": FEB,
        "lastOrderDate": FEB,
    }
    selected = await api.get(shoppers["one"], responseFields="stats(numberOfOrders)")
    assert selected.json() == {"stats": {"numberOfOrders": 1}}


async def test_put_leaves_stats_and_purchases_alone(api: Api, shoppers: dict[str, int]) -> None:
    customer_id = shoppers["two"]
    before = await api.get_ok(customer_id)
    response = await api.client.put(
        api.url(f"customers/{customer_id}"),
        json={"stats": {"numberOfOrders": 0, "salesValue": 0}, "privateAdminNotes": "vip"},
        headers=api.auth(),
    )
    assert response.status_code == 200, response.text
    after = await api.get_ok(customer_id)
    assert after["privateAdminNotes"] == "vip"
    assert after["stats"] == before["stats"]
    assert await found(api, purchasedProductIds="7") == [shoppers["one"], customer_id]


async def test_post_starts_without_orders_whatever_it_sends(api: Api) -> None:
    customer_id = await api.create_ok({"email": "new@example.net", "stats": {"numberOfOrders": 3}})
    assert (await api.get_ok(customer_id))["stats"]["numberOfOrders"] == 0
    assert await found(api, minOrderCount="1") == []


async def test_deleted_customer_leaves_no_purchases_behind(
    api: Api, shoppers: dict[str, int]
) -> None:
    response = await api.client.delete(api.url(f"customers/{shoppers['two']}"), headers=api.auth())
    assert response.status_code == 200, response.text
    assert await found(api, purchasedProductIds="8") == [shoppers["five"]]
    history = await api.storage.get_order_history(api.store_id, shoppers["two"])
    assert history is None


async def test_a_new_history_replaces_the_old_one(api: Api, shoppers: dict[str, int]) -> None:
    await give(api, shoppers["five"], 1, 5, MAR, MAR, products=(1,))
    assert await found(api, purchasedProductIds="8,9") == [shoppers["two"], shoppers["also_two"]]
    assert await found(api, purchasedProductIds="1") == [shoppers["five"]]
    await give(api, shoppers["five"], 0, 0)
    assert await found(api, maxOrderCount="0") == [shoppers["none"], shoppers["five"]]
    history = await api.storage.get_order_history(api.store_id, shoppers["five"])
    assert history is not None
    assert history.purchased_product_ids == ()


async def test_histories_stay_within_their_store(api: Api, shoppers: dict[str, int]) -> None:
    await make_store(api.storage, 2002)
    token = await make_token(api.storage, 2002)
    other = await api.client.post(
        api.url(store_id=2002), json={"email": "two@example.net"}, headers=api.auth(token)
    )
    other_id = other.json()["id"]
    assert other_id == shoppers["none"]  # ids count per store: the same id, another customer
    response = await api.client.get(
        api.url(store_id=2002),
        params={"purchasedProductIds": "7,8,9", "sortBy": "ORDER_COUNT_DESC"},
        headers=api.auth(token),
    )
    assert response.json()["total"] == 0
