"""uvicorn's httptools protocol with the limits a public server needs, and Ecwid's error shape.

uvicorn with httptools sets no bound on a request's head: a client may send megabytes of
header, or trickle a byte every few seconds and hold a connection forever. This protocol
answers such requests and closes the connection:

- a request line longer than ``MAX_URL`` bytes: 414 ``URI_TOO_LONG``;
- a head (request line and headers) over ``MAX_HEAD`` bytes: 431 ``REQUEST_HEADERS_TOO_LARGE``;
- a head not complete ``head_timeout`` seconds (``serve --head-timeout``) after the
  connection opened or the request began: 408 ``REQUEST_TIMEOUT``;
- what httptools cannot parse, an HTTP/1.1 request without ``Host``, and a
  ``Transfer-Encoding`` other than exactly ``chunked`` on HTTP/1.1 (on HTTP/1.0 none at
  all): 400 ``WRONG_PARAMETER`` in Ecwid's JSON shape rather than uvicorn's plain text;
- a body not complete ``body_timeout`` seconds after its head (``serve --body-timeout``):
  408 ``REQUEST_TIMEOUT``;
- a connection beyond ``max_connections`` open at once (``serve --max-connections``): 503
  ``SERVICE_UNAVAILABLE`` with ``Retry-After``, logged at most once every few seconds;
- a client that reads nothing of an answer for ``write_timeout`` seconds: the connection is
  dropped (what it was sent stays bounded by the size limits on a customer);
- a body still not complete ``SHUTDOWN_BODY_GRACE`` seconds after the server began to shut
  down: 503 ``SERVICE_UNAVAILABLE`` with ``Retry-After`` (nothing of it was applied), before
  uvicorn's graceful shutdown gives up on the request and answers a plain-text 500.

A refusal never overtakes an answer: when earlier requests of the connection (pipelined) are
still owed theirs, it waits for them and becomes the refused request's answer in its turn.

Every close lingers (``lingering.py``), so a refusal reaches a client that is still sending.
Bodies are bounded by the app (``Settings.max_body_size``) and read without blocking anyone.
"""

from __future__ import annotations

import asyncio
import time
from http import HTTPStatus
from typing import Any, ClassVar

import httptools
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol, RequestResponseCycle

from ecwid_customers import errors
from ecwid_customers.http.lingering import LingeringTransport
from ecwid_customers.http.responses import JSON_CONTENT_TYPE, error_response

MAX_URL = 8 * 1024  # as common front ends allow
MAX_HEAD = 32 * 1024  # nginx's default header buffers hold 32 KiB
# Seconds early a head timer may fire (the loop's clock ticks in milliseconds) and still count.
HEAD_TIMER_SLACK = 0.002
# Seconds between two log lines about connections refused for being one too many.
REFUSAL_LOG_INTERVAL = 5.0
# Seconds a body still arriving when the server shuts down may take to arrive: well inside
# uvicorn's graceful shutdown (10 s, server.py), which cancels what is still running then.
SHUTDOWN_BODY_GRACE = 5.0


def _reason(status: int) -> bytes:
    return HTTPStatus(status).phrase.encode()


class _Refused(Exception):
    """Raised in a parser callback to stop parsing a request that is being refused."""


