"""Per-store clocks: frozen, shifted or real, so ``registered`` and ``updated`` are predictable."""

from __future__ import annotations

from dataclasses import dataclass, field

import msgspec

from ecwid_customers import errors
from ecwid_customers.domain.clock import (
    LATEST_TIME,
    Clock,
    format_ecwid_time,
    in_time_range,
    parse_ecwid_time,
)


class ClockState(msgspec.Struct, rename="camel", kw_only=True):
    now: str  # as Ecwid writes times
    now_unix: int
    frozen: bool
    offset_seconds: int  # how far a running clock is ahead of real time


@dataclass(slots=True)
class StoreClock:
    """Real time, shifted by ``offset``, unless frozen at ``frozen_at``."""

    system: Clock
    frozen_at: int | None = None
    offset: int = 0

    def now(self) -> int:
        if self.frozen_at is not None:
            return self.frozen_at
        # A shifted clock that runs on stops at the last time Ecwid's format can show.
        return max(0, min(self.system.now() + self.offset, LATEST_TIME))

    def freeze(self, at: int | None = None) -> None:
        self.frozen_at = self.now() if at is None else at

    def resume(self) -> None:
        """Run again from the time shown now (a frozen clock does not jump back)."""
        if self.frozen_at is not None:
            self.offset = self.frozen_at - self.system.now()
            self.frozen_at = None

    def advance(self, seconds: int) -> None:
        if self.frozen_at is not None:
            self.frozen_at += seconds
        else:
            self.offset += seconds

    def state(self) -> ClockState:
        now = self.now()
        return ClockState(
            now=format_ecwid_time(now),
            now_unix=now,
            frozen=self.frozen_at is not None,
            offset_seconds=self.offset if self.frozen_at is None else now - self.system.now(),
        )


@dataclass(slots=True)
class Clocks:
    """The clock of each store that has one of its own; the others read ``system``."""

    system: Clock
    by_store: dict[int, StoreClock] = field(default_factory=dict)

    def of(self, store_id: int) -> Clock:
        return self.by_store.get(store_id) or self.system

    def control(self, store_id: int) -> StoreClock:
        clock = self.by_store.get(store_id)
        if clock is None:
            clock = self.by_store[store_id] = StoreClock(self.system)
        return clock

    def forget(self, store_id: int) -> None:
        self.by_store.pop(store_id, None)


def in_clock_range(seconds: int) -> int:
    """``seconds``, or ``CONTROL_BAD_REQUEST`` when no clock can show that time."""
    if not in_time_range(seconds):
        raise errors.control_bad_request("a clock shows times from 1970 to the end of 9999")
    return seconds


def control_time(value: str | int) -> int:
    """A time a control call names: UNIX seconds, or as Ecwid writes times."""
    if isinstance(value, int):
        return in_clock_range(value)
    try:
        seconds = parse_ecwid_time(value)
    except ValueError:
        raise errors.control_bad_request(f"cannot read the time {value!r}") from None
    return in_clock_range(seconds)
