"""Responses in Ecwid's wire format: JSON bodies, ``{"errorMessage", "errorCode"}`` errors."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import msgspec

from ecwid_customers import errors
from ecwid_customers.errors import EcwidError
from ecwid_customers.http import encoding
from ecwid_customers.http.asgi import Send

JSON_CONTENT_TYPE = b"application/json;charset=utf-8"

_encode = msgspec.json.Encoder().encode


@dataclass(frozen=True, slots=True)
class Response:
    status: int
    body: bytes
    headers: tuple[tuple[bytes, bytes], ...] = ()
    # Only the documentation pages (http/meta.py) send anything but JSON.
    content_type: bytes = JSON_CONTENT_TYPE
    # The errorCode of an error response, for whoever records the call (the test kit).
    error_code: str | None = None


def json_response(content: Any, status: int = 200) -> Response:
    return Response(status, _encode(content))


def read_only_refusal(method: str) -> Response:
    """405 for a path that answers GET and HEAD only (documents, health checks)."""
    refusal = error_response(errors.method_not_allowed(method))
    return Response(
        refusal.status, refusal.body, ((b"allow", b"GET, HEAD"),), error_code=refusal.error_code
    )


def error_response(error: EcwidError) -> Response:
    body = _encode({"errorMessage": error.message, "errorCode": error.code})
    return Response(error.status, body, error.headers, error_code=error.code)


async def send_response(send: Send, response: Response, *, gzip_ok: bool = False) -> None:
    """Send ``response``; a JSON one gzip-encoded when ``gzip_ok`` and it is big enough."""
    body, headers = response.body, list(response.headers)
    if response.content_type == JSON_CONTENT_TYPE:
        headers.append(encoding.VARY)
        if gzip_ok and len(body) >= encoding.MIN_GZIP_SIZE:
            body = encoding.compress(body)
            headers.append(encoding.GZIP_HEADER)
    await send(
        {
            "type": "http.response.start",
            "status": response.status,
            "headers": [
                (b"content-type", response.content_type),
                (b"content-length", str(len(body)).encode()),
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
