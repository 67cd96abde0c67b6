"""The order-history stand-in's checks: stats as Ecwid shows them, or a clear refusal."""

from __future__ import annotations

import msgspec
import pytest

from ecwid_customers.domain.orders import (
    StatsInput,
    checked_products,
    checked_stats,
    money,
    no_orders,
    order_history,
)


def test_money_is_kept_to_the_cent_and_whole_amounts_lose_their_fraction() -> None:
    assert money(30.0) == 30
    assert isinstance(money(30.0), int)
    assert money(19.998) == 20
    assert isinstance(money(19.998), int)
    assert money(10.125) in (10.12, 10.13)  # binary rounding either way, never more digits
    assert money(0.1 + 0.2) == 0.3


def test_stats_are_formatted_and_the_average_derived_when_not_given() -> None:
    stats = checked_stats(
        StatsInput(
            number_of_orders=3,
            sales_value=100,
            first_order_date="2024-01-10 04:00:00 -0500",
            last_order_date=1_710_061_200,
        )
    )
    assert msgspec.to_builtins(stats) == {
        "numberOfOrders": 3,
        "salesValue": 100,
        "averageOrderValue": 33.33,
        "firstOrderDate": "2024-01-10 09:00:00 +0000",
        "lastOrderDate": "2024-03-10 09:00:00 +0000",
    }
    given = checked_stats(StatsInput(number_of_orders=2, sales_value=10, average_order_value=1))
    assert given.average_order_value == 1


def test_no_orders_is_all_zero_and_a_new_object_each_time() -> None:
    assert checked_stats(StatsInput()) == no_orders()
    assert msgspec.to_builtins(no_orders()) == {
        "numberOfOrders": 0,
        "salesValue": 0,
        "averageOrderValue": 0,
    }
    assert no_orders() is not no_orders()


@pytest.mark.parametrize(
    ("sent", "complaint"),
    [
        (StatsInput(number_of_orders=-1), "numberOfOrders"),
        (StatsInput(number_of_orders=2**31), "numberOfOrders"),
        (StatsInput(sales_value=1), "no orders"),
        (StatsInput(average_order_value=1), "no orders"),
        (StatsInput(last_order_date="2024-01-01"), "no orders"),
        (StatsInput(number_of_orders=1, sales_value=-0.01), "salesValue"),
        (StatsInput(number_of_orders=1, sales_value=float("inf")), "salesValue"),
        (StatsInput(number_of_orders=1, sales_value=float("nan")), "salesValue"),
        (StatsInput(number_of_orders=1, average_order_value=-1), "averageOrderValue"),
        (StatsInput(number_of_orders=1, first_order_date="soon"), "firstOrderDate"),
        (StatsInput(number_of_orders=1, last_order_date="10000-01-01"), "lastOrderDate"),
        (
            StatsInput(
                number_of_orders=2, first_order_date="2024-02-01", last_order_date="2024-01-01"
            ),
            "after",
        ),
    ],
)
def test_stats_no_orders_add_up_to_are_refused_saying_why(sent: StatsInput, complaint: str) -> None:
    with pytest.raises(ValueError, match=complaint):
        checked_stats(sent)


def test_products_are_kept_once_each_in_order_and_need_an_order() -> None:
    one_order = checked_stats(StatsInput(number_of_orders=1))
    assert checked_products([5, 3, 5], one_order) == (3, 5)
    assert checked_products(None, no_orders()) == ()
    with pytest.raises(ValueError, match="numberOfOrders above 0"):
        checked_products([1], no_orders())
    with pytest.raises(ValueError, match="no product id"):
        checked_products([0], one_order)


def test_a_fixture_entry_s_values_of_the_wrong_type_are_refused() -> None:
    with pytest.raises(ValueError, match=r"^stats: .*numberOfOrders"):
        order_history({"numberOfOrders": "3"}, None)
    with pytest.raises(ValueError, match=r"^purchasedProductIds: "):
        order_history({"numberOfOrders": 1}, "7")
    history = order_history(None, None)
    assert history.stats == no_orders()
    assert history.purchased_product_ids == ()
