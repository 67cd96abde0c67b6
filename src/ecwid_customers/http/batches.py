"""The batches of this process: tickets, and the background work that runs their requests.

Each request of a batch is handed to the ASGI app as a request of its own, with the batch's
token, at ``/api/v3/{storeId}/`` + its path. So routing, scopes, validation, the rate limit,
webhooks and (with the test kit on) the journal and fault rules treat it exactly as they
treat a direct call: by construction, not by imitation.

Tickets live in this process's memory. A restart forgets them, and with several server
processes a ticket is known only to the process that took the batch (docs/compatibility.md).
Each store may keep ``MAX_TICKETS_PER_STORE`` tickets and ``KEPT_BYTES_PER_STORE`` of
answers; a finished ticket is forgotten ``TICKET_LIFETIME`` seconds after it finished, or
sooner when newer tickets need the room. The bound holds for batches still running too: when
a store's answers reach it and no finished ticket is left to forget, its running batch runs
no further request (those answer ``NOT_EXECUTED``), so one store's batches cannot fill the
process's memory for everyone. Batches of one store run one after the other, in the
order they came (Ecwid's FIFO).
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlencode

from ecwid_customers import errors
from ecwid_customers.domain.batch import PARALLEL_REQUESTS, Answer, BatchProgress, SubRequest
from ecwid_customers.http.asgi import Message, Receive, Scope, Send
from ecwid_customers.http.responses import error_response

logger = logging.getLogger("ecwid_customers.http.batches")

App = Callable[[Scope, Receive, Send], Awaitable[Any]]

MAX_TICKETS_PER_STORE = 100
MAX_UNFINISHED_PER_STORE = 10  # queued or running; one more is a 429
KEPT_BYTES_PER_STORE = 64 * 1024 * 1024  # answers' bodies kept for a store's tickets
TICKET_LIFETIME = 24 * 3600.0  # seconds a finished ticket can still be read
QUEUED_RETRY_AFTER = 5  # seconds, in the 429 for a store with too many unfinished batches
# Ecwid's docs: with stopOnFirstFailure=false a 5xx answer is retried 5 times, 3 s apart.
SERVER_ERROR_RETRIES = 5
SERVER_ERROR_RETRY_DELAY = 3.0


@dataclass(slots=True)
class Ticket:
    id: str
    store_id: int
    owner: bytes  # the hash of the token that made it: only that token reads it
    progress: BatchProgress
    stop_on_first_failure: bool
    parallel: bool
    group: str | None = None
    cancelled: bool = False
    finished_at: float | None = None
    kept_bytes: int = 0


@dataclass(slots=True)
class _Shelf:
    """One store's tickets, oldest first, and the lock that runs its batches in order."""

    tickets: dict[str, Ticket] = field(default_factory=dict)
    turn: asyncio.Lock = field(default_factory=asyncio.Lock)


