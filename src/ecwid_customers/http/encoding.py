"""Content codings: gzip answers for clients that accept them, gzip request bodies.

Ecwid's API compresses its answers (spec section 1). Here an answer of at least
``MIN_GZIP_SIZE`` bytes is sent gzip-encoded when the request's ``Accept-Encoding`` allows
gzip (``q=0`` refuses it); every JSON answer says ``Vary: Accept-Encoding``, so caches keep
the two forms apart. A request body sent with ``Content-Encoding: gzip`` is decompressed
within the same size limit as any body, counted after decompression, so a small bomb cannot
inflate past it.
"""

from __future__ import annotations

import gzip
import zlib

from ecwid_customers import errors

# Below this, gzip's header and checksum cost more than they save.
MIN_GZIP_SIZE = 1024
# Speed over the last percent of size: level 1 compresses JSON about 5 to 8 times.
GZIP_LEVEL = 1
VARY = (b"vary", b"Accept-Encoding")
GZIP_HEADER = (b"content-encoding", b"gzip")


def accepts_gzip(accept_encoding: str | None) -> bool:
    """Whether an ``Accept-Encoding`` value allows gzip (RFC 9110 section 12.5.3)."""
    if not accept_encoding:
        return False
    allowed = None
    star = None
    for item in accept_encoding.split(","):
        coding, _, parameters = item.strip().partition(";")
        coding = coding.strip().lower()
        quality = 1.0
        for parameter in parameters.split(";"):
            name, _, value = parameter.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if coding in ("gzip", "x-gzip"):
            allowed = quality > 0
        elif coding == "*":
            star = quality > 0
    if allowed is not None:
        return allowed
    return bool(star)


def compress(body: bytes) -> bytes:
    return gzip.compress(body, compresslevel=GZIP_LEVEL, mtime=0)


def decompress(body: bytes, limit: int) -> bytes:
    """A gzip body's content; 400 when it is not gzip, or inflates past ``limit`` bytes."""
    inflater = zlib.decompressobj(wbits=31)  # 31: a gzip header and trailer
    try:
        content = inflater.decompress(body, limit + 1)
    except zlib.error:
        raise errors.unparsable_body() from None
    if len(content) > limit or inflater.unconsumed_tail:
        raise errors.body_too_large(limit)
    if not inflater.eof:
        raise errors.unparsable_body()  # cut short
    return content
