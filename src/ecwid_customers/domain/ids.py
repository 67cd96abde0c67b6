"""Ids and numeric limits: what a store, customer, contact or group id may be, and reading
one from text.

Every layer uses these: the HTTP layer reads ids from paths, the control plane from its own
paths and bodies, storage checks its counters against them, fixtures check what they load.
"""

from __future__ import annotations

from functools import lru_cache

# Customer, address and group ids stay below 2^31, as Ecwid's do.
MAX_ID = 2**31 - 1
# Ecwid's contact ids and store ids are 64-bit.
MAX_LONG_ID = 2**63 - 1
MAX_STORE_ID = MAX_LONG_ID
# Requests per minute per token; the column is a 32-bit integer on PostgreSQL.
MAX_RATE_LIMIT = 2**31 - 1


def is_digits(text: str) -> bool:
    """ASCII digits only (``str.isdigit`` also admits other scripts' digits)."""
    return text.isascii() and text.isdigit()


@lru_cache(maxsize=8)
def _digit_count(maximum: int) -> int:
    """Digits in ``maximum``: an id is parsed on every request, against one of a few bounds."""
    return len(str(maximum))


def parse_id(text: str, maximum: int = MAX_ID) -> int | None:
    """The id ``text`` spells, or ``None`` when it is not digits or exceeds ``maximum``.

    The length is compared before converting: ``int()`` refuses strings of thousands of
    digits, and a long string of zeros is still a small number.
    """
    if not is_digits(text):
        return None
    digits = text.lstrip("0") or "0"
    if len(digits) > _digit_count(maximum):
        return None
    value = int(digits)
    return value if value <= maximum else None


def parse_store_id(text: str) -> int | None:
    """A store id from a URL (``0`` included: no store has it, so it is simply not found)."""
    return parse_id(text, MAX_STORE_ID)


def is_store_id(value: int) -> bool:
    """Whether a store may have this id: a positive 64-bit integer."""
    return 0 < value <= MAX_STORE_ID


def is_entity_id(value: int) -> bool:
    """Whether a customer, contact, address or group may have this id."""
    return 0 < value <= MAX_ID
