"""Webhooks through the control plane: a token's app and its webhook, the deliveries of a
store, pause, redeliver, clear, events fired by hand and personal-data requests."""

from __future__ import annotations

from typing import Any

import pytest

from ecwid_customers.application import build_app
from ecwid_customers.domain.clock import ManualClock
from ecwid_customers.storage.base import Storage
from tests.control.conftest import ApiStore, Kit, kit_settings
from tests.support import asgi_client

HOOK = {"webhookUrl": "http://127.0.0.1:9/hooks", "clientSecret": "app-client-secret"}


async def deliveries(kit: Kit, store: ApiStore) -> dict[str, Any]:
    listed: dict[str, Any] = await kit.ok("GET", f"/stores/{store.id}/webhooks")
    return listed


async def test_a_store_token_with_a_webhook_gets_the_stores_events(kit: Kit) -> None:
    store = await kit.new_store(**HOOK, webhookEvents=["customer.created"])
    customer_id = await kit.add_customer(store, "ann@example.net")
    await kit.api_ok(store, "PUT", f"customers/{customer_id}", json={"name": "Ann"})
    listed = await deliveries(kit, store)
    assert listed["paused"] is False
    (item,) = listed["items"]
    assert (item["eventType"], item["entityId"], item["state"]) == (
        "customer.created",
        customer_id,
        "pending",
    )
    assert item["data"] == {"customerEmail": "ann@example.net"}
    assert item["attemptLog"] == []
    # The secret signs; it is never shown again.
    (token,) = await kit.storage.list_tokens(store.id)
    assert token.webhook_url == HOOK["webhookUrl"]
    assert "app-client-secret" not in str(listed) + repr(token)


@pytest.mark.parametrize(
    ("spec", "words"),
    [
        ({"webhookUrl": "ftp://x/", "clientSecret": "s"}, "http:// or https://"),
        ({"webhookUrl": "/relative", "clientSecret": "s"}, "http:// or https://"),
        ({"webhookUrl": "http://x/", "clientSecret": ""}, "client secret"),
        ({"webhookUrl": "http://x/"}, "both a URL and a client secret"),
        ({"clientSecret": "s"}, "both a URL and a client secret"),
        ({**HOOK, "webhookEvents": ["order.created"]}, "unknown webhook event"),
        ({"webhookEvents": ["customer.created"]}, "need a webhook URL"),
    ],
)
async def test_a_bad_webhook_is_refused_and_makes_no_store(
    kit: Kit, spec: dict[str, Any], words: str
) -> None:
    response = await kit.control_error("POST", "/stores", 400, "CONTROL_BAD_REQUEST", json=spec)
    assert words in response.json()["errorMessage"]
    assert await kit.storage.list_stores() == []


async def test_another_token_can_have_its_own_webhook(kit: Kit) -> None:
    store = await kit.new_store()
    await kit.ok("POST", f"/stores/{store.id}/tokens", json={**HOOK, "scopes": ["read_customers"]})
    await kit.add_customer(store, "ann@example.net")
    (item,) = (await deliveries(kit, store))["items"]
    tokens = {t.id: t for t in await kit.storage.list_tokens(store.id)}
    assert tokens[item["tokenId"]].scopes == ("read_customers",)


async def test_a_tokens_webhook_is_changed_and_removed(kit: Kit) -> None:
    store = await kit.new_store()
    other = await kit.new_store()
    (token,) = await kit.storage.list_tokens(store.id)
    path = f"/stores/{store.id}/tokens/{token.id}/webhook"
    await kit.control_error(
        "PUT", f"/stores/{other.id}/tokens/{token.id}/webhook", 404, "CONTROL_NOT_FOUND", json=HOOK
    )
    await kit.control_error(
        "PUT", path, 400, "CONTROL_BAD_REQUEST", json={**HOOK, "webhookUrl": "nope"}
    )
    assert await kit.ok("PUT", path, json=HOOK) == {
        "tokenId": token.id,
        "webhookUrl": HOOK["webhookUrl"],
    }
    await kit.add_customer(store, "ann@example.net")
    assert len((await deliveries(kit, store))["items"]) == 1
    await kit.ok("DELETE", path)
    (item,) = (await deliveries(kit, store))["items"]
    assert item["state"] == "cancelled"
    await kit.add_customer(store, "bob@example.net")
    assert len((await deliveries(kit, store))["items"]) == 1


