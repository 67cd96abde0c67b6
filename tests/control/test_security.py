"""Who may use the control plane: the admin token only, never a store token; and when it is off.

The admin token is no store token either: the Ecwid API refuses it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from ecwid_customers.application import build_app
from ecwid_customers.config import Settings
from ecwid_customers.control.app import KitApp
from ecwid_customers.control.views import ROUTES
from ecwid_customers.domain.clock import ManualClock
from ecwid_customers.http.app import EcwidApp
from ecwid_customers.storage.base import Storage
from tests.control.conftest import ADMIN_TOKEN, INERT_ROUTE, Kit, kit_settings
from tests.support import asgi_client, assert_error, make_store, make_token

STORE = 900
# Every control endpoint once, with a body where it takes one: (method, path, body).
ENDPOINTS: list[tuple[str, str, Any]] = [
    ("GET", "", None),
    ("POST", "/reset", None),
    ("GET", "/stores", None),
    ("POST", "/stores", {"id": 901}),
    ("GET", f"/stores/{STORE}", None),
    ("DELETE", f"/stores/{STORE}", None),
    ("POST", f"/stores/{STORE}/reset", None),
    ("GET", f"/stores/{STORE}/export", None),
    ("POST", f"/stores/{STORE}/import", {"customers": []}),
    ("POST", f"/stores/{STORE}/tokens", {}),
    ("GET", f"/stores/{STORE}/clock", None),
    ("POST", f"/stores/{STORE}/clock", {"freeze": True}),
    ("GET", f"/stores/{STORE}/journal", None),
    ("DELETE", f"/stores/{STORE}/journal", None),
    ("PUT", f"/stores/{STORE}/tokens/1/webhook", {"webhookUrl": "http://h/", "clientSecret": "s"}),
    ("DELETE", f"/stores/{STORE}/tokens/1/webhook", None),
    ("GET", f"/stores/{STORE}/webhooks", None),
    ("DELETE", f"/stores/{STORE}/webhooks", None),
    ("POST", f"/stores/{STORE}/webhooks/pause", None),
    ("POST", f"/stores/{STORE}/webhooks/resume", None),
    ("POST", f"/stores/{STORE}/webhooks/fire", {"eventType": "customer.updated", "entityId": 1}),
    ("POST", f"/stores/{STORE}/webhooks/1/redeliver", None),
    ("POST", f"/stores/{STORE}/customers/1/personal-data-request", {"kind": "export"}),
    ("GET", f"/stores/{STORE}/customers/1/order-history", None),
    ("PUT", f"/stores/{STORE}/customers/1/order-history", {"stats": {"numberOfOrders": 1}}),
    ("GET", "/faults", None),
    ("POST", "/faults", {"error": "INTERNAL_ERROR"}),
    ("DELETE", "/faults", None),
    ("GET", "/faults/1", None),
    ("DELETE", "/faults/1", None),
]


def _pattern(path: str) -> tuple[str, ...]:
    """A path with its numbers (or ``{values}``) as ``*``."""
    segments = path.strip("/").split("/") if path.strip("/") else []
    return tuple("*" if s.isdigit() or s.startswith("{") else s for s in segments)


def test_the_endpoint_list_covers_every_control_route() -> None:
    """A new endpoint must be added to ENDPOINTS, and so to every check here."""
    routes = {(route.method, _pattern(route.path)) for route in ROUTES}
    assert {(method, _pattern(path)) for method, path, _ in ENDPOINTS} == routes
    assert len(ENDPOINTS) == len(routes)


async def _state(kit: Kit) -> tuple[Any, ...]:
    return (
        await kit.ok("GET", "/stores"),
        await kit.ok("GET", "/faults"),
        await kit.export(STORE),
        await kit.ok("GET", f"/stores/{STORE}/clock"),
        await kit.journal(STORE),
    )


@pytest.fixture
async def armed(kit: Kit) -> Kit:
    """Store 900 with a customer, a fault rule aimed at it and journal entries."""
    store = await kit.new_store(id=STORE)
    await kit.add_customer(store, "a@example.net")
    await kit.ok(
        "POST",
        "/faults",
        json={"storeId": STORE, "latencyMs": 0, "route": INERT_ROUTE, "method": "DELETE"},
    )
    return kit


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": ""},
        {"Authorization": "Bearer"},
        {"Authorization": "Bearer "},
        {"Authorization": "admin_" + "u" * 32},
        {"Authorization": f"Basic {ADMIN_TOKEN}"},
        {"Authorization": f"Token {ADMIN_TOKEN}"},
        {"Authorization": f"Bearer {ADMIN_TOKEN[:-1]}"},
        {"Authorization": f"Bearer {ADMIN_TOKEN}x"},
        {"Authorization": f"Bearer {ADMIN_TOKEN.upper()}"},
        {"Authorization": "Bearer admin_" + "u" * 32},
        {"Authorization": f"Bearer {ADMIN_TOKEN.removeprefix('admin_')}"},
        {"Authorization": f"Bearer{ADMIN_TOKEN}"},
        {"X-Admin-Token": ADMIN_TOKEN},
    ],
    ids=lambda headers: repr(headers)[:40],
)
async def test_control_plane_needs_the_admin_token(armed: Kit, headers: dict[str, str]) -> None:
    before = await _state(armed)
    for method, path, body in ENDPOINTS:
        response = await armed.control(method, path, token=None, headers=headers, json=body)
        assert_error(response, 401, "CONTROL_UNAUTHORISED")
    # The token in the query string (which Ecwid's API may accept) does not count either.
    response = await armed.control("GET", "/stores", token=None, params={"token": ADMIN_TOKEN})
    assert_error(response, 401, "CONTROL_UNAUTHORISED")
    assert await _state(armed) == before


@pytest.mark.parametrize("kind", ["secret", "public"])
async def test_store_tokens_never_open_the_control_plane(armed: Kit, kind: str) -> None:
    """Not the store's own token, whatever the store or endpoint."""
    token = await make_token(armed.storage, STORE, token=f"{kind}_" + "k" * 32)
    before = await _state(armed)
    for method, path, body in ENDPOINTS:
        response = await armed.control(method, path, token=token, json=body)
        assert_error(response, 401, "CONTROL_UNAUTHORISED")
    assert await _state(armed) == before


