"""Helpers shared by the tests: stores, tokens and an API client bound to one store."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from typing import Any

import asyncpg
import httpx

from ecwid_customers import admin
from ecwid_customers.application import build_app
from ecwid_customers.config import Settings
from ecwid_customers.control.app import KitApp
from ecwid_customers.domain.clock import ManualClock
from ecwid_customers.domain.models import Store
from ecwid_customers.http.app import EcwidApp
from ecwid_customers.scopes import CUSTOMER_SCOPES
from ecwid_customers.storage.base import Storage


async def make_store(
    storage: Storage,
    store_id: int,
    *,
    languages: tuple[str, ...] = ("en",),
    legacy_sign_in: bool = False,
    customer_groups_enabled: bool = True,
) -> Store:
    store = Store(
        id=store_id,
        languages=languages,
        legacy_sign_in=legacy_sign_in,
        customer_groups_enabled=customer_groups_enabled,
    )
    await storage.create_store(store, now=1_700_000_000)
    return store


async def make_token(
    storage: Storage,
    store_id: int,
    scopes: tuple[str, ...] = CUSTOMER_SCOPES,
    *,
    token: str | None = None,
) -> str:
    issued = await admin.issue_token(storage, store_id, scopes, token=token)
    return issued.token


@contextlib.asynccontextmanager
async def asgi_client(app: EcwidApp | KitApp) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client that talks to ``app`` in-process, through its ASGI interface."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


@dataclass
class Api:
    client: httpx.AsyncClient
    storage: Storage
    store_id: int
    token: str
    clock: ManualClock

    @contextlib.asynccontextmanager
    async def with_settings(self, settings: Settings) -> AsyncIterator[Api]:
        """The same store and token, served by an app with other settings."""
        async with asgi_client(build_app(self.storage, settings, self.clock)) as client:
            yield replace(self, client=client)

    def url(self, path: str = "customers", store_id: int | None = None) -> str:
        return f"/api/v3/{self.store_id if store_id is None else store_id}/{path}"

    def auth(self, token: str | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {token or self.token}"}

    async def create(self, body: Any, *, token: str | None = None) -> httpx.Response:
        return await self.client.post(self.url(), json=body, headers=self.auth(token))

    async def create_ok(self, body: Any) -> int:
        response = await self.create(body)
        assert response.status_code == 200, response.text
        customer_id: int = response.json()["id"]
        return customer_id

    async def get(self, customer_id: int | str, **params: str) -> httpx.Response:
        return await self.client.get(
            self.url(f"customers/{customer_id}"), params=params, headers=self.auth()
        )

    async def get_ok(self, customer_id: int) -> dict[str, Any]:
        response = await self.get(customer_id)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body


def assert_error(
    response: httpx.Response, status: int, code: str, message: str | None = None
) -> None:
    """An Ecwid error: the status, JSON content type, and exactly errorMessage + errorCode."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"errorMessage", "errorCode"}, body
    assert body["errorCode"] == code, body
    assert isinstance(body["errorMessage"], str)
    assert body["errorMessage"]
    if message is not None:
        assert body["errorMessage"] == message, body


async def count_customers(storage: Storage, store_id: int) -> int:
    for summary in await storage.list_stores():
        if summary.store.id == store_id:
            return summary.customers
    raise AssertionError(f"store {store_id} does not exist")


def full_customer_body(email: str = "ann.smith@example.net") -> dict[str, Any]:
    """Every writable field of the seed page and of spec 4.3, with a value for each."""
    return {
        "email": email,
        "password": "correct horse battery staple",
        "billingPerson": {
            "name": "Ann Smith",
            "companyName": "Smith & Daughters",
            "street": "1 Main Street\nSuite 200",
            "city": "New York",
            "countryCode": "US",
            "countryName": "ignored: derived from countryCode",
            "postalCode": "10001",
            "stateOrProvinceCode": "NY",
            "stateOrProvinceName": "ignored: derived from the codes",
            "phone": "+12125550100",
        },
        "shippingAddresses": [
            {
                "id": 999,
                "name": "Ann Smith",
                "companyName": "Smith & Daughters",
                "street": "5 Harbour Road",
                "city": "Tbilisi",
                "countryCode": "GE",
                "countryName": "ignored",
                "postalCode": "0105",
                "stateOrProvinceCode": "TB",
                "stateOrProvinceName": "ignored",
                "phone": "+995322000000",
                "note": "Ring twice",
                "addressFormatted": "ignored: derived",
            },
            {
                "name": "Ann at work",
                "street": "2 Office Park",
                "city": "Toronto",
                "countryCode": "CA",
                "postalCode": "M5H 2N2",
                "stateOrProvinceCode": "ON",
                "phone": "+14165550100",
                "defaultAddress": True,
            },
        ],
        "contacts": [
            {
                "id": 12345,
                "contact": "https://www.facebook.com/myshop_page",
                "handle": "myshop_page",
                "note": "Prefers messages",
                "type": "FACEBOOK",
                "default": True,
                "orderBy": 0,
                "timestamp": "2020-01-01 00:00:00 +0000",
            },
            {"contact": "ann.work@example.net", "type": "EMAIL", "note": "work"},
        ],
        "customerGroupId": 0,
        "b2b_b2c": "b2b",
        "taxId": "IT12345678901",
        "taxIdValid": False,
        "taxExempt": True,
        "acceptMarketing": True,
        "lang": "fr",
        "privateAdminNotes": "Met at the trade fair",
        "fiscalCode": "SMTNNA80A41F205X",
        "electronicInvoicePecEmail": "ann@pec.example.it",
        "electronicInvoiceSdiCode": "ABC1234",
        "extrafields": [
            {
                "key": "6r0fUGw",
                "title": "How did you hear about us?",
                "value": "Fair",
                "type": "TEXT",
            }
        ],
        "primaryPhone": "+12125550199",
    }


async def stored_value(storage: Storage, query: str, *params: object) -> Any:
    """First column of the first row of ``query`` run on the storage's own database, or
    ``None``: for checks of what is stored that the API never shows (password hashes).
    ``query`` uses ``?`` placeholders whichever the engine."""
    from ecwid_customers.storage.sqlite.storage import SQLiteStorage

    if isinstance(storage, SQLiteStorage):
        with sqlite3.connect(storage.path) as connection:
            row = connection.execute(query, params).fetchone()
    else:
        numbered = query
        for index in range(1, len(params) + 1):
            numbered = numbered.replace("?", f"${index}", 1)
        url: str = storage.url  # type: ignore[attr-defined]
        connection = await asyncpg.connect(url)
        try:
            row = await connection.fetchrow(numbered, *params)
        finally:
            await connection.close()
    return row[0] if row else None
