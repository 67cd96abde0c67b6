"""The book of batches on its own: order, cancelling, bounds and lifetime of tickets.

Its app here is a small ASGI app whose answers the test releases one at a time, so what is
queued, running or finished at each moment is decided by the test, not by timing.
"""

from __future__ import annotations

import asyncio

import pytest

from ecwid_customers import errors
from ecwid_customers.domain.batch import PARALLEL_REQUESTS, SubRequest
from ecwid_customers.http import batches
from ecwid_customers.http.asgi import Receive, Scope, Send
from ecwid_customers.http.batches import BatchBook

OWNER = b"owner"
TEMPLATE: Scope = {
    "type": "http",
    "path": "/api/v3/1003/batch",
    "query_string": b"",
    "headers": [(b"authorization", b"Bearer secret_x"), (b"user-agent", b"tests")],
}


class GatedApp:
    """Answers 200 ``{}`` (or the status a path names, ``/status/404``) once let through."""

    def __init__(self) -> None:
        self.gate = asyncio.Semaphore(0)
        self.seen: list[Scope] = []
        self.bodies: list[bytes] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.seen.append(scope)
        self.bodies.append((await receive())["body"])
        await self.gate.acquire()
        _, named, code = scope["path"].rpartition("/status/")
        status = int(code) if named else 200
        await send({"type": "http.response.start", "status": status, "headers": []})
        await send({"type": "http.response.body", "body": b"{}"})

    async def started(self, count: int) -> None:
        for _ in range(1000):
            if len(self.seen) >= count:
                return
            await asyncio.sleep(0)
        raise AssertionError(f"{len(self.seen)} requests started, not {count}")


def _requests(*paths: str, body: bytes = b"") -> tuple[SubRequest, ...]:
    return tuple(SubRequest(None, "GET", path, "", body) for path in paths)


def _submit(
    book: BatchBook, *paths: str, group: str | None = None, stop: bool = True
) -> batches.Ticket:
    return book.submit(
        TEMPLATE,
        store_id=1003,
        owner=OWNER,
        requests=_requests(*paths),
        stop_on_first_failure=stop,
        parallel=False,
        group=group,
    )


async def test_a_request_carries_the_batch_token_and_its_own_path_and_query() -> None:
    app = GatedApp()
    book = BatchBook(app)
    requests = (SubRequest("x", "PUT", "customers/5", "lang=fr&a=%20b", b'{"lang":"fr"}'),)
    ticket = book.submit(
        TEMPLATE,
        store_id=1003,
        owner=OWNER,
        requests=requests,
        stop_on_first_failure=True,
        parallel=False,
        group=None,
    )
    await app.started(1)
    app.gate.release()
    await book.drain()
    (scope,) = app.seen
    assert (scope["method"], scope["path"]) == ("PUT", "/api/v3/1003/customers/5")
    assert scope["query_string"] == b"lang=fr&a=%20b"
    headers = dict(scope["headers"])
    assert headers[b"authorization"] == b"Bearer secret_x"
    assert headers[b"content-type"] == b"application/json"
    assert b"user-agent" not in headers  # only the token is carried
    assert app.bodies == [b'{"lang":"fr"}']
    assert ticket.progress.requests[0].body == b""  # not kept once the batch is done


async def test_a_store_runs_its_batches_one_after_the_other() -> None:
    app = GatedApp()
    book = BatchBook(app)
    first = _submit(book, "customers/1", "customers/2")
    second = _submit(book, "customers/3")
    await app.started(1)
    assert _status(first) == "QUEUED"  # its first request is under way, none answered
    app.gate.release()
    await app.started(2)
    assert _status(first) == "IN_PROGRESS"
    assert _status(second) == "QUEUED"
    assert [s["path"] for s in app.seen] == ["/api/v3/1003/customers/1", "/api/v3/1003/customers/2"]
    app.gate.release()
    await app.started(3)
    assert _status(first) == "COMPLETED"
    app.gate.release()
    await book.drain()
    assert _status(second) == "COMPLETED"


def _status(ticket: batches.Ticket) -> str:
    return ticket.progress.status


async def test_parallel_mode_runs_requests_side_by_side_and_stops_after_a_failure() -> None:
    app = GatedApp()
    book = BatchBook(app)
    paths = ["customers/1", "status/404", "customers/3"]
    paths += [f"customers/{n}" for n in range(4, PARALLEL_REQUESTS + 3)]
    ticket = book.submit(
        TEMPLATE,
        store_id=1003,
        owner=OWNER,
        requests=_requests(*paths),
        stop_on_first_failure=True,
        parallel=True,
        group=None,
    )
    await app.started(PARALLEL_REQUESTS)  # all of them at once, none answered yet
    for _ in range(PARALLEL_REQUESTS):
        app.gate.release()
    await book.drain()
    progress = ticket.progress
    assert progress.request_status(1) == "FAILED"
    assert [progress.request_status(n) for n in (0, 2, PARALLEL_REQUESTS - 1)] == ["COMPLETED"] * 3
    # The ones past the first hundred had not begun when the failure came.
    assert progress.request_status(PARALLEL_REQUESTS) == "NOT_EXECUTED"
    assert progress.request_status(PARALLEL_REQUESTS + 1) == "NOT_EXECUTED"
    assert len(app.seen) == PARALLEL_REQUESTS


