"""A bounded record of the API calls each store received, for tests to assert on."""

from __future__ import annotations

import itertools
from collections import deque
from collections.abc import Iterable

import msgspec

DEFAULT_SIZE = 500


class JournalEntry(msgspec.Struct, rename="camel", kw_only=True, omit_defaults=True):
    seq: int  # increases over the server's life: "entries after N" is a query
    at: str  # when the request arrived, as Ecwid writes times (the store's clock)
    method: str
    path: str
    query: str = ""
    status: int
    duration_ms: float
    request_bytes: int
    response_bytes: int
    error_code: str | None = None
    fault_id: int | None = None  # the fault rule that shaped this answer, if one did


class Journal:
    """The last ``size`` calls of each store; older ones fall off, so memory stays bounded
    by ``size`` times the number of stores."""

    def __init__(self, size: int = DEFAULT_SIZE) -> None:
        self.size = size
        self._entries: dict[int, deque[JournalEntry]] = {}
        self._seq = itertools.count(1)

    def next_seq(self) -> int:
        return next(self._seq)

    def record(self, store_id: int, entry: JournalEntry) -> None:
        if self.size <= 0:
            return
        entries = self._entries.get(store_id)
        if entries is None:
            entries = self._entries[store_id] = deque(maxlen=self.size)
        entries.append(entry)

    def entries(self, store_id: int) -> Iterable[JournalEntry]:
        return tuple(self._entries.get(store_id, ()))

    def clear(self, store_id: int) -> None:
        self._entries.pop(store_id, None)

    def clear_all(self) -> None:
        self._entries.clear()
