"""``/healthz`` and ``/readyz``: no token, plain JSON, on the bare API and with the kit."""

from __future__ import annotations

from ecwid_customers.application import build_app
from ecwid_customers.config import Settings
from ecwid_customers.storage.base import Storage
from tests.support import Api, asgi_client


async def test_health_and_readiness_need_no_token(api: Api) -> None:
    health = await api.client.get("/healthz")
    assert (health.status_code, health.json()) == (200, {"status": "ok"})
    ready = await api.client.get("/readyz")
    assert (ready.status_code, ready.json()) == (200, {"status": "ready"})
    assert ready.headers["content-type"].startswith("application/json")


async def test_only_reads_are_answered(api: Api) -> None:
    refused = await api.client.post("/readyz")
    assert refused.status_code == 405
    assert refused.headers["allow"] == "GET, HEAD"


async def test_the_test_kit_serves_them_too(storage: Storage) -> None:
    app = build_app(storage, Settings(admin_token="admin_" + "k" * 32))
    async with asgi_client(app) as client:
        assert (await client.get("/readyz")).json() == {"status": "ready"}


async def test_readiness_says_why_when_storage_is_closed(storage: Storage) -> None:
    await storage.close()
    try:
        assert await storage.problems() == ("storage is not open",)
    finally:
        await storage.open()
