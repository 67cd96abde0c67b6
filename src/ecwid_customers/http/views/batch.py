"""The Batch API: ``POST /batch`` queues up to 500 requests and answers a ticket at once,
``GET /batch?ticket=`` shows how far they got, ``POST /batch/cancel-group`` cancels
unfinished batches made with a ``groupId``.

Each request of a batch is authorised as the direct call it stands for (``http/batches.py``
runs it through the app); the endpoints themselves ask only for any scope a customer route
needs (``http/routes.py``).
"""

from __future__ import annotations

import msgspec

from ecwid_customers import errors
from ecwid_customers.domain.batch import BatchRequestInput, sub_requests
from ecwid_customers.domain.search import parse_bool
from ecwid_customers.domain.tokens import hash_token
from ecwid_customers.http.request import Request, presented_token
from ecwid_customers.http.responses import Response, json_response
from ecwid_customers.http.views.common import render

_decode_batch = msgspec.json.Decoder(list[BatchRequestInput])


def _owner(request: Request) -> bytes:
    """The hash of the token the call came with (the app has already accepted it)."""
    token = presented_token(request.scope, request.settings.allow_query_token)
    assert token is not None  # the app answers 403 before any view without one
    return hash_token(token)


def _flag(request: Request, name: str, default: bool) -> bool:
    value = parse_bool(name, request.query(name))
    return default if value is None else value


async def create_batch(request: Request) -> Response:
    stop_on_first_failure = _flag(request, "stopOnFirstFailure", True)
    parallel = _flag(request, "allowParallelMode", False)
    group = request.query("groupId") or None
    # Room for the most requests of the largest body one of them may have.
    body = await request.json_body(limit=request.settings.max_body_size * 8)
    try:
        items = _decode_batch.decode(body)
    except msgspec.ValidationError as error:
        _, _, where = str(error).partition(" - at `")
        raise errors.batch_body_invalid(where.rstrip("`") or "$") from None
    except (msgspec.DecodeError, UnicodeDecodeError, RecursionError):
        raise errors.unparsable_body() from None
    ticket = request.batches.submit(
        request.scope,
        store_id=request.store_id,
        owner=_owner(request),
        requests=sub_requests(items),
        stop_on_first_failure=stop_on_first_failure,
        parallel=parallel,
        group=group,
    )
    return json_response({"ticket": ticket.id})


async def get_batch(request: Request) -> Response:
    ticket_id = request.query("ticket")
    if not ticket_id:
        raise errors.wrong_parameter("ticket", "a ticket is required")
    escaped = _flag(request, "escapedJson", False)
    ticket = request.batches.find(request.store_id, _owner(request), ticket_id)
    if ticket is None:
        raise errors.batch_not_found(ticket_id)
    return render(ticket.progress.status_body(escaped_json=escaped), request)


async def cancel_batch_group(request: Request) -> Response:
    group = request.query("groupId")
    if not group:
        raise errors.wrong_parameter("groupId", "a group id is required")
    count = request.batches.cancel_group(request.store_id, _owner(request), group)
    return json_response({"updateCount": count})