class BatchBook:
    def __init__(self, app: App, clock: Callable[[], float] = time.monotonic) -> None:
        self.app = app  # what each request is given to: the outermost app of the server
        self._clock = clock
        self._shelves: dict[int, _Shelf] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    def submit(
        self,
        template: Scope,
        *,
        store_id: int,
        owner: bytes,
        requests: tuple[SubRequest, ...],
        stop_on_first_failure: bool,
        parallel: bool,
        group: str | None,
    ) -> Ticket:
        """Queue a batch and start it in the background; ``template`` is the batch's own
        request, whose token and connection details its requests carry."""
        shelf = self._shelves.setdefault(store_id, _Shelf())
        self._tidy(shelf, room=1)
        unfinished = sum(1 for t in shelf.tickets.values() if t.finished_at is None)
        if unfinished >= MAX_UNFINISHED_PER_STORE:
            raise errors.batches_queued(QUEUED_RETRY_AFTER)
        ticket = Ticket(
            id=str(uuid.uuid4()),
            store_id=store_id,
            owner=owner,
            progress=BatchProgress(requests),
            stop_on_first_failure=stop_on_first_failure,
            parallel=parallel,
            group=group,
        )
        shelf.tickets[ticket.id] = ticket
        task = asyncio.get_running_loop().create_task(
            self._run(shelf, ticket, _carried(template, store_id))
        )
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return ticket

    def find(self, store_id: int, owner: bytes, ticket_id: str) -> Ticket | None:
        shelf = self._shelves.get(store_id)
        if shelf is None:
            return None
        self._tidy(shelf)
        ticket = shelf.tickets.get(ticket_id)
        if ticket is None or ticket.owner != owner:
            return None  # another token's ticket is as unknown as a made-up one
        return ticket

    def cancel_group(self, store_id: int, owner: bytes, group: str) -> int:
        """Cancel the token's unfinished batches of ``group``: their requests not yet begun
        are not run. How many batches were cancelled."""
        shelf = self._shelves.get(store_id)
        if shelf is None:
            return 0
        count = 0
        for ticket in shelf.tickets.values():
            mine = ticket.owner == owner and ticket.group == group
            if mine and ticket.finished_at is None and not ticket.cancelled:
                ticket.cancelled = True
                count += 1
        return count

    async def drain(self) -> None:
        """Wait until every batch taken so far has finished."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def stop(self) -> None:
        """Stop every batch (the server is shutting down): what has not run never will."""
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def _tidy(self, shelf: _Shelf, room: int = 0) -> None:
        """Forget finished tickets past their lifetime, then the oldest finished ones while
        the store keeps more tickets (with ``room`` for new ones) or answers than it may."""
        now = self._clock()
        for ticket in list(shelf.tickets.values()):
            if ticket.finished_at is not None and now - ticket.finished_at > TICKET_LIFETIME:
                del shelf.tickets[ticket.id]
        kept = sum(ticket.kept_bytes for ticket in shelf.tickets.values())
        tickets = list(shelf.tickets.values())
        for ticket in tickets:
            too_many = len(shelf.tickets) + room > MAX_TICKETS_PER_STORE
            # Not for the newest: a batch that stopped at the bound keeps what it answered.
            too_big = kept > KEPT_BYTES_PER_STORE and ticket is not tickets[-1]
            if not (too_many or too_big):
                break
            if ticket.finished_at is not None:
                del shelf.tickets[ticket.id]
                kept -= ticket.kept_bytes

    def _room_left(self, shelf: _Shelf) -> bool:
        """Whether the store's answers are within ``KEPT_BYTES_PER_STORE``, after forgetting
        what finished tickets it must to get there."""
        self._tidy(shelf)
        kept = sum(ticket.kept_bytes for ticket in shelf.tickets.values())
        if kept <= KEPT_BYTES_PER_STORE:
            return True
        logger.warning(
            "store %s: batch answers past %d MiB; its running batch stops",
            next(iter(shelf.tickets.values())).store_id,
            KEPT_BYTES_PER_STORE // (1024 * 1024),
        )
        return False

    async def _run(self, shelf: _Shelf, ticket: Ticket, carried: _Carried) -> None:
        try:
            async with shelf.turn:
                await self._run_requests(shelf, ticket, carried)
        except asyncio.CancelledError:
            raise
        except Exception:  # a bug here must not leave the ticket unfinished for ever
            logger.exception("batch %s of store %s failed", ticket.id, ticket.store_id)
        finally:
            progress = ticket.progress
            progress.finished = True
            # The bodies sent are not shown again: only the answers are worth their room.
            progress.requests = tuple(replace(r, body=b"") for r in progress.requests)
            ticket.finished_at = self._clock()
            self._tidy(shelf)

    async def _run_requests(self, shelf: _Shelf, ticket: Ticket, carried: _Carried) -> None:
        progress = ticket.progress
        width = PARALLEL_REQUESTS if ticket.parallel else 1
        slots = asyncio.Semaphore(width)
        failed = full = False
        running: set[asyncio.Task[None]] = set()

        async def run_one(position: int) -> None:
            nonlocal failed, full
            try:
                request = progress.requests[position]
                answer = await self._answer(carried, request)
                retries = 0 if ticket.stop_on_first_failure else SERVER_ERROR_RETRIES
                while answer.status >= 500 and retries and not ticket.cancelled:
                    retries -= 1
                    await asyncio.sleep(SERVER_ERROR_RETRY_DELAY)
                    answer = await self._answer(carried, request)
                progress.answers[position] = answer
                ticket.kept_bytes += len(answer.body)
                if not answer.succeeded:
                    failed = True
                if not self._room_left(shelf):
                    full = True
            finally:
                slots.release()

        for position in range(len(progress.requests)):
            await slots.acquire()
            if ticket.cancelled or full or (failed and ticket.stop_on_first_failure):
                slots.release()
                progress.skipped.update(range(position, len(progress.requests)))
                break
            task = asyncio.get_running_loop().create_task(run_one(position))
            running.add(task)
            task.add_done_callback(running.discard)
        if running:
            await asyncio.gather(*running)

    async def _answer(self, carried: _Carried, request: SubRequest) -> Answer:
        # As the path will be read (decoded, any leading slashes gone): "%62atch" is "batch".
        if unquote(request.path).lstrip("/").split("/", 1)[0] == "batch":
            refusal = error_response(errors.batch_nested())
            return Answer(refusal.status, refusal.body)
        scope = carried.scope_for(request)
        sent = False

        async def receive() -> Message:
            nonlocal sent
            if sent:
                return {"type": "http.disconnect"}
            sent = True
            return {"type": "http.request", "body": request.body, "more_body": False}

        status = 0
        chunks: list[bytes] = []

        async def send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        try:
            await self.app(scope, receive, send)
        except Exception:
            logger.exception("batch request %s %s failed", request.method, request.path)
            status = 0
        if status == 0:  # no answer at all (a fault rule dropped it, or a crash)
            failure = error_response(errors.internal_error())
            return Answer(failure.status, failure.body)
        return Answer(status, b"".join(chunks))


@dataclass(frozen=True, slots=True)
class _Carried:
    """What the batch's requests take from the batch's own request."""

    base: Scope
    store_id: int
    headers: tuple[tuple[bytes, bytes], ...]
    token_query: tuple[tuple[str, str], ...]  # an old-style ?token=, when that is how it came

    def scope_for(self, request: SubRequest) -> Scope:
        path = f"/api/v3/{self.store_id}/{unquote(request.path)}"
        query = request.query
        if self.token_query and "token" not in dict(parse_qsl(query)):
            query = "&".join(part for part in (query, urlencode(self.token_query)) if part)
        headers = [*self.headers, (b"content-length", str(len(request.body)).encode())]
        if request.body:
            headers.append((b"content-type", b"application/json"))
        return {
            **self.base,
            "method": request.method,
            "path": path,
            "raw_path": f"/api/v3/{self.store_id}/{quote(request.path, safe='/%')}".encode(),
            "query_string": query.encode(),
            "headers": headers,
        }


def _carried(template: Scope, store_id: int) -> _Carried:
    headers = tuple(
        (name, value) for name, value in template["headers"] if name == b"authorization"
    )
    token_query: tuple[tuple[str, str], ...] = ()
    if not headers:
        query = parse_qsl(template["query_string"].decode("latin-1"))
        token_query = tuple((name, value) for name, value in query if name == "token")[:1]
    base = {
        key: template[key]
        for key in ("type", "asgi", "http_version", "scheme", "server", "client", "root_path")
        if key in template
    }
    return _Carried(base, store_id, headers, token_query)
