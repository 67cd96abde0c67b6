"""How emails and names are compared: one normalisation for uniqueness, search and sorting.

Unicode lets one visible text be written several ways: an accented letter as one code point
(NFC) or as a letter plus a combining accent (NFD); U+212A KELVIN SIGN for ``K``; the final
and the medial sigma (U+03C2, U+03C3) for one letter. Comparing with ``str.lower()`` alone
made the NFC and NFD spellings of one accented address two customers. The key is NFC, then
Unicode's full case folding, then NFC again (folding may undo a composition): canonically
equivalent and case-variant spellings share one key. Only the key is folded; the email and
name are kept and answered as they were sent.
"""

from __future__ import annotations

import unicodedata


def fold(text: str) -> str:
    if text.isascii():  # nearly every email: ASCII folds by lower() alone
        return text.lower()
    return unicodedata.normalize("NFC", unicodedata.normalize("NFC", text).casefold())
