"""Customer passwords: argon2id, never stored or logged in clear (spec Q20)."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from argon2 import PasswordHasher


@cache
def _hasher() -> PasswordHasher:
    # Imported at the first password, not when the server starts: most creates carry none.
    from argon2 import PasswordHasher

    # argon2-cffi's defaults follow RFC 9106's low-memory recommendation (argon2id, 64 MiB).
    return PasswordHasher()


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher().verify(password_hash, password)
    except Exception:  # argon2 raises a family of errors that all mean "no"
        return False


def warm_up() -> None:
    """Import the hasher now (at start, on a thread), so the first password does not wait."""
    _hasher()
