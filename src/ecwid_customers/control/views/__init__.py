"""The control plane's endpoints, one table: method, path under ``/_control/``, view."""

from __future__ import annotations

from ecwid_customers.control.plane import ControlRoute
from ecwid_customers.control.views import orders, stores, tools, webhooks

ROUTES: tuple[ControlRoute, ...] = (
    ControlRoute("GET", "", stores.overview),
    ControlRoute("POST", "reset", stores.reset_all),
    ControlRoute("GET", "stores", stores.list_stores),
    ControlRoute("POST", "stores", stores.create_store),
    ControlRoute("GET", "stores/{storeId}", stores.get_store),
    ControlRoute("DELETE", "stores/{storeId}", stores.delete_store),
    ControlRoute("POST", "stores/{storeId}/reset", stores.reset_store),
    ControlRoute("GET", "stores/{storeId}/export", stores.export_store),
    ControlRoute("POST", "stores/{storeId}/import", stores.import_store),
    ControlRoute("POST", "stores/{storeId}/tokens", stores.create_token),
    ControlRoute("GET", "stores/{storeId}/clock", tools.get_clock),
    ControlRoute("POST", "stores/{storeId}/clock", tools.change_clock),
    ControlRoute("GET", "stores/{storeId}/journal", tools.journal),
    ControlRoute("DELETE", "stores/{storeId}/journal", tools.clear_journal),
    ControlRoute("PUT", "stores/{storeId}/tokens/{tokenId}/webhook", webhooks.set_webhook),
    ControlRoute("DELETE", "stores/{storeId}/tokens/{tokenId}/webhook", webhooks.remove_webhook),
    ControlRoute("GET", "stores/{storeId}/webhooks", webhooks.list_deliveries),
    ControlRoute("DELETE", "stores/{storeId}/webhooks", webhooks.clear_deliveries),
    ControlRoute("POST", "stores/{storeId}/webhooks/pause", webhooks.pause),
    ControlRoute("POST", "stores/{storeId}/webhooks/resume", webhooks.resume),
    ControlRoute("POST", "stores/{storeId}/webhooks/fire", webhooks.fire),
    ControlRoute("POST", "stores/{storeId}/webhooks/{deliveryId}/redeliver", webhooks.redeliver),
    ControlRoute(
        "POST",
        "stores/{storeId}/customers/{customerId}/personal-data-request",
        webhooks.personal_data_request,
    ),
    ControlRoute(
        "GET", "stores/{storeId}/customers/{customerId}/order-history", orders.get_order_history
    ),
    ControlRoute(
        "PUT", "stores/{storeId}/customers/{customerId}/order-history", orders.set_order_history
    ),
    ControlRoute("GET", "faults", tools.list_faults),
    ControlRoute("POST", "faults", tools.add_fault),
    ControlRoute("DELETE", "faults", tools.clear_faults),
    ControlRoute("GET", "faults/{faultId}", tools.get_fault),
    ControlRoute("DELETE", "faults/{faultId}", tools.delete_fault),
)
