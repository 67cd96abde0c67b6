"""The router decides once per path shape, and decides as matching every pattern would."""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import given
from hypothesis import strategies as st

from ecwid_customers.http.router import Match, Router
from ecwid_customers.http.routes import ROUTER, ROUTES, Route


def by_every_pattern(method: str, segments: list[str]) -> tuple[str, dict[str, str]] | bool:
    """The rule the router implements, written plainly: of the patterns the path fits,
    literal ones first, the first with the request's method."""
    fitting = []
    for route in ROUTES:
        pattern = route.path.split("/")
        if len(pattern) != len(segments):
            continue
        params = {}
        for expected, actual in zip(pattern, segments, strict=True):
            if expected.startswith("{"):
                params[expected[1:-1]] = actual
            elif expected != actual:
                break
        else:
            fitting.append((route, params))
    fitting.sort(key=lambda found: len(found[1]))
    for route, params in fitting:
        if route.method == method:
            return route.path, params
    return bool(fitting)


def decided(found: Match[Route] | bool) -> tuple[str, dict[str, str]] | bool:
    return found if isinstance(found, bool) else (found.route.path, found.params)


# Segments the patterns use, and anything else.
LITERALS = sorted({part for route in ROUTES for part in route.path.split("/")} - {""})
segment = st.one_of(st.sampled_from(LITERALS), st.text(max_size=6))
methods = st.sampled_from(["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "BREW"])


@given(methods, st.lists(segment, min_size=1, max_size=6))
def test_resolves_as_every_pattern_would(method: str, segments: list[str]) -> None:
    assert decided(ROUTER.resolve(method, segments)) == by_every_pattern(method, segments)


def test_literal_beats_a_value_and_a_wrong_method_is_told_apart() -> None:
    assert decided(ROUTER.resolve("GET", ["customers", "deleted"])) == ("customers/deleted", {})
    assert decided(ROUTER.resolve("GET", ["customers", "7"])) == (
        "customers/{customerId}",
        {"customerId": "7"},
    )
    assert ROUTER.resolve("PATCH", ["customers", "7"]) is True
    assert ROUTER.resolve("GET", ["nothing", "here"]) is False


@dataclass(frozen=True)
class Plain:
    method: str
    path: str


def test_what_it_remembers_does_not_grow_with_the_paths_or_methods_clients_send() -> None:
    router = Router([Plain("GET", "a/{x}"), Plain("PUT", "a/{x}/b")])
    for number in range(5000):
        router.resolve("GET", ["a", str(number)])
        router.resolve(f"M{number}", ["a", str(number), "b"])
        router.resolve("PUT", [str(number), "b", "c"])
    assert len(router._decided) <= 6
