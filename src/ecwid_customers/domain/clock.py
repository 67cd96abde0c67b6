"""Time as the API sees it: whole UTC seconds, written the way Ecwid writes them."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    def now(self) -> int:
        """Current time in whole UNIX seconds."""
        ...


class SystemClock:
    def now(self) -> int:
        return int(time.time())


def format_ecwid_time(seconds: int) -> str:
    """``2024-08-21 07:52:09 +0000``: the only date-time format Ecwid returns (spec section 1)."""
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%d %H:%M:%S +0000")
