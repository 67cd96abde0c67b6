"""Fixtures for the control plane: an app with the test kit on, over both storage engines.

``kit`` talks to a ``KitApp`` (the API with the test kit) whose control plane answers to
:data:`ADMIN_TOKEN`; its clock is the ``clock`` fixture of ``tests/conftest.py`` (still until a
test moves it), so a store without a clock of its own writes that time.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from ecwid_customers.application import build_app
from ecwid_customers.config import Settings
from ecwid_customers.control.app import KitApp
from ecwid_customers.domain.clock import ManualClock
from ecwid_customers.storage.base import Storage
from tests.support import asgi_client, assert_error

ADMIN_TOKEN = "admin_" + "t" * 32
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
# A route no test here calls with DELETE: a fault rule on it is present but never fires.
INERT_ROUTE = "store_extrafields/customers/{key}"


@dataclass(frozen=True)
class ApiStore:
    """A store made through the control plane: its id and the token made with it."""

    id: int
    token: str

    def url(self, path: str = "customers") -> str:
        return f"/api/v3/{self.id}/{path}"

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@dataclass
class Kit:
    client: httpx.AsyncClient
    app: KitApp
    storage: Storage
    clock: ManualClock

    async def control(
        self, method: str, path: str, *, token: str | None = ADMIN_TOKEN, **kwargs: Any
    ) -> httpx.Response:
        """A call to ``/_control{path}`` (with the admin token unless told otherwise)."""
        headers = dict(kwargs.pop("headers", {}))
        if token is not None:
            headers.setdefault("Authorization", f"Bearer {token}")
        return await self.client.request(method, f"/_control{path}", headers=headers, **kwargs)

    async def ok(self, method: str, path: str, **kwargs: Any) -> Any:
        """A control call that must answer 200; its JSON."""
        response = await self.control(method, path, **kwargs)
        assert response.status_code == 200, response.text
        return response.json()

    async def control_error(
        self, method: str, path: str, status: int, code: str, **kwargs: Any
    ) -> httpx.Response:
        response = await self.control(method, path, **kwargs)
        assert_error(response, status, code)
        return response

    async def new_store(self, **spec: Any) -> ApiStore:
        created = await self.ok("POST", "/stores", json=spec)
        assert set(created) == {"storeId", "token", "apiUrl"}, created
        assert created["apiUrl"] == f"http://testserver/api/v3/{created['storeId']}"
        return ApiStore(created["storeId"], created["token"])

    async def api(
        self, store: ApiStore, method: str, path: str = "customers", **kwargs: Any
    ) -> httpx.Response:
        """A call to Ecwid's API of ``store`` with its token."""
        headers = {**store.auth, **kwargs.pop("headers", {})}
        return await self.client.request(method, store.url(path), headers=headers, **kwargs)

    async def api_ok(
        self, store: ApiStore, method: str, path: str = "customers", **kwargs: Any
    ) -> Any:
        response = await self.api(store, method, path, **kwargs)
        assert response.status_code == 200, response.text
        return response.json()

    async def add_customer(self, store: ApiStore, email: str, **fields: Any) -> int:
        created = await self.api_ok(store, "POST", json={"email": email, **fields})
        customer_id: int = created["id"]
        return customer_id

    async def add_group(self, store: ApiStore, name: str) -> int:
        created = await self.api_ok(store, "POST", "customer_groups", json={"name": name})
        group_id: int = created["id"]
        return group_id

    async def emails(self, store: ApiStore) -> list[str]:
        """The emails of the store's customers, in order."""
        found = await self.api_ok(store, "GET", params={"sortBy": "EMAIL_ASC"})
        return [item["email"] for item in found["items"]]

    async def journal(self, store_id: int, **params: str) -> list[dict[str, Any]]:
        body = await self.ok("GET", f"/stores/{store_id}/journal", params=params)
        items: list[dict[str, Any]] = body["items"]
        assert body["count"] == len(items)
        return items

    async def export(self, store_id: int) -> bytes:
        response = await self.control("GET", f"/stores/{store_id}/export")
        assert response.status_code == 200, response.text
        return response.content


def kit_settings(**overrides: Any) -> Settings:
    return Settings(admin_token=ADMIN_TOKEN, **overrides)


@pytest.fixture
def kit_app(storage: Storage, clock: ManualClock) -> KitApp:
    """The app with the control plane on. Lifespan is not run: ``storage`` is already open."""
    app = build_app(storage, kit_settings(), clock)
    assert isinstance(app, KitApp)
    return app


@pytest.fixture
async def kit(kit_app: KitApp, storage: Storage, clock: ManualClock) -> AsyncIterator[Kit]:
    async with asgi_client(kit_app) as client:
        yield Kit(client=client, app=kit_app, storage=storage, clock=clock)
