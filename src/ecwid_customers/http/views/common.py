"""Helpers every view uses: ids in the path, rendering with ``responseFields``, paging."""

from __future__ import annotations

from typing import Any

import msgspec

from ecwid_customers import errors
from ecwid_customers.domain.ids import MAX_ID, is_digits, parse_id
from ecwid_customers.domain.search import Page
from ecwid_customers.http import response_fields
from ecwid_customers.http.request import Request
from ecwid_customers.http.responses import Response, json_response


def path_id(request: Request, name: str, maximum: int = MAX_ID) -> int | None:
    """A numeric id from the path: 400 when it is not a number, ``None`` when no record can
    have it (too large), so the caller answers its own 404."""
    text = request.params[name]
    if not is_digits(text):
        raise errors.wrong_parameter(name)
    return parse_id(text, maximum)


def render(value: Any, request: Request) -> Response:
    """``value`` as JSON, cut down to ``responseFields`` when the request names some."""
    fields = request.query("responseFields")
    if not fields:
        return json_response(value)
    selection = response_fields.parse(fields)
    return json_response(response_fields.select(msgspec.to_builtins(value), selection))


def page_envelope(total: int, page: Page, items: list[Any]) -> dict[str, Any]:
    """Ecwid's search envelope; ``limit`` is the limit in effect, which pagers rely on (Q13)."""
    return {
        "total": total,
        "count": len(items),
        "offset": page.offset,
        "limit": page.limit,
        "items": items,
    }


CREATED_ONE = {"createCount": 1}
UPDATED_ONE = {"updateCount": 1}
DELETED_ONE = {"deleteCount": 1}
