"""Access tokens: Ecwid's shapes (``secret_``/``public_`` + 32 alphanumerics, spec 2.2).

Tokens are kept only as SHA-256 digests. A token is 190 bits of randomness, so a fast hash is
the right tool (a slow password hash would only slow every request); the digest is what storage
looks up, and the plaintext is shown once, when the token is made.
"""

from __future__ import annotations

import hashlib
import secrets
import string
from typing import Literal
from urllib.parse import unquote_plus

TokenKind = Literal["secret", "public"]

_ALPHABET = string.ascii_letters + string.digits
_BODY_LENGTH = 32


def generate_token(kind: TokenKind) -> str:
    return f"{kind}_" + "".join(secrets.choice(_ALPHABET) for _ in range(_BODY_LENGTH))


def token_kind(token: str) -> TokenKind:
    """``public`` for ``public_`` tokens; every other token acts as a secret one."""
    return "public" if token.startswith("public_") else "secret"


def check_token_format(token: str) -> None:
    """Reject values that cannot be an Ecwid token (``token create --token``, a pinned
    control-plane token, a fixture's tokens): Ecwid's are a prefix and 32 alphanumerics."""
    kind, sep, body = token.partition("_")
    if kind not in ("secret", "public") or not sep:
        raise ValueError("a token starts with secret_ or public_")
    if len(body) != _BODY_LENGTH or any(ch not in _ALPHABET for ch in body):
        raise ValueError(
            f"after the prefix a token has only letters and digits, {_BODY_LENGTH} of them"
        )


def hash_token(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


def token_hint(token: str) -> str:
    """How Ecwid's own docs show a token: ``secret_ab***cd``."""
    kind, _, body = token.partition("_")
    return f"{kind}_{body[:2]}***{body[-2:]}"


# The control plane's token: a prefix no store token has, so the two can never be confused.
ADMIN_TOKEN_PREFIX = "admin_"  # noqa: S105 - a prefix, not a secret


def new_admin_token() -> str:
    return ADMIN_TOKEN_PREFIX + "".join(secrets.choice(_ALPHABET) for _ in range(_BODY_LENGTH))


def redact_query(query: str) -> str:
    """A query string with the value of every ``token`` parameter replaced by ``***``, however
    its name is escaped (``tok%65n`` is ``token`` to the parser): for logs and the journal."""
    parts = []
    for part in query.split("&"):
        name, equals, _ = part.partition("=")
        parts.append(f"{name}=***" if equals and unquote_plus(name) == "token" else part)
    return "&".join(parts)
