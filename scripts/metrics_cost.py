"""What recording a request's metrics costs: a minimal ASGI app called in-process, bare and
wrapped in ``http/instrument.py``'s :class:`Instrumented`; prints the difference per request.

Not a load test: no server, no sockets, one coroutine calling the app in a loop. Run it with
``.venv/bin/python scripts/metrics_cost.py``.
"""

from __future__ import annotations

import asyncio
import time
import timeit
from typing import Any

from ecwid_customers.http.app import ROUTE_KEY
from ecwid_customers.http.asgi import App, Message, Receive, Scope, Send
from ecwid_customers.http.instrument import Instrumented

CALLS = 200_000
ROUNDS = 5
_START: Message = {"type": "http.response.start", "status": 200, "headers": []}
_BODY: Message = {"type": "http.response.body", "body": b"{}"}


async def minimal_app(scope: Scope, receive: Receive, send: Send) -> Any:
    scope[ROUTE_KEY] = "customers/{customerId}"
    await send(_START)
    await send(_BODY)


async def _receive() -> Message:
    return {"type": "http.request", "body": b""}


async def _send(message: Message) -> None:
    return None


async def seconds_per_call(app: App) -> float:
    best = float("inf")
    for _ in range(ROUNDS):
        started = time.perf_counter()
        for _ in range(CALLS):
            scope = {"type": "http", "method": "GET", "path": "/api/v3/1/customers/5"}
            await app(scope, _receive, _send)
        best = min(best, (time.perf_counter() - started) / CALLS)
    return best


async def main() -> None:
    bare = await seconds_per_call(minimal_app)
    wrapped = await seconds_per_call(Instrumented(minimal_app))
    print(f"bare app:        {bare * 1e6:.2f} µs per request")
    print(f"with metrics:    {wrapped * 1e6:.2f} µs per request")
    print(f"metrics' cost:   {(wrapped - bare) * 1e6:.2f} µs per request")
    # How busy the machine is: on an idle one a call of an empty function takes about 0.03 µs.
    call = min(timeit.repeat(_nothing, number=CALLS, repeat=ROUNDS)) / CALLS
    print(f"an empty function call, for scale: {call * 1e6:.3f} µs")


def _nothing() -> None:
    return None


if __name__ == "__main__":
    asyncio.run(main())
