"""Sizes Ecwid documents no limit for, chosen here so that one customer stays small.

A real customer has a handful of addresses and contacts and a few extra fields; these bounds
are far above that and keep what one customer costs to store, answer and search bounded
(within the 1 MiB body limit as sent, about twice that with its derived fields). A body beyond
them is refused with 400 ``WRONG_PARAMETER`` naming the field, before any work is done
(``docs/compatibility.md``).
"""

from __future__ import annotations

MAX_SHIPPING_ADDRESSES = 100
MAX_CONTACTS = 100  # sent in one body, and held by one customer
MAX_EXTRA_FIELDS = 100

# Characters. Names, codes, cities, phones, ids, handles: one line of text.
SHORT_TEXT = 255
# Streets (several lines), notes, contact values (URLs), extra-field values.
LONG_TEXT = 1_000
# The store's own notes about a customer.
NOTES_TEXT = 10_000