async def test_admin_token_is_accepted_with_any_case_of_bearer_and_spaces(armed: Kit) -> None:
    for authorization in (f"bearer {ADMIN_TOKEN}", f"BEARER  {ADMIN_TOKEN} ",
                          f" Bearer {ADMIN_TOKEN}"):  # fmt: skip
        response = await armed.control(
            "GET", "/stores", token=None, headers={"Authorization": authorization}
        )
        assert response.status_code == 200, authorization


async def test_admin_token_is_no_token_of_the_ecwid_api(armed: Kit) -> None:
    admin = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    for method, path in (("GET", "customers"), ("POST", "customers"), ("GET", "customers/1"),
                         ("DELETE", "customers/1"), ("GET", "customer_groups")):  # fmt: skip
        response = await armed.client.request(
            method, f"/api/v3/{STORE}/{path}", headers=admin, json={"email": "b@example.net"}
        )
        assert_error(response, 403, "INVALID_API_TOKEN")
    store = await armed.ok("GET", f"/stores/{STORE}")
    assert store["customers"] == 1


async def test_admin_token_is_refused_in_the_query_string_too(
    storage: Storage, clock: ManualClock
) -> None:
    await make_store(storage, STORE)
    app = build_app(storage, kit_settings(allow_query_token=True), clock)
    async with asgi_client(app) as client:
        response = await client.get(f"/api/v3/{STORE}/customers", params={"token": ADMIN_TOKEN})
    assert_error(response, 403, "INVALID_API_TOKEN")


async def test_a_store_token_reaches_only_its_own_store(armed: Kit) -> None:
    other = await armed.new_store(id=STORE + 1)
    response = await armed.client.get(f"/api/v3/{STORE}/customers", headers=other.auth)
    assert_error(response, 403, "INVALID_API_TOKEN")


@pytest.fixture
async def without_control(storage: Storage, clock: ManualClock) -> AsyncIterator[httpx.AsyncClient]:
    async with asgi_client(build_app(storage, Settings(), clock)) as client:
        yield client


@pytest.mark.parametrize("token", [ADMIN_TOKEN, None, "secret_" + "k" * 32])
async def test_disabled_control_plane_is_404_everywhere(
    without_control: httpx.AsyncClient, storage: Storage, token: str | None
) -> None:
    await make_store(storage, STORE)
    await make_token(storage, STORE, token="secret_" + "k" * 32)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    for method, path, body in [*ENDPOINTS, ("GET", "/nothing", None), ("GET", "/", None)]:
        response = await without_control.request(
            method, f"/_control{path}", headers=headers, json=body
        )
        assert_error(response, 404, "CONTROL_DISABLED")
    assert [summary.store.id for summary in await storage.list_stores()] == [STORE]


async def test_disabled_control_plane_leaves_the_api_working(
    without_control: httpx.AsyncClient, storage: Storage, clock: ManualClock
) -> None:
    await make_store(storage, STORE)
    auth = {"Authorization": f"Bearer {await make_token(storage, STORE)}"}
    created = await without_control.post(
        f"/api/v3/{STORE}/customers", json={"email": "a@example.net"}, headers=auth
    )
    assert created.status_code == 200, created.text
    read = await without_control.get(f"/api/v3/{STORE}/customers/1", headers=auth)
    assert read.json()["registered"] == "2024-01-01 00:00:00 +0000"
    missing = await without_control.get(f"/api/v3/{STORE}/customers/2", headers=auth)
    assert_error(missing, 404, "CUSTOMER_NOT_FOUND")


@pytest.mark.parametrize("admin_token", [None, ""])
def test_without_an_admin_token_there_is_no_test_kit(
    storage: Storage, admin_token: str | None
) -> None:
    app = build_app(storage, Settings(admin_token=admin_token))
    assert isinstance(app, EcwidApp)
    assert not isinstance(app, KitApp)


async def test_paths_that_only_look_like_the_control_plane_are_not_it(armed: Kit) -> None:
    for path in ("/_controlx", "/_control.json", "/api/v3/_control", "/_CONTROL"):
        response = await armed.client.get(path, headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
        assert response.status_code == 404, path
        assert response.json()["errorCode"] in ("RESOURCE_NOT_FOUND", "STORE_NOT_FOUND"), path
