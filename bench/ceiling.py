"""The ceiling: the least an ASGI app can do per request on the same server software.

It reads the whole body and answers a constant JSON object, so every figure of the real
server is reported as a share of what uvicorn itself allows on this machine, in the same run.
"""

from __future__ import annotations

from typing import Any

_START = {
    "type": "http.response.start",
    "status": 200,
    "headers": [(b"content-type", b"application/json;charset=utf-8"), (b"content-length", b"8")],
}
_BODY = {"type": "http.response.body", "body": b'{"id":1}'}


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    if scope["type"] != "http":
        return
    more = True
    while more:
        message = await receive()
        more = message.get("more_body", False)
    await send(_START)
    await send(_BODY)
