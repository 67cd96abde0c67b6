"""Fault rules: Ecwid's errors, slow answers and dropped connections, on demand.

A rule names which calls it watches (store, route, method) and when it fires among them (the
n-th call, a probability, at most ``times`` times, until it expires). Rules are checked in the
order they were added; every rule that matches counts the call, the latencies of the rules
that fire add up, and the first firing rule with an error or a drop decides the answer.
"""

from __future__ import annotations

import itertools
import random
import time
from dataclasses import dataclass, field

import msgspec

from ecwid_customers import errors
from ecwid_customers.http.routes import ROUTES

HTTP_METHODS = frozenset({"GET", "POST", "PUT", "DELETE"})
# Rules name routes as the route table does; a rule for any other path would never fire.
ROUTE_PATHS = frozenset(route.path for route in ROUTES)
MAX_LATENCY_MS = 120_000  # beyond any client's timeout; a bigger number is a typo


class FaultRule(
    msgspec.Struct, rename="camel", kw_only=True, forbid_unknown_fields=True, omit_defaults=True
):
    """What a client sends to ``POST /_control/faults``."""

    # Which calls: any of each when left out.
    store_id: int | None = None
    route: str | None = None  # as in the routes table: "customers", "customers/{customerId}"
    method: str | None = None
    # When: on the n-th matching call, or with a probability; at most ``times`` times.
    nth: int | None = None
    probability: float | None = None
    times: int | None = None
    ttl_seconds: float | None = None
    seed: int | None = None  # makes ``probability`` and random latency repeatable
    # What: an errorCode of the catalogue, latency (fixed, or random up to latencyMaxMs), a drop.
    error: str | None = None
    message: str | None = None  # replaces the error's errorMessage
    latency_ms: int | None = None
    latency_max_ms: int | None = None
    drop: bool = False


class FaultView(FaultRule, kw_only=True):
    """A rule as the control plane shows it, with its id and counters."""

    id: int
    matched: int
    fired: int
    expires_in_seconds: float | None = None


def _check(rule: FaultRule) -> FaultRule:
    """The rule, tidied; ``CONTROL_BAD_REQUEST`` naming what is wrong with it."""
    bad = errors.control_bad_request
    if rule.error is None and rule.latency_ms is None and not rule.drop:
        raise bad("a fault needs something to do: error, latencyMs or drop")
    if rule.error is not None and rule.drop:
        raise bad("a fault answers with an error or drops the connection, not both")
    if rule.error is not None and errors.sample(rule.error) is None:
        known = ", ".join(sorted(errors.sample_codes()))
        raise bad(f"unknown error code {rule.error!r}; known: {known}")
    method = rule.method.upper() if rule.method is not None else None
    if method is not None and method not in HTTP_METHODS:
        raise bad(f"method must be one of {', '.join(sorted(HTTP_METHODS))}")
    if rule.nth is not None and rule.nth < 1:
        raise bad("nth counts from 1")
    if rule.nth is not None and rule.probability is not None:
        raise bad("use nth or probability, not both")
    if rule.probability is not None and not 0 <= rule.probability <= 1:
        raise bad("probability is between 0 and 1")
    if rule.times is not None and rule.times < 1:
        raise bad("times is at least 1")
    if rule.ttl_seconds is not None and rule.ttl_seconds <= 0:
        raise bad("ttlSeconds must be positive")
    for name, value in (("latencyMs", rule.latency_ms), ("latencyMaxMs", rule.latency_max_ms)):
        if value is not None and not 0 <= value <= MAX_LATENCY_MS:
            raise bad(f"{name} is between 0 and {MAX_LATENCY_MS}")
    if rule.latency_max_ms is not None and (
        rule.latency_ms is None or rule.latency_max_ms < rule.latency_ms
    ):
        raise bad("latencyMaxMs needs latencyMs, and is not below it")
    route = rule.route.strip("/") if rule.route is not None else None
    if route is not None and route not in ROUTE_PATHS:
        raise bad(f"unknown route {route!r}; routes: {', '.join(sorted(ROUTE_PATHS))}")
    return msgspec.structs.replace(rule, method=method, route=route)


