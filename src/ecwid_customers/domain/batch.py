"""Ecwid's Batch API, its rules without the I/O: what a batch may hold, how each sub-request's
answer is judged, and the status body a ticket is read as.

A batch is an array of up to 500 ``{id, path, method, body}`` requests, each run as if it had
been called directly at ``/api/v3/{storeId}`` + ``path``. Its ticket moves from ``QUEUED`` (no
request answered yet) through ``IN_PROGRESS`` to ``COMPLETED``; each request ends
``COMPLETED`` (answered 200), ``FAILED`` (any other status) or ``NOT_EXECUTED`` (skipped after
a failure when the batch stops on the first one, or cancelled).
"""

from __future__ import annotations

import http
from dataclasses import dataclass, field
from typing import Any, Literal

import msgspec

from ecwid_customers import errors

MAX_REQUESTS = 500  # per batch (Ecwid's documented limit)
PARALLEL_REQUESTS = 100  # at once with allowParallelMode=true (Ecwid's documented figure)
METHODS = ("GET", "POST", "PUT", "DELETE")  # the methods Ecwid's docs allow in a batch

BatchStatus = Literal["QUEUED", "IN_PROGRESS", "COMPLETED"]
RequestStatus = Literal["COMPLETED", "FAILED", "NOT_EXECUTED"]


class BatchRequestInput(msgspec.Struct, kw_only=True):
    """One element of the array a client posts. ``body`` is the sub-request's JSON body: an
    object or array as it is, or a string holding the body's text (Ecwid's docs show ``""``
    for a request without one)."""

    id: str | None = None
    path: str
    method: str
    body: Any = None


@dataclass(frozen=True, slots=True)
class SubRequest:
    """A checked batch element, ready to be dispatched."""

    id: str | None
    method: str
    path: str  # under /api/v3/{storeId}/, without the leading slash or the query
    query: str
    body: bytes


def _bad_value(position: str) -> errors.EcwidError:
    return errors.batch_body_invalid(position)


def sub_requests(items: list[BatchRequestInput]) -> tuple[SubRequest, ...]:
    """The batch's requests, checked: 400 for an empty batch, one over the limit, a method
    Ecwid does not allow or a path that is not one of the store's API paths."""
    if not items:
        raise errors.batch_empty()
    if len(items) > MAX_REQUESTS:
        raise errors.batch_too_large(MAX_REQUESTS)
    checked = []
    for index, item in enumerate(items):
        method = item.method.strip().upper()
        if method not in METHODS:
            raise _bad_value(f"$[{index}].method")
        path, _, query = item.path.strip().partition("?")
        path = path.lstrip("/")
        if not path or "\x00" in item.path or "#" in item.path:
            raise _bad_value(f"$[{index}].path")
        checked.append(SubRequest(item.id, method, path, query, _body_bytes(item.body)))
    return tuple(checked)


def _body_bytes(body: Any) -> bytes:
    if body is None:
        return b""
    if isinstance(body, str):
        return body.encode()
    return msgspec.json.encode(body)


@dataclass(frozen=True, slots=True)
class Answer:
    """What a sub-request was answered: its status and its body's bytes."""

    status: int
    body: bytes

    @property
    def succeeded(self) -> bool:
        # Ecwid's docs: FAILED "if response HTTP code was not 200 OK".
        return self.status == 200


@dataclass(slots=True)
class BatchProgress:
    """A ticket's requests and what has become of each so far."""

    requests: tuple[SubRequest, ...]
    answers: dict[int, Answer] = field(default_factory=dict)  # by position in the batch
    skipped: set[int] = field(default_factory=set)  # positions never to be run
    finished: bool = False

    @property
    def status(self) -> BatchStatus:
        if self.finished:
            return "COMPLETED"
        return "IN_PROGRESS" if self.answers else "QUEUED"

    def request_status(self, position: int) -> RequestStatus | None:
        answer = self.answers.get(position)
        if answer is not None:
            return "COMPLETED" if answer.succeeded else "FAILED"
        if position in self.skipped or self.finished:
            return "NOT_EXECUTED"
        return None  # still to run

    def status_body(self, *, escaped_json: bool) -> dict[str, Any]:
        """The ticket as ``GET /batch`` answers it; with ``escaped_json`` each body is a
        string of JSON text (``escaped_http_body``) rather than the JSON (``http_body``)."""
        responses = []
        for position, request in enumerate(self.requests):
            state = self.request_status(position)
            if state is None:
                continue  # only what has an outcome is listed while the batch runs
            entry: dict[str, Any] = {} if request.id is None else {"id": request.id}
            entry["status"] = state
            answer = self.answers.get(position)
            if answer is not None:
                if escaped_json:
                    entry["escaped_http_body"] = answer.body.decode("utf-8", "replace")
                else:
                    entry["http_body"] = _json_or_text(answer.body)
                entry["http_status_line"] = _reason(answer.status)
                # The docs' table and example, and Ecwid's own client, say http_status_code;
                # the docs' format sketch says http_code. Both are sent.
                entry["http_status_code"] = answer.status
                entry["http_code"] = answer.status
            responses.append(entry)
        return {
            "status": self.status,
            "total_requests": len(self.requests),
            "completed_requests": len(self.answers),
            "responses": responses,
        }


def _json_or_text(body: bytes) -> Any:
    if not body:
        return None
    try:
        return msgspec.json.decode(body)
    except msgspec.DecodeError:
        return body.decode("utf-8", "replace")


def _reason(status: int) -> str:
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return ""