@pytest.mark.parametrize("signature", ["valid", "invalid", "missing"])
async def test_an_event_fired_by_hand_is_queued_with_its_signature(
    kit: Kit, signature: str
) -> None:
    store = await kit.new_store(**HOOK)
    fired = await kit.ok(
        "POST",
        f"/stores/{store.id}/webhooks/fire",
        json={
            "eventType": "customer.updated",
            "entityId": 77,
            "data": {"customerEmail": "x@example.net"},
            "signature": signature,
        },
    )
    assert fired == {"queued": 1}
    (item,) = (await deliveries(kit, store))["items"]
    assert (item["entityId"], item["signature"]) == (77, signature)


@pytest.mark.parametrize(
    "body",
    [
        {"eventType": "order.created", "entityId": 1},
        {"eventType": "customer.updated", "entityId": 0},
        {"eventType": "customer.updated", "entityId": 1, "signature": "forged"},
        {"eventType": "customer.updated"},
    ],
)
async def test_a_bad_event_is_refused(kit: Kit, body: dict[str, Any]) -> None:
    store = await kit.new_store(**HOOK)
    await kit.control_error(
        "POST", f"/stores/{store.id}/webhooks/fire", 400, "CONTROL_BAD_REQUEST", json=body
    )
    assert (await deliveries(kit, store))["items"] == []


async def test_pause_resume_redeliver_and_clear(kit: Kit) -> None:
    store = await kit.new_store(**HOOK)
    await kit.add_customer(store, "ann@example.net")
    assert await kit.ok("POST", f"/stores/{store.id}/webhooks/pause") == {
        "storeId": store.id,
        "paused": True,
    }
    assert (await deliveries(kit, store))["paused"] is True
    await kit.ok("POST", f"/stores/{store.id}/webhooks/resume")
    (item,) = (await deliveries(kit, store))["items"]
    assert await kit.ok("POST", f"/stores/{store.id}/webhooks/{item['id']}/redeliver") == {
        "redelivered": item["id"]
    }
    await kit.control_error(
        "POST", f"/stores/{store.id}/webhooks/{item['id'] + 1}/redeliver", 404, "CONTROL_NOT_FOUND"
    )
    assert await kit.ok("DELETE", f"/stores/{store.id}/webhooks") == {"removed": 1}
    assert (await deliveries(kit, store))["items"] == []
    await kit.control_error("POST", "/stores/4004/webhooks/pause", 404, "CONTROL_NOT_FOUND")
    await kit.control_error("GET", "/stores/4004/webhooks", 404, "CONTROL_NOT_FOUND")


async def test_a_personal_data_request_announces_itself(kit: Kit) -> None:
    store = await kit.new_store(**HOOK, scopes=["read_store_profile", "create_customers"])
    customer_id = await kit.add_customer(store, "ann@example.net")
    path = f"/stores/{store.id}/customers/{customer_id}/personal-data-request"
    assert await kit.ok("POST", path, json={"kind": "export"}) == {
        "eventType": "customer.personalDataExportRequest",
        "queued": 1,
    }
    removal = await kit.ok("POST", path, json={"kind": "removal"})
    assert removal["eventType"] == "customer.personalDataRemovalRequest"
    await kit.control_error(
        "POST",
        f"/stores/{store.id}/customers/{customer_id + 1}/personal-data-request",
        404,
        "CONTROL_NOT_FOUND",
        json={"kind": "export"},
    )
    await kit.control_error("POST", path, 400, "CONTROL_BAD_REQUEST", json={"kind": "other"})
    events = [item["eventType"] for item in (await deliveries(kit, store))["items"]]
    assert events == ["customer.personalDataRemovalRequest", "customer.personalDataExportRequest"]


async def test_personal_data_request_names_follow_the_server(
    storage: Storage, clock: ManualClock
) -> None:
    app = build_app(storage, kit_settings(webhook_gdpr_names="snake"), clock)
    async with asgi_client(app) as client:
        kit = Kit(client=client, app=app, storage=storage, clock=clock)  # type: ignore[arg-type]
        store = await kit.new_store(**HOOK)
        customer_id = await kit.add_customer(store, "ann@example.net")
        found = await kit.ok(
            "POST",
            f"/stores/{store.id}/customers/{customer_id}/personal-data-request",
            json={"kind": "export"},
        )
    assert found == {"eventType": "customer.personal_data_export_request", "queued": 1}
