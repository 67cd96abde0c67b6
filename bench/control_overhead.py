"""What the test kit costs each API call: GET by id through the ASGI app, control plane off
(``serve --no-control``) and on (the default), in one process, best of 5 rounds.

In-process, so the figure is the app's own cost without uvicorn, the network or a load
generator sharing the two cores: ``.venv/bin/python bench/control_overhead.py``.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from pathlib import Path

from ecwid_customers import admin
from ecwid_customers.config import Settings
from ecwid_customers.domain.models import Store
from ecwid_customers.http.app import EcwidApp
from ecwid_customers.http.asgi import Message
from ecwid_customers.scopes import CUSTOMER_SCOPES
from ecwid_customers.storage.sqlite.storage import SQLiteStorage

CALLS = 3000
ROUNDS = 5


async def microseconds_per_get(settings: Settings, database: Path) -> float:
    storage = SQLiteStorage(database)
    app = EcwidApp(storage, settings)
    await storage.open()
    try:
        await storage.create_store(Store(id=1, languages=("en",)), now=0)
        token = (await admin.issue_token(storage, 1, CUSTOMER_SCOPES)).token
        headers = [
            (b"authorization", f"Bearer {token}".encode()),
            (b"content-type", b"application/json"),
        ]

        async def call(method: str, path: str, body: bytes = b"") -> int:
            sent: list[Message] = []

            async def receive() -> Message:
                return {"type": "http.request", "body": body, "more_body": False}

            async def send(message: Message) -> None:
                sent.append(message)

            scope = {"type": "http", "method": method, "path": path, "query_string": b"",
                     "headers": headers}  # fmt: skip
            await app(scope, receive, send)
            status: int = sent[0]["status"]
            return status

        assert await call("POST", "/api/v3/1/customers", b'{"email": "a@example.net"}') == 200
        rounds = []
        for _ in range(ROUNDS):
            started = time.perf_counter()
            for _ in range(CALLS):
                await call("GET", "/api/v3/1/customers/1")
            rounds.append((time.perf_counter() - started) / CALLS * 1e6)
        return min(rounds)
    finally:
        await storage.close()


async def main() -> None:
    folder = Path(tempfile.mkdtemp())
    off = await microseconds_per_get(Settings(), folder / "off.db")
    on = await microseconds_per_get(Settings(admin_token="admin_" + "b" * 32), folder / "on.db")
    print(f"GET by id through the app: control plane off {off:.1f} µs, on {on:.1f} µs")
    print(f"ratio on/off: {on / off:.2f} (+{on - off:.1f} µs per call: journal entry, clock)")


if __name__ == "__main__":
    asyncio.run(main())