async def test_cancelling_a_group_skips_what_has_not_begun() -> None:
    app = GatedApp()
    book = BatchBook(app)
    ticket = _submit(book, "customers/1", "customers/2", "customers/3", group="import")
    other = _submit(book, "customers/4", group="other")
    await app.started(1)
    assert book.cancel_group(1003, b"someone else", "import") == 0
    assert book.cancel_group(1003, OWNER, "import") == 1
    assert book.cancel_group(1003, OWNER, "import") == 0  # already cancelled
    app.gate.release()
    await app.started(2)  # the next batch of the store runs
    app.gate.release()
    await book.drain()
    body = ticket.progress.status_body(escaped_json=False)
    assert [r["status"] for r in body["responses"]] == ["COMPLETED", "NOT_EXECUTED", "NOT_EXECUTED"]
    assert body["status"] == "COMPLETED"
    assert other.progress.answers[0].status == 200


async def test_too_many_unfinished_batches_are_refused() -> None:
    app = GatedApp()
    book = BatchBook(app)
    for _ in range(batches.MAX_UNFINISHED_PER_STORE):
        _submit(book, "customers/1")
    with pytest.raises(errors.EcwidError) as refused:
        _submit(book, "customers/1")
    assert (refused.value.status, refused.value.code) == (429, "RATE_LIMITED")
    await book.stop()


async def test_finished_tickets_are_forgotten_after_their_lifetime() -> None:
    now = [1000.0]
    app = GatedApp()
    book = BatchBook(app, clock=lambda: now[0])
    ticket = _submit(book, "customers/1")
    app.gate.release()
    await book.drain()
    now[0] += batches.TICKET_LIFETIME
    assert book.find(1003, OWNER, ticket.id) is ticket
    assert book.find(1003, b"another token", ticket.id) is None
    assert book.find(2002, OWNER, ticket.id) is None
    now[0] += 1
    assert book.find(1003, OWNER, ticket.id) is None


async def test_a_store_keeps_a_bounded_number_of_tickets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(batches, "MAX_TICKETS_PER_STORE", 3)
    app = GatedApp()
    book = BatchBook(app)
    made = []
    for _ in range(5):
        made.append(_submit(book, "customers/1"))
        app.gate.release()
        await book.drain()
    kept = [t for t in made if book.find(1003, OWNER, t.id) is not None]
    assert kept == made[-3:]  # the oldest are forgotten first


async def test_a_running_batch_stops_when_its_store_holds_answers_enough(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(batches, "KEPT_BYTES_PER_STORE", 5)  # each answer here is 2 bytes
    app = GatedApp()
    book = BatchBook(app)
    earlier = _submit(book, "customers/1")
    app.gate.release()
    await book.drain()
    ticket = _submit(book, *(f"customers/{n}" for n in range(2, 7)))
    for _ in range(5):
        app.gate.release()
    await book.drain()
    statuses = [ticket.progress.request_status(n) for n in range(5)]
    assert statuses == ["COMPLETED"] * 3 + ["NOT_EXECUTED"] * 2
    assert len(app.seen) == 4  # the earlier batch's request and three of this one
    # The finished ticket was forgotten first, to make room for the running one's answers.
    assert book.find(1003, OWNER, earlier.id) is None
    assert book.find(1003, OWNER, ticket.id) is ticket


async def test_stopping_leaves_nothing_running() -> None:
    app = GatedApp()
    book = BatchBook(app)
    ticket = _submit(book, "customers/1", "customers/2")
    await app.started(1)
    await book.stop()
    assert ticket.progress.status == "COMPLETED"
    assert ticket.progress.request_status(1) == "NOT_EXECUTED"


async def test_a_server_error_is_retried_five_times_when_the_batch_goes_on(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(batches, "SERVER_ERROR_RETRY_DELAY", 0.0)
    app = GatedApp()
    for _ in range(100):
        app.gate.release()  # every answer at once
    book = BatchBook(app)
    going_on = _submit(book, "status/503", "customers/2", stop=False)
    await book.drain()
    assert [s["path"] for s in app.seen] == ["/api/v3/1003/status/503"] * 6 + [
        "/api/v3/1003/customers/2"
    ]
    assert going_on.progress.request_status(0) == "FAILED"
    assert going_on.progress.request_status(1) == "COMPLETED"
    app.seen.clear()
    stopping = _submit(book, "status/500", "customers/2")
    await book.drain()
    assert len(app.seen) == 1  # stopOnFirstFailure: no retry, and the rest is not run
    assert stopping.progress.request_status(1) == "NOT_EXECUTED"
