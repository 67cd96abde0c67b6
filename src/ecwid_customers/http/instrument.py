"""Prometheus metrics of the API's requests, and ``/metrics`` to read them from.

:class:`Instrumented` wraps the app (the bare API or the test kit) the way ASGI middleware
does: it times each HTTP request, notes the status the app sends, and counts it under the
route *pattern* the app matched (``EcwidApp`` leaves it in the scope under ``ROUTE_KEY``).
``serve --no-metrics`` leaves the wrapper out, and ``/metrics`` is then Ecwid's 404.

Recording is on every request's path, so it is kept to a clock read at each end, one dict
lookup for the key's recorder (made once per route, method and status) and a few additions
(``metrics.LoopRequestStats``).
"""

from __future__ import annotations

import time
from typing import Any

from ecwid_customers import metrics
from ecwid_customers.http import docs_ui, health, meta, routes
from ecwid_customers.http.app import API_PREFIX, CONTROL_PREFIX, ROUTE_KEY, is_control_path
from ecwid_customers.http.asgi import Message, Receive, Scope, Send
from ecwid_customers.http.request import header
from ecwid_customers.http.responses import Response, read_only_refusal, send_response

METRICS_PATH = "/metrics"
API_PATTERN = API_PREFIX + "{storeId}/"
# Methods outside this set share one label: a client cannot add labels by inventing methods.
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"})
OTHER_METHOD = "other"
# Paths outside the API that are labelled as themselves: a fixed set.
_OWN_PATHS = frozenset({METRICS_PATH, meta.OPENAPI_PATH, *health.PATHS, *meta.DOCS_PATHS})
_ROUTE_METHODS = tuple(sorted({route.method for route in routes.ROUTES}))
_READ_METHODS = frozenset({"GET", "HEAD"})


def route_label(scope: Scope) -> str:
    """The route pattern a request is counted under: one of a fixed, small set."""
    matched: str | None = scope.get(ROUTE_KEY)
    if matched is not None:
        return API_PATTERN + matched
    path: str = scope["path"]
    if path.startswith(API_PREFIX):
        return _api_pattern(path)
    if path in _OWN_PATHS:
        return path
    if path.startswith(docs_ui.STATIC_PREFIX):
        return docs_ui.STATIC_PREFIX + "{file}"
    if is_control_path(path):
        return CONTROL_PREFIX
    return metrics.UNMATCHED


def _api_pattern(path: str) -> str:
    """The pattern of an API path the app answered before it matched a route (a refused
    token, an unknown store, a method the path has not), when it fits one."""
    _, _, rest = path[len(API_PREFIX) :].rstrip("/").partition("/")
    segments = rest.split("/")
    for method in _ROUTE_METHODS:
        found = routes.ROUTER.resolve(method, segments)
        if not isinstance(found, bool):
            return API_PATTERN + found.route.path
    return metrics.UNMATCHED


class Instrumented:
    """The app with its requests counted and timed, and ``/metrics`` answered."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self._recorders: dict[tuple[str, str, int], metrics.Recorder] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> Any:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        started = time.perf_counter()
        status = 0  # stays 0 when no answer was sent (a dropped connection)

        async def noting_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            if scope["path"] == METRICS_PATH:
                await send_response(noting_send, _metrics_response(scope))
                return None
            return await self.app(scope, receive, noting_send)
        finally:
            self.record(scope, status, time.perf_counter() - started)

    def record(self, scope: Scope, status: int, seconds: float) -> None:
        method: str = scope["method"]
        if method not in METHODS:
            method = OTHER_METHOD
        # A matched route's own path is a key as good as its label, and costs nothing to make.
        key = (scope.get(ROUTE_KEY) or route_label(scope), method, status)
        record = self._recorders.get(key)
        if record is None:
            record = metrics.REQUESTS.recorder(route_label(scope), method, str(status))
            self._recorders[key] = record
        record(seconds)


def _metrics_response(scope: Scope) -> Response:
    if scope["method"] not in _READ_METHODS:
        return read_only_refusal(scope["method"])
    body, content_type = metrics.exposition(header(scope, b"accept"))
    return Response(200, body, content_type=content_type.encode())
