"""The control plane: ``/_control/...``, the test kit's HTTP API (see docs/testing.md).

Outside Ecwid's URL space and answering only to the admin token, never to a store token; the
token is checked here, once, before any route (only the dashboard's page and files, which hold
no data, are served without it). Routes are a table like the API's (method and
path pattern to a view, through the same router). Errors keep Ecwid's ``{"errorMessage",
"errorCode"}`` shape with codes of their own (``CONTROL_*``), so one client-side error
handler serves both.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

import msgspec

from ecwid_customers import errors
from ecwid_customers.config import Settings
from ecwid_customers.control import dashboard
from ecwid_customers.control.kit import TestKit
from ecwid_customers.domain.clock import Clock
from ecwid_customers.domain.ids import parse_store_id
from ecwid_customers.http.app import CONTROL_PREFIX
from ecwid_customers.http.asgi import Receive, Scope
from ecwid_customers.http.request import header, read_body
from ecwid_customers.http.responses import Response
from ecwid_customers.http.router import Router
from ecwid_customers.storage.base import Storage, StoreSummary

# Fixtures can be large; far above the API's own limit, still bounded.
MAX_BODY = 64 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class ControlRoute:
    method: str
    path: str  # under /_control/, "{name}" for a path value
    view: Callable[[ControlCall], Awaitable[Response]]


@dataclass(slots=True)
class ControlCall:
    """One control call as its view sees it."""

    plane: ControlPlane
    scope: Scope
    receive: Receive
    params: dict[str, str]

    @property
    def storage(self) -> Storage:
        return self.plane.storage

    @property
    def kit(self) -> TestKit:
        return self.plane.kit

    @property
    def system(self) -> Clock:
        return self.plane.system

    @property
    def settings(self) -> Settings:
        return self.plane.settings

    def number(self, name: str, what: str) -> int:
        """A number from the path: anything else names nothing there is (404)."""
        text = self.params[name]
        value = parse_store_id(text)  # ids here are store ids or smaller
        if value is None:
            raise errors.control_not_found(f"{what} {text!r}")
        return value

    def query(self) -> dict[str, str]:
        return dict(parse_qsl(self.scope["query_string"].decode("latin-1")))

    def query_number(self, name: str) -> int | None:
        """A number from the query string: anything else is a bad request (400)."""
        text = self.query().get(name)
        if text is None:
            return None
        value = parse_store_id(text)
        if value is None:
            raise errors.control_bad_request(f"{name} must be a whole number, not {text!r}")
        return value

    async def raw_body(self) -> bytes:
        return await read_body(self.scope, self.receive, MAX_BODY)

    async def body(self, kind: type[Any]) -> Any:
        return decode(await self.raw_body(), kind)

    async def store(self, store_id: int) -> StoreSummary:
        """The store, or ``CONTROL_NOT_FOUND``."""
        summary = await self.storage.get_store(store_id)
        if summary is None:
            raise errors.control_not_found(f"store {store_id}")
        return summary

    def api_url(self, store_id: int) -> str:
        host = header(self.scope, b"host") or "127.0.0.1"
        return f"http://{host}/api/v3/{store_id}"


def decode(body: bytes, kind: type[Any]) -> Any:
    try:
        return msgspec.json.decode(body or b"{}", type=kind)
    except msgspec.DecodeError as error:
        raise errors.control_bad_request(f"bad request body: {error}") from None


class ControlPlane:
    def __init__(
        self,
        storage: Storage,
        kit: TestKit,
        admin_token: str,
        system: Clock,
        routes: Iterable[ControlRoute],
        settings: Settings,
    ) -> None:
        self.storage = storage
        self.kit = kit
        self.system = system
        self.settings = settings
        self._admin_token = admin_token.encode()
        self._router = Router(routes)

    def _authorised(self, scope: Scope) -> bool:
        authorization = header(scope, b"authorization") or ""
        scheme, _, token = authorization.strip().partition(" ")
        # Constant time: how much of the token matched must not show in the timing.
        return scheme.lower() == "bearer" and hmac.compare_digest(
            token.strip().encode(), self._admin_token
        )

    async def handle(self, scope: Scope, receive: Receive) -> Response:
        path: str = scope["path"][len(CONTROL_PREFIX) :].strip("/")
        method: str = scope["method"]
        # The dashboard's files hold no data: the page itself asks for the token.
        if dashboard.is_dashboard(path):
            return dashboard.answer(path, method)
        if dashboard.wants_page(scope):
            return dashboard.redirect()
        if not self._authorised(scope):
            raise errors.control_unauthorised()
        found = self._router.resolve(method, path.split("/"))
        if found is True:
            raise errors.method_not_allowed(method)
        if found is False:
            raise errors.control_not_found(f"control endpoint /{path}")
        return await found.route.view(ControlCall(self, scope, receive, found.params))
