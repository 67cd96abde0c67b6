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


# A path with its value segments blanked: what decides the route (``None`` stands for "not a
# literal of any pattern at this position", so every such path has the same shape).
Shape = tuple[str | None, ...]
# What a shape resolves to: the route and where its values are, or 405 (True) / 404 (False).
Decision = tuple[R, tuple[tuple[int, str], ...]] | bool


class Router(Generic[R]):
    def __init__(self, routes: Iterable[R]) -> None:
        self.routes = tuple(routes)
        self._patterns = [(route, tuple(route.path.split("/"))) for route in self.routes]
        # For each path length, the literal segments some pattern has at each position.
        self._literals: dict[int, tuple[frozenset[str], ...]] = {}
        for length in {len(pattern) for _, pattern in self._patterns}:
            self._literals[length] = tuple(
                frozenset(
                    pattern[position]
                    for _, pattern in self._patterns
                    if len(pattern) == length and not pattern[position].startswith("{")
                )
                for position in range(length)
            )
        # Decisions by (method, shape). Shapes are made of the patterns' own literals, so
        # there are few of them whatever paths clients send: this stays small.
        self._decided: dict[tuple[str, Shape], Decision[R]] = {}
        self._methods = frozenset(route.method for route in self.routes)

    def _decide(self, method: str, shape: Shape) -> Decision[R]:
        fitting: list[tuple[R, tuple[tuple[int, str], ...]]] = []
        for route, pattern in self._patterns:
            if len(pattern) != len(shape):
                continue
            values: list[tuple[int, str]] = []
            for position, (expected, actual) in enumerate(zip(pattern, shape, strict=True)):
                if expected.startswith("{"):
                    values.append((position, expected[1:-1]))
                elif expected != actual:
                    break
            else:
                fitting.append((route, tuple(values)))
        fitting.sort(key=lambda found: len(found[1]))  # literal paths first
        for route, positions in fitting:
            if route.method == method:
                return route, positions
        return bool(fitting)

    def resolve(self, method: str, segments: list[str]) -> Match[R] | bool:
        """The route for ``method`` at the path; else ``True`` when the path exists with
        other methods only (405), ``False`` when it does not exist (404)."""
        literals = self._literals.get(len(segments))
        if literals is None:
            return False
        shape = tuple(
            segment if segment in known else None
            for segment, known in zip(segments, literals, strict=True)
        )
        # A method no route has decides like any other such method (a client cannot grow this).
        key = (method if method in self._methods else "", shape)
        decision = self._decided.get(key)
        if decision is None:
            decision = self._decided[key] = self._decide(key[0], shape)
        if isinstance(decision, bool):
            return decision
        route, values = decision
        return Match(route, {name: segments[position] for position, name in values})
