"""What the test kit costs: each API call (GET by id through the ASGI app, control plane off,
as ``serve --no-control``, and on, the default) and a throwaway store (``POST
/_control/stores`` then ``DELETE``, what the pytest plugin does per test), best of 10 rounds.

In-process, so the figure is the app's own cost without uvicorn, the network or a load
generator sharing the two cores: ``.venv/bin/python bench/control_overhead.py``.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from pathlib import Path

import msgspec

from ecwid_customers import admin
from ecwid_customers.config import Settings
from ecwid_customers.domain.models import Store
from ecwid_customers.http.app import EcwidApp
from ecwid_customers.http.asgi import Message
from ecwid_customers.scopes import CUSTOMER_SCOPES
from ecwid_customers.storage.sqlite.storage import SQLiteStorage

CALLS = 3000
STORES = 100
ROUNDS = 10


async def asgi_call(
    app: EcwidApp, headers: list[tuple[bytes, bytes]], method: str, path: str, body: bytes
) -> list[Message]:
    """One request straight into the app (no server, no socket); the messages it sent."""
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {"type": "http", "method": method, "path": path, "query_string": b"",
             "headers": headers}  # fmt: skip
    await app(scope, receive, send)
    return sent


class GetLoop:
    """A store with one customer behind an app, and a timed loop of GETs of it."""

    def __init__(self, settings: Settings, database: Path) -> None:
        self.storage = SQLiteStorage(database)
        self.app = EcwidApp(self.storage, settings)
        self.headers: list[tuple[bytes, bytes]] = []

    async def call(self, method: str, path: str, body: bytes = b"") -> int:
        status: int = (await asgi_call(self.app, self.headers, method, path, body))[0]["status"]
        return status

    async def open(self) -> None:
        await self.storage.open()
        await self.storage.create_store(Store(id=1, languages=("en",)), now=0)
        token = (await admin.issue_token(self.storage, 1, CUSTOMER_SCOPES)).token
        self.headers = [
            (b"authorization", f"Bearer {token}".encode()),
            (b"content-type", b"application/json"),
        ]
        assert await self.call("POST", "/api/v3/1/customers", b'{"email": "a@example.net"}') == 200

    async def microseconds_per_get(self) -> float:
        started = time.perf_counter()
        for _ in range(CALLS):
            await self.call("GET", "/api/v3/1/customers/1")
        return (time.perf_counter() - started) / CALLS * 1e6


async def milliseconds_per_store(database: Path) -> float:
    """Create a store with a token through the control plane, then delete it."""
    admin_token = "admin_" + "b" * 32
    storage = SQLiteStorage(database)
    app = EcwidApp(storage, Settings(admin_token=admin_token))
    await storage.open()
    headers = [(b"authorization", f"Bearer {admin_token}".encode())]

    async def call(method: str, path: str, body: bytes = b"") -> Message:
        sent = await asgi_call(app, headers, method, path, body)
        assert sent[0]["status"] == 200, sent
        return sent[1]

    try:
        rounds = []
        for _ in range(ROUNDS):
            started = time.perf_counter()
            for _ in range(STORES):
                created = msgspec.json.decode(
                    (await call("POST", "/_control/stores", b"{}"))["body"]
                )
                await call("DELETE", f"/_control/stores/{created['storeId']}")
            rounds.append((time.perf_counter() - started) / STORES * 1000)
        return min(rounds)
    finally:
        await storage.close()


async def main() -> None:
    folder = Path(tempfile.mkdtemp())
    off = GetLoop(Settings(), folder / "off.db")
    on = GetLoop(Settings(admin_token="admin_" + "b" * 32), folder / "on.db")
    await off.open()
    await on.open()
    # Rounds alternate, so both see the same machine; the best round of each counts.
    timings: dict[str, list[float]] = {"off": [], "on": []}
    for _ in range(ROUNDS):
        timings["off"].append(await off.microseconds_per_get())
        timings["on"].append(await on.microseconds_per_get())
    await off.storage.close()
    await on.storage.close()
    best_off, best_on = min(timings["off"]), min(timings["on"])
    print(f"GET by id through the app: control plane off {best_off:.1f} µs, on {best_on:.1f} µs")
    print(f"ratio on/off: {best_on / best_off:.2f} (+{best_on - best_off:.1f} µs per call)")
    store = await milliseconds_per_store(folder / "stores.db")
    print(f"a throwaway store (create with a token, then delete): {store:.2f} ms")


if __name__ == "__main__":
    asyncio.run(main())
