"""Control endpoints for the order-history stand-in: a customer's ``stats`` and purchases.

No API route changes these (in Ecwid orders do), so a test that needs customers with orders
sets them here, or in a fixture; order-based search then follows them (``domain/orders.py``).
"""

from __future__ import annotations

from typing import Any

import msgspec

from ecwid_customers import errors
from ecwid_customers.control.plane import ControlCall
from ecwid_customers.domain.ids import MAX_ID
from ecwid_customers.domain.orders import OrderHistory, OrderHistoryInput, history_from_input
from ecwid_customers.http.responses import Response, json_response


def _view(customer_id: int, history: OrderHistory) -> dict[str, Any]:
    return {
        "customerId": customer_id,
        "stats": msgspec.to_builtins(history.stats),
        "purchasedProductIds": list(history.purchased_product_ids),
    }


async def _customer(call: ControlCall) -> tuple[int, int]:
    """The store and customer ids of the path, both known to exist then (or 404)."""
    store_id = call.number("storeId", "store")
    customer_id = call.number("customerId", "customer")
    await call.store(store_id)
    return store_id, customer_id


def _no_customer(store_id: int, customer_id: int) -> errors.EcwidError:
    return errors.control_not_found(f"customer {customer_id} of store {store_id}")


async def get_order_history(call: ControlCall) -> Response:
    store_id, customer_id = await _customer(call)
    found = None
    if customer_id <= MAX_ID:
        found = await call.storage.get_order_history(store_id, customer_id)
    if found is None:
        raise _no_customer(store_id, customer_id)
    return json_response(_view(customer_id, found))


async def set_order_history(call: ControlCall) -> Response:
    """Replace the customer's history: a part left out of the body is "no orders"."""
    store_id = call.number("storeId", "store")
    customer_id = call.number("customerId", "customer")
    sent: OrderHistoryInput = await call.body(OrderHistoryInput)
    try:
        history = history_from_input(sent)
    except ValueError as error:
        raise errors.control_bad_request(str(error)) from None
    await call.store(store_id)
    saved = None
    if customer_id <= MAX_ID:
        saved = await call.storage.set_order_history(store_id, customer_id, history)
    if saved is None:
        raise _no_customer(store_id, customer_id)
    return json_response(_view(customer_id, history))
