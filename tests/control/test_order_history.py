"""The order-history stand-in through the control plane and fixtures, on both engines.

``PUT /_control/stores/{id}/customers/{customerId}/order-history`` gives a customer Ecwid's
``stats`` and purchased products; fixtures carry the same; exports write them back. A bad
history is 400 CONTROL_BAD_REQUEST and changes nothing.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.control.conftest import ApiStore, Kit
from tests.support import assert_error

JAN = "2024-01-10 09:00:00 +0000"
MAR = "2024-03-10 09:00:00 +0000"
NO_ORDERS = {"numberOfOrders": 0, "salesValue": 0, "averageOrderValue": 0}


def history_path(store_id: int, customer_id: int) -> str:
    return f"/stores/{store_id}/customers/{customer_id}/order-history"


async def customer_store(kit: Kit) -> tuple[ApiStore, int, int]:
    store = await kit.new_store(id=1, frozenAt=1_700_000_000)
    ann = await kit.add_customer(store, "ann@example.net")
    bob = await kit.add_customer(store, "bob@example.net")
    return store, ann, bob


async def found(kit: Kit, store: ApiStore, **params: str) -> list[int]:
    body = await kit.api_ok(store, "GET", params=params)
    return [item["id"] for item in body["items"]]


async def test_put_sets_what_search_and_get_then_show(kit: Kit) -> None:
    store, ann, bob = await customer_store(kit)
    before = await kit.api_ok(store, "GET", f"customers/{ann}")
    kit.clock.advance(60)
    body = {
        "stats": {
            "numberOfOrders": 3,
            "salesValue": 45.5,
            "firstOrderDate": "2024-01-10 04:00:00 -0500",  # any offset, shown in UTC
            "lastOrderDate": MAR,
        },
        "purchasedProductIds": [12, 11, 12],
    }
    answer = await kit.ok("PUT", history_path(1, ann), json=body)
    stats = {
        "numberOfOrders": 3,
        "salesValue": 45.5,
        "averageOrderValue": 15.17,  # derived: 45.5 / 3, to the cent
        "firstOrderDate": JAN,
        "lastOrderDate": MAR,
    }
    assert answer == {"customerId": ann, "stats": stats, "purchasedProductIds": [11, 12]}
    assert await kit.ok("GET", history_path(1, ann)) == answer
    after = await kit.api_ok(store, "GET", f"customers/{ann}")
    assert after["stats"] == stats
    assert after["updated"] == before["updated"]  # orders change stats, not the customer
    assert await found(kit, store, minOrderCount="3") == [ann]
    assert await found(kit, store, minSalesValue="45.5", maxSalesValue="45.5") == [ann]
    assert await found(kit, store, purchasedProductIds="11") == [ann]
    assert await found(kit, store, sortBy="ORDER_COUNT_DESC") == [ann, bob]
    assert await found(kit, store, sortBy="LAST_ORDER_DATE_ASC") == [bob, ann]
    items = (await kit.api_ok(store, "GET", params={"sortBy": "ORDER_COUNT_DESC"}))["items"]
    assert [item["totalOrderCount"] for item in items] == [3, 0]


async def test_given_average_is_kept_and_an_empty_body_clears_the_history(kit: Kit) -> None:
    store, ann, _ = await customer_store(kit)
    sent = {"stats": {"numberOfOrders": 2, "salesValue": 10, "averageOrderValue": 4.99}}
    answer = await kit.ok("PUT", history_path(1, ann), json=sent)
    assert answer["stats"] == {"numberOfOrders": 2, "salesValue": 10, "averageOrderValue": 4.99}
    assert answer["purchasedProductIds"] == []
    cleared = await kit.ok("PUT", history_path(1, ann), json={})
    assert cleared == {"customerId": ann, "stats": NO_ORDERS, "purchasedProductIds": []}
    assert await found(kit, store, minOrderCount="1") == []


BAD_HISTORIES = [
    ("negative count", {"stats": {"numberOfOrders": -1}}),
    ("count of the wrong type", {"stats": {"numberOfOrders": "3"}}),
    ("count too large", {"stats": {"numberOfOrders": 2**31}}),
    ("sales without orders", {"stats": {"salesValue": 5}}),
    ("dates without orders", {"stats": {"firstOrderDate": JAN}}),
    ("negative sales", {"stats": {"numberOfOrders": 1, "salesValue": -1}}),
    ("sales too large", {"stats": {"numberOfOrders": 1, "salesValue": 1e13}}),
    ("negative average", {"stats": {"numberOfOrders": 1, "averageOrderValue": -2}}),
    ("unreadable date", {"stats": {"numberOfOrders": 1, "lastOrderDate": "last week"}}),
    ("first after last",
     {"stats": {"numberOfOrders": 2, "firstOrderDate": MAR, "lastOrderDate": JAN}}),
    ("unknown stats key", {"stats": {"numberOfOrders": 1, "orders": 1}}),
    ("unknown key", {"stats": {"numberOfOrders": 1}, "orders": []}),
    ("purchases without orders", {"purchasedProductIds": [1]}),
    ("product id 0", {"stats": {"numberOfOrders": 1}, "purchasedProductIds": [0]}),
    ("product id too large", {"stats": {"numberOfOrders": 1}, "purchasedProductIds": [2**63]}),
    ("product id text", {"stats": {"numberOfOrders": 1}, "purchasedProductIds": ["1"]}),
    ("too many products",
     {"stats": {"numberOfOrders": 1}, "purchasedProductIds": list(range(1, 10_002))}),
    ("not an object", []),
]  # fmt: skip


@pytest.mark.parametrize(("what", "body"), BAD_HISTORIES, ids=[w for w, _ in BAD_HISTORIES])
async def test_bad_history_is_400_and_changes_nothing(kit: Kit, what: str, body: Any) -> None:
    _, ann, _ = await customer_store(kit)
    good = {"stats": {"numberOfOrders": 1, "salesValue": 2}, "purchasedProductIds": [5]}
    await kit.ok("PUT", history_path(1, ann), json=good)
    export = await kit.export(1)
    response = await kit.control("PUT", history_path(1, ann), json=body)
    assert_error(response, 400, "CONTROL_BAD_REQUEST")
    assert await kit.export(1) == export


async def test_unknown_store_or_customer_is_404(kit: Kit) -> None:
    await customer_store(kit)
    body = {"stats": {"numberOfOrders": 1}}
    for path in (
        history_path(2, 1),
        history_path(1, 3),
        history_path(1, 2**40),
        "/stores/1/customers/x/order-history",
    ):
        await kit.control_error("PUT", path, 404, "CONTROL_NOT_FOUND", json=body)
        await kit.control_error("GET", path, 404, "CONTROL_NOT_FOUND")
    # A bad body for an unknown customer is still a bad body.
    await kit.control_error("PUT", history_path(1, 3), 400, "CONTROL_BAD_REQUEST", json=[])


# -- fixtures --------------------------------------------------------------------------------


async def test_fixture_histories_are_searchable_and_exported_back(kit: Kit) -> None:
    store = await kit.new_store(id=1, frozenAt=1_700_000_000)
    ann = await kit.add_customer(store, "ann@example.net")
    await kit.ok(
        "PUT",
        history_path(1, ann),
        json={
            "stats": {"numberOfOrders": 2, "salesValue": 20.1, "firstOrderDate": JAN,
                      "lastOrderDate": MAR},
            "purchasedProductIds": [3, 4],
        },
    )  # fmt: skip
    export = await kit.export(1)
    entry = json.loads(export)["customers"][0]
    assert entry["stats"] == {
        "numberOfOrders": 2,
        "salesValue": 20.1,
        "averageOrderValue": 10.05,
        "firstOrderDate": JAN,
        "lastOrderDate": MAR,
    }
    assert entry["purchasedProductIds"] == [3, 4]
    # Another store made from it has the same histories, and exports the same bytes.
    fixture = json.loads(export)
    fixture["customers"].append(
        {"email": "zoe@example.net", "stats": {"numberOfOrders": 7, "salesValue": 70},
         "purchasedProductIds": [4, 5]}
    )  # fmt: skip
    copy = await kit.new_store(id=2, frozenAt=1_700_000_000, fixture=fixture)
    assert await found(kit, copy, purchasedProductIds="4", sortBy="SALES_VALUE_DESC") == [2, ann]
    zoe = await kit.api_ok(copy, "GET", "customers/2")
    assert zoe["stats"] == {"numberOfOrders": 7, "salesValue": 70, "averageOrderValue": 10}
    again = await kit.export(2)
    await kit.ok("POST", "/stores/3/import", content=again)
    assert (await kit.export(3)).replace(b'"id": 3,', b'"id": 2,', 1) == again


async def test_fixture_customers_without_stats_have_no_orders(kit: Kit) -> None:
    store = await kit.new_store(id=1)
    await kit.add_customer(store, "ann@example.net")
    fixture = json.loads(await kit.export(1))
    del fixture["customers"][0]["stats"]
    fixture["customers"].append({"email": "bob@example.net"})
    await kit.ok("POST", "/stores/1/import", json=fixture)
    items = (await kit.api_ok(store, "GET"))["items"]
    assert [item["stats"] for item in items] == [NO_ORDERS, NO_ORDERS]
    assert "purchasedProductIds" not in (await kit.export(1)).decode()


# In a fixture the history sits beside the customer's other keys: a key unknown there is
# another customer field, so that case is the control plane's alone.
FIXTURE_BAD_HISTORIES = [
    (what, body) for what, body in BAD_HISTORIES if isinstance(body, dict) and "orders" not in body
]


@pytest.mark.parametrize(
    ("what", "body"), FIXTURE_BAD_HISTORIES, ids=[w for w, _ in FIXTURE_BAD_HISTORIES]
)
@pytest.mark.parametrize("written", ["exported", "by hand"])
async def test_fixture_with_a_bad_history_is_400_naming_it_and_changes_nothing(
    kit: Kit, what: str, body: dict[str, Any], written: str
) -> None:
    store = await kit.new_store(id=1)
    await kit.add_customer(store, "ann@example.net")
    export = await kit.export(1)
    fixture = json.loads(export)
    entry = fixture["customers"][0] if written == "exported" else {"email": "bob@example.net"}
    entry.pop("stats", None)
    entry.update(body)
    if written == "by hand":
        fixture["customers"].append(entry)
    response = await kit.control("POST", "/stores/1/import", json=fixture)
    assert_error(response, 400, "CONTROL_BAD_REQUEST")
    index = 0 if written == "exported" else 1
    assert response.json()["errorMessage"].startswith(f"fixture customers[{index}]: ")
    assert await kit.export(1) == export
