"""One API request as the views see it: path values, query, grant and a guarded body."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import parse_qs

import msgspec

from ecwid_customers import errors
from ecwid_customers.config import Settings
from ecwid_customers.domain.clock import Clock
from ecwid_customers.domain.ids import is_digits
from ecwid_customers.domain.models import TokenGrant
from ecwid_customers.http.asgi import Receive, Scope
from ecwid_customers.http.batches import BatchBook
from ecwid_customers.http.encoding import decompress
from ecwid_customers.storage.base import Storage

T = TypeVar("T")

# Bodies larger than this are checked for their shape first (real customers are a few KB).
PRECHECK_SIZE = 64 * 1024
_JSON_MEDIA_TYPES = frozenset({"application/json", "text/json"})
_TOO_LONG = re.compile(r"Expected (?P<kind>str|array) of length <= (?P<limit>\d+)")
_AT_PATH = re.compile(r"^(?P<what>.*?)(?: - at `\$(?P<path>[^`]*)`)?$", re.DOTALL)


def _has_nul_escape(body: bytes) -> bool:
    """Whether the JSON text holds the escape for NUL, ``\\u0000`` (an escaped backslash
    followed by ``u0000`` is text, not NUL: the backslashes before it are counted)."""
    start = body.find(b"\\u0000")
    while start != -1:
        before = start
        while before > 0 and body[before - 1] == ord("\\"):
            before -= 1
        if (start - before) % 2 == 0:  # an even run before ours: ours escapes, so NUL
            return True
        start = body.find(b"\\u0000", start + 1)
    return False


class ClientDisconnected(Exception):
    """The client went away before sending its whole body: there is nobody to answer."""


def header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            text: str = value.decode("latin-1")
            return text
    return None


def _decode_error(error: msgspec.DecodeError) -> errors.EcwidError:
    if not isinstance(error, msgspec.ValidationError):
        return errors.unparsable_body()
    match = _AT_PATH.match(str(error))
    assert match is not None  # the pattern matches any text
    path = (match["path"] or "").lstrip(".")
    if not path:
        return errors.body_not_object()
    # "Expected `int | null`, got `str`" -> "expected int, got str": null is never the point.
    detail = match["what"].replace("`", "").replace(" | null", "")
    bound = _TOO_LONG.fullmatch(detail)
    if bound:  # a size limit (domain/limits.py), worded as the domain's own length checks
        if bound["kind"] == "str":
            return errors.wrong_parameter(path, f"longer than {bound['limit']} characters")
        return errors.wrong_parameter(path, f"more than {bound['limit']} items")
    return errors.wrong_parameter(path, detail[:1].lower() + detail[1:])


def declared_length(scope: Scope) -> int | None:
    """The body size the client announced in ``Content-Length``, if it announced one."""
    declared = header(scope, b"content-length")
    return int(declared) if declared is not None and is_digits(declared) else None


async def read_body(scope: Scope, receive: Receive, limit: int) -> bytes:
    """The whole request body; 400 as soon as it is known to exceed ``limit`` bytes."""
    declared = declared_length(scope)
    if declared is not None and declared > limit:
        raise errors.body_too_large(limit)
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientDisconnected
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise errors.body_too_large(limit)
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def presented_token(scope: Scope, allow_query_token: bool) -> str | None:
    """The bearer token the request carries (or its ``?token=``, when the server allows
    that old form)."""
    authorization = header(scope, b"authorization")
    if authorization is not None:
        scheme, _, token = authorization.strip().partition(" ")
        if scheme.lower() != "bearer":
            return None
        return token.strip() or None
    if allow_query_token:
        values = parse_qs(scope["query_string"].decode("latin-1")).get("token")
        return values[0] if values else None
    return None


@dataclass(slots=True)
class Request:
    scope: Scope
    receive: Receive
    method: str
    store_id: int
    params: dict[str, str]
    grant: TokenGrant
    storage: Storage
    settings: Settings
    clock: Clock
    batches: BatchBook
    _query: dict[str, list[str]] | None = field(default=None)

    def query(self, name: str) -> str | None:
        """The first value of a query parameter."""
        if self._query is None:
            text = self.scope["query_string"]
            self._query = parse_qs(text.decode("latin-1")) if text else {}  # most have none
        values = self._query.get(name)
        if not values:
            return None
        if "\x00" in values[0]:
            raise errors.wrong_parameter(name, "must not contain NUL characters")
        return values[0]

    async def _body(self, limit: int | None = None) -> bytes:
        limit = self.settings.max_body_size if limit is None else limit
        body = await read_body(self.scope, self.receive, limit)
        coding = (header(self.scope, b"content-encoding") or "identity").strip().lower()
        if coding in ("gzip", "x-gzip"):
            return decompress(body, limit)
        if coding != "identity":
            raise errors.unsupported_content_encoding(coding)
        return body

    async def json_body(self, limit: int | None = None) -> bytes:
        """The body's JSON text, not yet decoded: 415 for a non-JSON type, 400 for a body
        over ``limit`` bytes (the server's ``max_body_size`` unless given) or one holding
        NUL."""
        content_type = header(self.scope, b"content-type") or ""
        if content_type.split(";", 1)[0].strip().lower() not in _JSON_MEDIA_TYPES:
            raise errors.unsupported_media_type()
        body = await self._body(limit)
        if _has_nul_escape(body):
            # No database stores NUL in text, and no customer field needs one.
            raise errors.nul_in_body()
        return body

    async def json(
        self, decoder: msgspec.json.Decoder[T], precheck: msgspec.json.Decoder[Any] | None = None
    ) -> T:
        """The body decoded with ``decoder``: 415 for a non-JSON type, 400 for a bad body.
        A body over ``PRECHECK_SIZE`` is first decoded with ``precheck`` (a cheap shape
        that refuses what is too big to be worth decoding whole)."""
        body = await self.json_body()
        try:
            if len(body) > PRECHECK_SIZE and precheck is not None:
                precheck.decode(body)
            return decoder.decode(body)
        except msgspec.DecodeError as error:
            raise _decode_error(error) from None
        except (UnicodeDecodeError, RecursionError):
            # Invalid UTF-8 inside a string, or nesting deeper than any customer has.
            raise errors.unparsable_body() from None
