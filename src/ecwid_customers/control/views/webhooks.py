"""Control endpoints for webhooks: see a store's deliveries and steer them, fire events by
hand (with a valid, invalid or missing signature), give a token's app its webhook, and raise
a shopper's personal-data requests."""

from __future__ import annotations

import time

import msgspec

from ecwid_customers import admin, errors
from ecwid_customers.control.plane import ControlCall
from ecwid_customers.domain.ids import MAX_ID, MAX_LONG_ID
from ecwid_customers.domain.webhooks import (
    PersonalDataKind,
    Signature,
    event_by_hand,
    personal_data_event,
)
from ecwid_customers.http.responses import Response, json_response
from ecwid_customers.storage.outbox import Firing

MAX_LISTED = 500


class FireSpec(msgspec.Struct, rename="camel", kw_only=True, forbid_unknown_fields=True):
    event_type: str
    entity_id: int
    data: dict[str, str] | None = None
    signature: Signature = "valid"
    token_id: int | None = None  # only this token (it still needs a webhook and the scope)


class WebhookSpec(msgspec.Struct, rename="camel", kw_only=True, forbid_unknown_fields=True):
    webhook_url: str
    client_secret: str
    webhook_events: list[str] | None = None


class PersonalDataRequest(msgspec.Struct, rename="camel", kw_only=True, forbid_unknown_fields=True):
    kind: PersonalDataKind


async def list_deliveries(call: ControlCall) -> Response:
    store_id = call.number("storeId", "store")
    summary = await call.store(store_id)
    limit = call.query_number("limit")
    limit = MAX_LISTED if limit is None else max(1, min(limit, MAX_LISTED))
    items = await call.storage.list_deliveries(store_id, limit=limit)
    return json_response({"paused": summary.webhooks_paused, "count": len(items), "items": items})


async def clear_deliveries(call: ControlCall) -> Response:
    store_id = call.number("storeId", "store")
    await call.store(store_id)
    return json_response({"removed": await call.storage.clear_deliveries(store_id)})


async def pause(call: ControlCall) -> Response:
    return await _set_paused(call, True)


async def resume(call: ControlCall) -> Response:
    return await _set_paused(call, False)


async def _set_paused(call: ControlCall, paused: bool) -> Response:
    store_id = call.number("storeId", "store")
    if not await call.storage.set_webhooks_paused(store_id, paused):
        raise errors.control_not_found(f"store {store_id}")
    return json_response({"storeId": store_id, "paused": paused})


async def redeliver(call: ControlCall) -> Response:
    store_id = call.number("storeId", "store")
    delivery_id = call.number("deliveryId", "delivery")
    await call.store(store_id)
    # Real time, whatever the store's clock shows: deliveries run on it.
    if not await call.storage.redeliver(store_id, delivery_id, now=time.time()):
        raise errors.control_not_found(f"delivery {delivery_id} of a live token of the store")
    return json_response({"redelivered": delivery_id})


async def fire(call: ControlCall) -> Response:
    store_id = call.number("storeId", "store")
    spec: FireSpec = await call.body(FireSpec)
    if not 0 < spec.entity_id <= MAX_LONG_ID:
        raise errors.control_bad_request("entityId is a positive integer")
    try:
        event = event_by_hand(spec.event_type, spec.entity_id, spec.data)
    except ValueError as error:
        raise errors.control_bad_request(str(error)) from None
    await call.store(store_id)
    queued = await call.storage.emit_event(
        store_id,
        event,
        now=call.kit.clocks.of(store_id).now(),
        firing=Firing(signature=spec.signature, token_id=spec.token_id),
    )
    return json_response({"queued": queued})


async def _store_token(call: ControlCall, store_id: int) -> int:
    token_id = call.number("tokenId", "token")
    tokens = await call.storage.list_tokens(store_id)
    if not any(t.id == token_id and t.revoked_at is None for t in tokens):
        raise errors.control_not_found(f"live token {token_id} of store {store_id}")
    return token_id


async def set_webhook(call: ControlCall) -> Response:
    store_id = call.number("storeId", "store")
    spec: WebhookSpec = await call.body(WebhookSpec)
    try:
        webhook = admin.token_webhook(spec.webhook_url, spec.client_secret, spec.webhook_events)
    except ValueError as error:
        raise errors.control_bad_request(str(error)) from None
    token_id = await _store_token(call, store_id)
    await call.storage.set_token_webhook(token_id, webhook)
    return json_response({"tokenId": token_id, "webhookUrl": spec.webhook_url})


async def remove_webhook(call: ControlCall) -> Response:
    store_id = call.number("storeId", "store")
    token_id = await _store_token(call, store_id)
    await call.storage.set_token_webhook(token_id, None)
    return json_response({"tokenId": token_id, "webhookUrl": None})


async def personal_data_request(call: ControlCall) -> Response:
    """What a shopper raises in Ecwid: a request to export or remove their data."""
    store_id = call.number("storeId", "store")
    customer_id = call.number("customerId", "customer")
    request: PersonalDataRequest = await call.body(PersonalDataRequest)
    await call.store(store_id)
    if customer_id > MAX_ID or await call.storage.get_customer(store_id, customer_id) is None:
        raise errors.control_not_found(f"customer {customer_id} of store {store_id}")
    event = personal_data_event(request.kind, call.settings.webhook_gdpr_names, customer_id)
    queued = await call.storage.emit_event(store_id, event, now=call.kit.clocks.of(store_id).now())
    return json_response({"eventType": event.type, "queued": queued})
