"""Routing by method and path pattern: the mechanism behind the API's route table and the
control plane's.

A pattern is a path of segments, ``{name}`` standing for one segment whose text becomes a path
value. Literal segments win over values (``customers/deleted`` over ``customers/{customerId}``),
and a path that exists without the request's method is told apart from one that does not exist
(405 and 404).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar


class Routed(Protocol):
    @property
    def method(self) -> str: ...

    @property
    def path(self) -> str: ...


R = TypeVar("R", bound=Routed)


@dataclass(frozen=True, slots=True)
class Match(Generic[R]):
    route: R
    params: dict[str, str]


class Router(Generic[R]):
    def __init__(self, routes: Iterable[R]) -> None:
        self.routes = tuple(routes)
        self._patterns = [(route, tuple(route.path.split("/"))) for route in self.routes]

    def _fitting(self, segments: list[str]) -> list[Match[R]]:
        found = []
        for route, pattern in self._patterns:
            if len(pattern) != len(segments):
                continue
            params: dict[str, str] = {}
            for expected, actual in zip(pattern, segments, strict=True):
                if expected.startswith("{"):
                    params[expected[1:-1]] = actual
                elif expected != actual:
                    break
            else:
                found.append(Match(route, params))
        found.sort(key=lambda match: len(match.params))  # literal paths first
        return found

    def resolve(self, method: str, segments: list[str]) -> Match[R] | bool:
        """The route for ``method`` at the path; else ``True`` when the path exists with
        other methods only (405), ``False`` when it does not exist (404)."""
        fitting = self._fitting(segments)
        for match in fitting:
            if match.route.method == method:
                return match
        return bool(fitting)
