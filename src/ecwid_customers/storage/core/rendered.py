"""Customers' JSON, kept by the row it was made from, so a repeated read re-encodes nothing.

Reading a customer by id means decoding the stored document, laying the columns over it
(group, dates, stats) and encoding the result again: most of a read's cost, for an answer that
changes only when the row does. This keeps the answer next to the row values it came from;
a read whose row holds the same values gets the same bytes. Nothing here can go stale: the
row is read every time, and only an identical row reuses its answer (whatever wrote it, this
process or another). Where the engine has a stamp that moves with every commit, an answer
kept under the current stamp is given without reading the row at all: nothing has changed.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import cast

from ecwid_customers.storage.core.rows import customer_from_row, encode
from ecwid_customers.storage.core.session import Row

# Customers kept: enough for a store's busy set; when full it starts again (a read then costs
# the encode it always did). A customer's row and its JSON are a few KB.
RENDERED_CACHE_SIZE = 4096


class RenderedCustomers:
    def __init__(self, size: int = RENDERED_CACHE_SIZE) -> None:
        self.size = size
        # (store, customer) -> (the commit stamp when its row was read, the row's values,
        # its customer's JSON)
        self._kept: dict[tuple[int, int], tuple[int | None, tuple[object, ...], bytes]] = {}

    def unchanged(self, store_id: int, customer_id: int, stamp: int) -> bytes | None:
        """The JSON kept for the customer when its row was read under ``stamp`` (the
        engine's commit stamp now, read before anything else of the request)."""
        kept = self._kept.get((store_id, customer_id))
        return kept[2] if kept is not None and kept[0] == stamp else None

    def json(self, store_id: int, customer_id: int, row: Row, stamp: int | None) -> bytes:
        """The customer of ``row`` as the API shows it (``encode(customer_from_row(row))``);
        ``stamp`` is the commit stamp read before the row (so never newer than its data)."""
        # asyncpg's Record, which iterates its values, as a tuple
        values = row if type(row) is tuple else tuple(cast("Iterable[object]", row))
        key = (store_id, customer_id)
        kept = self._kept.get(key)
        if kept is not None and kept[1] == values:
            text = kept[2]
        else:
            text = encode(customer_from_row(row))
            if len(self._kept) >= self.size:
                self._kept.clear()
        self._kept[key] = (stamp, values, text)
        return text
