"""Time as the API sees it: whole UTC seconds, written the way Ecwid writes them."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Protocol


class Clock(Protocol):
    def now(self) -> int:
        """Current time in whole UNIX seconds."""
        ...


class SystemClock:
    def now(self) -> int:
        return int(time.time())


class ManualClock:
    """A clock that moves only when told: for tests that check ``registered``/``updated``."""

    def __init__(self, start: int | None = None) -> None:
        self.current = int(time.time()) if start is None else start

    def now(self) -> int:
        return self.current

    def advance(self, seconds: int) -> int:
        self.current += seconds
        return self.current


# Ecwid writes four-digit years: the times this server can show run from 1970 to the end of 9999.
LATEST_TIME = 253_402_300_799


def in_time_range(seconds: int) -> bool:
    return 0 <= seconds <= LATEST_TIME


_EPOCH = date(1970, 1, 1)


@lru_cache(maxsize=4096)
def _ecwid_day(days: int) -> str:
    """``2024-08-21``, ``days`` after 1970-01-01: a store's customers share few days."""
    return (_EPOCH + timedelta(days=days)).isoformat()


@lru_cache(maxsize=64)
def format_ecwid_time(seconds: int) -> str:
    """``2024-08-21 07:52:09 +0000``: the only date-time format Ecwid returns (spec section 1).

    Cached: under load most writes share a handful of distinct seconds. A miss (a stored
    registration date, one per customer) costs a third of ``strftime``: the date part comes
    from its own cache and the time of day is arithmetic.
    """
    days, rest = divmod(seconds, 86_400)
    hours, rest = divmod(rest, 3_600)
    minutes, secs = divmod(rest, 60)
    return f"{_ecwid_day(days)} {hours:02d}:{minutes:02d}:{secs:02d} +0000"


def parse_ecwid_time(text: str) -> int:
    """A date-time filter value as Ecwid accepts it (spec section 1), in UNIX seconds.

    UNIX seconds (``1447804800``), ``2015-04-22 18:48:38 -0500``, ``2015-04-22 18:48:38``
    (UTC) or ``2015-04-22`` (midnight UTC). Raises ``ValueError`` for anything else.
    """
    text = text.strip()
    if text.isascii() and text.lstrip("-").isdigit() and len(text) <= 12:
        return int(text)
    for layout in ("%Y-%m-%d %H:%M:%S %z", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d"):
        try:
            moment = datetime.strptime(text, layout)
        except ValueError:
            continue
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return int(moment.timestamp())
    raise ValueError(text)