class GuardedHttpToolsProtocol(HttpToolsProtocol):
    # Set by server.py from the settings (see configure()).
    head_timeout: ClassVar[float] = 10.0  # a real client sends its head in one go
    body_timeout: ClassVar[float] = 30.0
    write_timeout: ClassVar[float] = 30.0
    max_connections: ClassVar[int] = 1000
    # Connections refused since the last log line about them, and when that was.
    _refused: ClassVar[int] = 0
    _refusal_logged: ClassVar[float] = 0.0

    @classmethod
    def configure(
        cls, *, head_timeout: float, body_timeout: float, write_timeout: float, max_connections: int
    ) -> None:
        """Set the guards of every server of this process (a server process has one)."""
        cls.head_timeout = head_timeout
        cls.body_timeout = body_timeout
        cls.write_timeout = write_timeout
        cls.max_connections = max_connections

    @classmethod
    def configured(
        cls, *, head_timeout: float, body_timeout: float, write_timeout: float, max_connections: int
    ) -> type[GuardedHttpToolsProtocol]:
        """The protocol with these guards, for one server among others in a process (the
        test kit's threaded server): the class's own settings are left as they are."""
        guards = {
            "head_timeout": head_timeout,
            "body_timeout": body_timeout,
            "write_timeout": write_timeout,
            "max_connections": max_connections,
            "_refused": 0,
            "_refusal_logged": 0.0,
        }
        return type(cls.__name__, (cls,), guards)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._head_bytes = 0
        self._head_open = True  # between the start of a request and the end of its headers
        self._head_timer: asyncio.TimerHandle | None = None
        self._head_deadline = 0.0  # the loop's time by which the open head must be complete
        self._refusal: errors.EcwidError | None = None  # why a callback stopped the parser
        self._began_in_chunk = False  # a request began in the chunk being parsed
        self._trailer_bytes = 0
        # A refusal that must wait for the answers still owed to earlier, pipelined requests.
        self._pending: errors.EcwidError | None = None
        # A pipelined request refused while still queued (its body broken or late): the
        # refusal is its answer when its turn comes, after those owed before it.
        self._refused_at_turn: tuple[RequestResponseCycle, errors.EcwidError] | None = None
        self._upgraded = False  # the parser stopped at an Upgrade: read nothing more
        self._body_timer: asyncio.TimerHandle | None = None
        self._write_timer: asyncio.TimerHandle | None = None
        self._lingering: LingeringTransport | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        self._lingering = LingeringTransport(transport, self.loop)
        super().connection_made(self._lingering)  # type: ignore[arg-type]
        if len(self.connections) > self.max_connections:
            self._refuse_connection()
            return
        self._start_head_timer()  # a connection that never sends a byte is closed too

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_head_timer()
        self._stop_body_timer()
        self._stop_write_timer()
        if self._lingering is not None:
            self._lingering.lost()
        super().connection_lost(exc)

    def shutdown(self) -> None:
        """The server is shutting down: uvicorn closes idle connections and lets a request
        in progress finish; one still waiting for its body gets a little while for it."""
        super().shutdown()
        cycle = self.cycle
        if cycle is not None and cycle.more_body and not cycle.response_started:
            self._stop_body_timer()
            self._body_timer = self.loop.call_later(SHUTDOWN_BODY_GRACE, self._shut_out)

    def _shut_out(self) -> None:
        self._body_timer = None
        if self.transport.is_closing() or self.cycle is None or not self.cycle.more_body:
            return
        self._refuse(errors.server_shutting_down())

    def _refuse_connection(self) -> None:
        cls = type(self)
        cls._refused += 1
        now = time.monotonic()
        if now - cls._refusal_logged >= REFUSAL_LOG_INTERVAL:
            self.logger.warning(
                "refused %d connection(s): %d open, the limit is %d (serve --max-connections)",
                cls._refused,
                len(self.connections),
                self.max_connections,
            )
            cls._refused, cls._refusal_logged = 0, now
        self._write_refusal(errors.connection_limit_reached(), log=False)

    # -- the body and write timers ---------------------------------------------------------

    def _stop_body_timer(self) -> None:
        if self._body_timer is not None:
            self._body_timer.cancel()
            self._body_timer = None

    def _body_timed_out(self) -> None:
        self._body_timer = None
        if self.transport.is_closing() or self.cycle is None or not self.cycle.more_body:
            return
        if self.flow.read_paused:  # the server stopped reading (the app is busy): not late
            self._body_timer = self.loop.call_later(self.body_timeout, self._body_timed_out)
            return
        self._refuse(errors.connection_timeout())

    def _stop_write_timer(self) -> None:
        if self._write_timer is not None:
            self._write_timer.cancel()
            self._write_timer = None

    def pause_writing(self) -> None:
        super().pause_writing()
        if self._write_timer is None:
            self._write_timer = self.loop.call_later(self.write_timeout, self._write_timed_out)

    def resume_writing(self) -> None:
        self._stop_write_timer()
        super().resume_writing()

    def _write_timed_out(self) -> None:
        self._write_timer = None
        self.logger.info("dropped a client that read nothing for %.0f s", self.write_timeout)
        if self._lingering is not None:
            self._lingering.abort()

    # -- the head timer --------------------------------------------------------------------

    def _start_head_timer(self) -> None:
        # Armed lazily: nearly every head is complete in the chunk it began in, so instead of
        # a timer made and cancelled per request, one timer looks at the deadline when it
        # fires and sets itself again for the deadline in force then.
        self._head_deadline = self.loop.time() + self.head_timeout
        if self._head_timer is None:
            self._head_timer = self.loop.call_at(self._head_deadline, self._head_timed_out)

    def _stop_head_timer(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _owes_answers(self) -> bool:
        """Whether an earlier request of the connection still waits for its answer (uvicorn
        then stops reading, so a slow head is the server's doing, not the client's)."""
        return bool(self.pipeline) or (self.cycle is not None and not self.cycle.response_complete)

    def _head_timed_out(self) -> None:
        self._head_timer = None
        if not self._head_open or self.transport.is_closing():
            return
        if self._head_deadline - self.loop.time() > HEAD_TIMER_SLACK:  # a later head's
            self._head_timer = self.loop.call_at(self._head_deadline, self._head_timed_out)
            return
        if self._owes_answers():
            self._start_head_timer()  # the clock runs only while the server is waiting
            return
        self._refuse(errors.connection_timeout())

    # -- parser callbacks ------------------------------------------------------------------

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._head_open = True
        self._head_bytes = 0
        self._trailer_bytes = 0
        self._began_in_chunk = True
        self._start_head_timer()

    def on_header(self, name: bytes, value: bytes) -> None:
        if self._head_open:
            super().on_header(name, value)
            return
        # A trailer (after a chunked body): bounded like a head, and not added to the
        # headers the app already holds.
        self._trailer_bytes += len(name) + len(value) + 4
        if self._trailer_bytes > MAX_HEAD:
            self._refusal = errors.connection_headers_too_large(MAX_HEAD)
            raise _Refused

    def on_headers_complete(self) -> None:
        # The exact size of the head, whatever chunks it came in; one pass over the headers
        # gathers what every check below needs.
        if len(self.url) > MAX_URL:
            self._refusal = errors.connection_uri_too_long(MAX_URL)
            raise _Refused
        size = 0
        has_host = declares_body = False
        encodings: list[bytes] = []
        for name, value in self.headers:
            size += len(name) + len(value) + 4
            if name == b"host":
                has_host = True
            elif name == b"transfer-encoding":
                encodings.append(value)
                declares_body = True
            elif name == b"content-length" and value.strip(b"0 "):
                declares_body = True
        if size > MAX_HEAD:
            self._refusal = errors.connection_headers_too_large(MAX_HEAD)
            raise _Refused
        if declares_body and self.parser.should_upgrade():
            # The parser hands what follows an Upgrade head to the new protocol, not to this
            # request: a body there would be read as requests of its own. No Upgrade is
            # served here, so such a request is refused.
            self._refusal = errors.connection_unparsable()
            raise _Refused
        framing = self._framing_fault(has_host, encodings)
        if framing is not None:
            self._refusal = errors.connection_bad_framing(framing)
            raise _Refused
        self._head_open = False  # the head timer, when it fires, finds nothing to time
        super().on_headers_complete()
        if declares_body:
            self._stop_body_timer()
            self._body_timer = self.loop.call_later(self.body_timeout, self._body_timed_out)

    def _framing_fault(self, has_host: bool, encodings: list[bytes]) -> str | None:
        """What RFC 9112 forbids that httptools lets through, or ``None``."""
        version = self.parser.get_http_version()
        if version == "1.1" and not has_host:
            return "an HTTP/1.1 request needs a Host header"
        if encodings and version != "1.1":
            return "Transfer-Encoding needs HTTP/1.1"
        if encodings and (len(encodings) > 1 or encodings[0].strip().lower() != b"chunked"):
            return "the only Transfer-Encoding accepted is chunked"
        return None

    def on_message_complete(self) -> None:
        self._stop_body_timer()
        super().on_message_complete()

    def on_response_complete(self) -> None:
        if self._pending is not None and not self.pipeline and not self.transport.is_closing():
            self._write_refusal(self._pending)  # every earlier request has its answer now
        super().on_response_complete()

    def _start_asgi_task(self, cycle: RequestResponseCycle, app: Any) -> None:
        # uvicorn starts a queued request once the one before it is answered.
        refused = self._refused_at_turn
        if refused is not None and refused[0] is cycle:
            self._refused_at_turn = None
            if not self.transport.is_closing():
                self._write_refusal(refused[1])
            return
        super()._start_asgi_task(cycle, app)

    # -- incoming bytes --------------------------------------------------------------------

    def data_received(self, data: bytes) -> None:
        if self._lingering is not None and self._lingering.closing:
            self._lingering.discard(data)  # the connection is closing: only drained
            return
        if self._upgraded:
            return  # nothing after an Upgrade head is read: the connection closes after it
        self._unset_keepalive_if_required()
        self._began_in_chunk = False
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            # A bodiless request asking for another protocol: it is answered as plain HTTP,
            # then the connection closes, since the parser reads no further requests on it.
            self._upgraded = True
            if self.cycle is not None and not self.cycle.response_complete:
                self.cycle.keep_alive = False
            else:
                self.transport.close()
            return
        except httptools.HttpParserError:
            # Also a callback's _Refused, which httptools wraps in one of its own errors.
            self._refuse(self._refusal or errors.connection_unparsable())
            return
        # A head still incomplete after this chunk: bound what httptools buffers for it. A
        # chunk in which the request began may also hold the end of the one before (pipelining),
        # so only later chunks count: the bound is then the limit plus one chunk.
        if self._head_open and not self._began_in_chunk and not self.transport.is_closing():
            self._head_bytes += len(data)
            if self._head_bytes > MAX_URL + MAX_HEAD:
                too_large = (
                    errors.connection_headers_too_large(MAX_HEAD)
                    if self.headers
                    else errors.connection_uri_too_long(MAX_URL)
                )
                self._refuse(too_large)

    # -- refusing --------------------------------------------------------------------------

    def _refuse(self, error: errors.EcwidError) -> None:
        """Answer before the app sees the request, and close the connection; after the
        answers to earlier requests of the connection, when some are still owed."""
        self._stop_head_timer()
        if self.transport.is_closing():
            return
        cycle = self.cycle
        if not self._head_open and cycle is not None and not cycle.response_complete:
            if any(queued is cycle for queued, _ in self.pipeline):
                # The request waits behind earlier ones (pipelined): the app has not seen
                # it, and their answers go first. It gets this one when its turn comes.
                self._refused_at_turn = (cycle, error)
                self.flow.pause_reading()
                return
            # The fault is in the body of the request the app is handling: it will not get
            # the rest, and the client gets this answer unless the app's has begun.
            cycle.disconnected = True
            cycle.message_event.set()
            if not cycle.response_started:
                self._write_refusal(error)
            else:
                self.transport.close()
            return
        if self._owes_answers():
            if self._pending is None:
                self._pending = error
                self.flow.pause_reading()  # nothing more from this client meanwhile
            return
        self._write_refusal(error)

    def _write_refusal(self, error: errors.EcwidError, *, log: bool = True) -> None:
        if log:
            self.logger.info("refused a request: %d %s", error.status, error.code)
        response = error_response(error)
        head = [b"HTTP/1.1 %d %s\r\n" % (response.status, _reason(response.status))]
        head += [b"%s: %s\r\n" % pair for pair in self.server_state.default_headers]
        head += [b"%s: %s\r\n" % pair for pair in response.headers]
        self.transport.write(
            b"".join(head)
            + b"content-type: %s\r\ncontent-length: %d\r\nconnection: close\r\n\r\n%s"
            % (JSON_CONTENT_TYPE, len(response.body), response.body)
        )
        self.transport.close()
