"""The order-history stand-in: what a customer's orders would have made of its ``stats``.

This server has no orders. So that order-based search (``minOrderCount``, ``minSalesValue``,
``purchasedProductIds``, the order sorts) can be exercised, fixtures and the control plane may
give a customer Ecwid's ``stats`` object (spec 5.5) and the ids of the products it bought.
No API route changes them: in Ecwid only orders do. The checks here keep the values such that
Ecwid could have shown them, so a test never relies on a history no store can have.
"""

from __future__ import annotations

import math
from typing import Any

import msgspec

from ecwid_customers.domain.clock import format_ecwid_time, in_time_range, parse_ecwid_time
from ecwid_customers.domain.ids import MAX_ID, MAX_LONG_ID
from ecwid_customers.domain.models import Stats

# Money above this is surely a mistake, and it keeps cents exact in a double.
MAX_MONEY = 10**12
# A customer's purchased products, bounded like other lists a request may carry.
MAX_PURCHASED_PRODUCTS = 10_000


def no_orders() -> Stats:
    """The stats of a customer without orders (a new object: customers' stats are mutable)."""
    return Stats(number_of_orders=0, sales_value=0, average_order_value=0)


class StatsInput(msgspec.Struct, rename="camel", kw_only=True, forbid_unknown_fields=True):
    """``stats`` as a fixture or the control plane sends it; ``averageOrderValue`` may be left
    out (it is then ``salesValue / numberOfOrders``)."""

    number_of_orders: int = 0
    sales_value: int | float = 0
    average_order_value: int | float | None = None
    first_order_date: str | int | None = None
    last_order_date: str | int | None = None


class OrderHistory(msgspec.Struct, frozen=True, kw_only=True):
    """A customer's stand-in order history: its ``stats`` and the products it bought."""

    stats: Stats
    purchased_product_ids: tuple[int, ...] = ()


class OrderHistoryInput(msgspec.Struct, rename="camel", kw_only=True, forbid_unknown_fields=True):
    """The control plane's body: both parts optional, a missing one is "no orders"."""

    stats: StatsInput | None = None
    purchased_product_ids: list[int] | None = None


def money(value: float) -> int | float:
    """A money amount as Ecwid writes it: whole amounts without a fraction (``0``, not
    ``0.0``), others to the cent."""
    rounded = round(float(value), 2)
    return int(rounded) if rounded.is_integer() else rounded


def _amount(name: str, value: float) -> int | float:
    if isinstance(value, bool) or not math.isfinite(value) or not 0 <= value <= MAX_MONEY:
        raise ValueError(f"stats.{name} is an amount from 0 to {MAX_MONEY}")
    return money(value)


def _date(name: str, value: str | int | None) -> int | None:
    if value is None:
        return None
    try:
        seconds = parse_ecwid_time(str(value))
    except ValueError:
        raise ValueError(
            f"stats.{name} is a date like 2024-08-21 07:52:09 +0000, not {value!r}"
        ) from None
    if not in_time_range(seconds):
        raise ValueError(f"stats.{name} {value!r} is outside 1970 to 9999")
    return seconds


def checked_stats(sent: StatsInput) -> Stats:
    """``sent`` as the customer shows it, dates in Ecwid's format; ``ValueError`` saying what
    is wrong when no customer's orders could add up to it."""
    count = sent.number_of_orders
    if isinstance(count, bool) or not 0 <= count <= MAX_ID:
        raise ValueError(f"stats.numberOfOrders is a whole number from 0 to {MAX_ID}")
    sales = _amount("salesValue", sent.sales_value)
    first = _date("firstOrderDate", sent.first_order_date)
    last = _date("lastOrderDate", sent.last_order_date)
    if count == 0:
        if sales or (sent.average_order_value or 0) or first is not None or last is not None:
            raise ValueError(
                "a customer with no orders (stats.numberOfOrders 0) has salesValue 0, "
                "averageOrderValue 0 and no order dates"
            )
        return no_orders()
    if sent.average_order_value is None:
        average = money(sales / count)
    else:
        average = _amount("averageOrderValue", sent.average_order_value)
    if first is not None and last is not None and first > last:
        raise ValueError("stats.firstOrderDate is after stats.lastOrderDate")
    return Stats(
        number_of_orders=count,
        sales_value=sales,
        average_order_value=average,
        first_order_date=format_ecwid_time(first) if first is not None else None,
        last_order_date=format_ecwid_time(last) if last is not None else None,
    )


def checked_products(ids: list[int] | tuple[int, ...] | None, stats: Stats) -> tuple[int, ...]:
    """Product ids, each once, in ascending order; ``ValueError`` for ids that cannot be
    Ecwid's or a purchase without an order."""
    if not ids:
        return ()
    if len(ids) > MAX_PURCHASED_PRODUCTS:
        raise ValueError(f"purchasedProductIds holds at most {MAX_PURCHASED_PRODUCTS} ids")
    for product_id in ids:
        if isinstance(product_id, bool) or not 0 < product_id <= MAX_LONG_ID:
            raise ValueError(f"purchasedProductIds: {product_id!r} is no product id")
    if stats.number_of_orders == 0:
        raise ValueError("purchasedProductIds needs stats.numberOfOrders above 0")
    return tuple(sorted(set(ids)))


def order_history(stats: Any, purchased_product_ids: Any) -> OrderHistory:
    """A history from JSON values as a fixture entry holds them (either may be missing)."""
    try:
        sent = msgspec.convert(stats if stats is not None else {}, StatsInput)
    except msgspec.ValidationError as error:
        raise ValueError(f"stats: {error}") from None
    try:
        ids = msgspec.convert(purchased_product_ids, list[int] | None)
    except msgspec.ValidationError as error:
        raise ValueError(f"purchasedProductIds: {error}") from None
    checked = checked_stats(sent)
    return OrderHistory(stats=checked, purchased_product_ids=checked_products(ids, checked))


def history_from_input(sent: OrderHistoryInput) -> OrderHistory:
    checked = checked_stats(sent.stats or StatsInput())
    products = checked_products(sent.purchased_product_ids, checked)
    return OrderHistory(stats=checked, purchased_product_ids=products)
