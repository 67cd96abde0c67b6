"""The one table of API routes: method, path under ``/api/v3/{storeId}/``, view, scopes.

Authorisation reads the scopes from here and nowhere else (spec 1.1, 2.3).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from ecwid_customers import scopes
from ecwid_customers.http.request import Request
from ecwid_customers.http.responses import Response
from ecwid_customers.http.views import customers

View = Callable[[Request], Awaitable[Response]]


@dataclass(frozen=True, slots=True)
class Route:
    method: str
    path: str  # segments after /api/v3/{storeId}/, "{name}" for a path value
    view: View
    scopes: tuple[str, ...]  # every one of them is required

    @property
    def segments(self) -> tuple[str, ...]:
        return tuple(self.path.split("/"))


ROUTES: tuple[Route, ...] = (
    Route("POST", "customers", customers.create_customer, (scopes.CREATE_CUSTOMERS,)),
    Route("GET", "customers/{customerId}", customers.get_customer, (scopes.READ_CUSTOMERS,)),
)


def match(segments: list[str]) -> list[tuple[Route, dict[str, str]]]:
    """Every route whose path fits ``segments``, with its path values; literal paths first."""
    found = []
    for route in ROUTES:
        pattern = route.segments
        if len(pattern) != len(segments):
            continue
        params: dict[str, str] = {}
        for expected, actual in zip(pattern, segments, strict=True):
            if expected.startswith("{"):
                params[expected[1:-1]] = actual
            elif expected != actual:
                break
        else:
            found.append((route, params))
    # /customers/deleted must win over /customers/{customerId}.
    found.sort(key=lambda item: len(item[1]))
    return found