@dataclass(slots=True)
class _Fault:
    id: int
    rule: FaultRule
    expires_at: float | None
    rng: random.Random
    matched: int = 0
    fired: int = 0

    def matches(self, store_id: int, route: str, method: str) -> bool:
        rule = self.rule
        return (
            (rule.store_id is None or rule.store_id == store_id)
            and (rule.route is None or rule.route == route)
            and (rule.method is None or rule.method == method)
        )

    def fires(self) -> bool:
        """Count a matching call; whether the rule fires on it."""
        self.matched += 1
        rule = self.rule
        limit = rule.times if rule.times is not None else (1 if rule.nth is not None else None)
        if limit is not None and self.fired >= limit:
            return False
        if rule.nth is not None and self.matched < rule.nth:
            return False
        if rule.probability is not None and self.rng.random() >= rule.probability:
            return False
        self.fired += 1
        return True

    def latency(self) -> float:
        """Seconds to wait."""
        low = self.rule.latency_ms or 0
        high = self.rule.latency_max_ms
        return (self.rng.uniform(low, high) if high is not None else low) / 1000

    def view(self, now: float) -> FaultView:
        expires = None if self.expires_at is None else max(0.0, round(self.expires_at - now, 3))
        return FaultView(
            **msgspec.structs.asdict(self.rule),
            id=self.id,
            matched=self.matched,
            fired=self.fired,
            expires_in_seconds=expires,
        )


@dataclass(frozen=True, slots=True)
class Outcome:
    """What the firing rules ask of one call."""

    latency: float = 0.0  # seconds
    error: errors.EcwidError | None = None
    drop: bool = False
    fault_id: int | None = None  # the rule behind the error or drop (or the latency)


NOTHING = Outcome()


@dataclass(slots=True)
class FaultBook:
    _faults: list[_Fault] = field(default_factory=list)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def add(self, rule: FaultRule) -> FaultView:
        rule = _check(rule)
        now = time.monotonic()
        expires = None if rule.ttl_seconds is None else now + rule.ttl_seconds
        fault = _Fault(next(self._ids), rule, expires, random.Random(rule.seed))
        self._faults.append(fault)
        return fault.view(now)

    def _live(self) -> list[_Fault]:
        now = time.monotonic()
        self._faults = [f for f in self._faults if f.expires_at is None or f.expires_at > now]
        return self._faults

    def list(self, store_id: int | None = None) -> list[FaultView]:
        now = time.monotonic()
        return [
            f.view(now)
            for f in self._live()
            if store_id is None or f.rule.store_id in (None, store_id)
        ]

    def get(self, fault_id: int) -> FaultView | None:
        return next((f.view(time.monotonic()) for f in self._live() if f.id == fault_id), None)

    def remove(self, fault_id: int) -> bool:
        before = len(self._faults)
        self._faults = [f for f in self._faults if f.id != fault_id]
        return len(self._faults) < before

    def clear(self, store_id: int | None = None) -> int:
        """Remove every rule (or every rule aimed at one store); how many went."""
        before = len(self._faults)
        if store_id is None:
            self._faults = []
        else:
            self._faults = [f for f in self._faults if f.rule.store_id != store_id]
        return before - len(self._faults)

    def outcome(self, store_id: int, route: str, method: str) -> Outcome:
        if not self._faults:
            return NOTHING  # the common case, and the only cost without faults
        latency = 0.0
        decided: _Fault | None = None
        last: _Fault | None = None
        for fault in self._live():
            if not fault.matches(store_id, route, method) or not fault.fires():
                continue
            last = fault
            latency += fault.latency()
            if decided is None and (fault.rule.error is not None or fault.rule.drop):
                decided = fault
        if last is None:
            return NOTHING
        if decided is None:
            return Outcome(latency=latency, fault_id=last.id)
        error = None
        if decided.rule.error is not None:
            error = errors.sample(decided.rule.error)
            assert error is not None  # checked when the rule was added
            if decided.rule.message is not None:
                error = errors.EcwidError(
                    error.status, error.code, decided.rule.message, error.headers
                )
        return Outcome(latency=latency, error=error, drop=decided.rule.drop, fault_id=decided.id)
