"""``/healthz`` and ``/readyz``: for container health checks and "wait until up" steps.

Outside Ecwid's URL space, without a token, answered in plain JSON of our own (not Ecwid's
error shape: no Ecwid client reads these):

- ``/healthz``: the process is serving. Always 200 ``{"status": "ok"}``.
- ``/readyz``: the database can serve calls (it answers, its writer runs, no fault is open):
  200 ``{"status": "ready"}``, else 503 ``{"status": "unavailable", "problems": [...]}`` with
  ``Retry-After``. The schema was brought up to date (or found newer and refused) at start.
"""

from __future__ import annotations

import msgspec

from ecwid_customers.http.responses import Response, read_only_refusal
from ecwid_customers.storage.base import Storage

HEALTH_PATH = "/healthz"
READY_PATH = "/readyz"
PATHS = frozenset({HEALTH_PATH, READY_PATH})
_READ_METHODS = frozenset({"GET", "HEAD"})
_encode = msgspec.json.Encoder().encode


async def health_response(path: str, method: str, storage: Storage) -> Response:
    if method not in _READ_METHODS:
        return read_only_refusal(method)
    if path == HEALTH_PATH:
        return Response(200, b'{"status":"ok"}')
    problems = await storage.problems()
    if problems:
        body = _encode({"status": "unavailable", "problems": list(problems)})
        return Response(503, body, ((b"retry-after", b"5"),))
    return Response(200, b'{"status":"ready"}')
