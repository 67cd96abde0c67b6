"""Ecwid's rate limit: at most N requests per minute per token, then 429 with ``Retry-After``
(spec section 8, Q27: 600 per minute in production; off unless a test or store asks for it).

A sliding window over the last 60 seconds of wall time, kept in this process's memory: with
several server processes each counts its own share.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable

WINDOW_SECONDS = 60.0
ECWID_LIMIT = 600


class RateLimiter:
    def __init__(self, now: Callable[[], float] = time.monotonic) -> None:
        self._now = now
        self._hits: dict[bytes, deque[float]] = {}
        self._next_sweep = now() + WINDOW_SECONDS

    def retry_after(self, key: bytes, limit: int) -> int | None:
        """Count a request for ``key``; the seconds to wait when it is over ``limit``."""
        now = self._now()
        if now >= self._next_sweep:
            self._sweep(now)
        hits = self._hits.get(key)
        if hits is None:
            hits = self._hits[key] = deque()
        while hits and now - hits[0] >= WINDOW_SECONDS:
            hits.popleft()
        if len(hits) >= limit:
            # Refused requests do not count: the window frees up as the oldest hit ages out.
            return max(1, math.ceil(WINDOW_SECONDS - (now - hits[0])))
        hits.append(now)
        return None

    def _sweep(self, now: float) -> None:
        """Forget tokens with no request in the window, so memory follows active tokens only."""
        idle = [
            key for key, hits in self._hits.items() if not hits or now - hits[-1] >= WINDOW_SECONDS
        ]
        for key in idle:
            del self._hits[key]
        self._next_sweep = now + WINDOW_SECONDS

    def __len__(self) -> int:
        return len(self._hits)
