"""Closing a connection so that the last answer reaches the client.

Closing a socket while the client's bytes are still arriving makes the kernel answer with a
reset, and a reset can destroy the answer the client has not read yet (a 400 for a body that
is too large, a 503 for one connection too many). So a close here first sends what is left
and a FIN, then reads and discards what the client still sends, for at most ``LINGER``
seconds (or until it closes its side), and only then closes the socket.

It also gathers the writes of one turn of the event loop into one: uvicorn writes a
response's head and its body separately, and on a small answer (a customer read) the second
system call and TCP segment cost about as much as the whole rest of the write path.
"""

from __future__ import annotations

import asyncio
from typing import Any

# Seconds a closing connection keeps draining the client's bytes, and how many it drains.
LINGER = 2.0
MAX_DRAINED = 4 * 1024 * 1024


class LingeringTransport:
    """Wraps a TCP transport; everything but :meth:`write` and :meth:`close` is the
    transport's own."""

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        self._transport = transport
        self._loop = loop
        self.closing = False  # close() was called: what arrives now is discarded
        self._drained = 0
        self._timer: asyncio.TimerHandle | None = None
        # What was written in this turn of the loop, sent at its end (or before a close).
        self._held: list[bytes] | None = None

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)

    def is_closing(self) -> bool:
        return self.closing or self._transport.is_closing()

    def write(self, data: bytes) -> None:
        if self.closing:
            # After the FIN nothing more can be sent (the transport would raise at the end
            # of the turn, outside the caller): a late answer is dropped, as on a closed
            # connection.
            return
        if self._held is None:
            self._held = [data]
            self._loop.call_soon(self.flush)
        else:
            self._held.append(data)

    def flush(self) -> None:
        """Send what this turn of the loop wrote (the transport buffers what the socket
        does not take at once, and pauses the protocol as a direct write would)."""
        held, self._held = self._held, None
        if held and not self._transport.is_closing():
            self._transport.write(held[0] if len(held) == 1 else b"".join(held))

    def close(self) -> None:
        if self.closing:
            return
        self.flush()  # the answer goes before the FIN
        self.closing = True
        if self._transport.is_closing() or not self._transport.can_write_eof():
            self._transport.close()
            return
        try:
            self._transport.write_eof()  # after what is buffered: the answer goes first
        except (OSError, RuntimeError):
            self._transport.close()
            return
        self._transport.resume_reading()  # a paused reader would never see the client's FIN
        self._timer = self._loop.call_later(LINGER, self._transport.close)

    def abort(self) -> None:
        self.closing = True
        self._stop_timer()
        self._transport.abort()

    def discard(self, data: bytes) -> None:
        """Bytes that arrived after close(): dropped, and the socket closed once enough came."""
        self._drained += len(data)
        if self._drained > MAX_DRAINED:
            self.abort()

    def lost(self) -> None:
        self._stop_timer()

    def _stop_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
