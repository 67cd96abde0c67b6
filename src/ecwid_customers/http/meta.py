"""Documents about the API served outside the Ecwid URL space: ``/openapi.json``, ``/docs``.

``app.py`` asks :func:`meta_response` about every path that is not under ``/api/v3/`` or the
control plane; ``None`` means "not ours" and becomes Ecwid's 404.
"""

from __future__ import annotations

from ecwid_customers.http import docs_ui
from ecwid_customers.http.responses import Response, read_only_refusal

OPENAPI_PATH = "/openapi.json"
DOCS_PATHS = frozenset({"/docs", "/docs/"})
_READ_METHODS = frozenset({"GET", "HEAD"})  # the server leaves HEAD's body out itself


async def meta_response(path: str, method: str) -> Response | None:
    """The response for a documentation path, or ``None`` for any other path."""
    if path == OPENAPI_PATH:
        # Imported here: the document's tables are a large module a starting server need not
        # load before its first request.
        from ecwid_customers.http.openapi import openapi_json

        found: Response | None = Response(200, openapi_json())
    elif path in DOCS_PATHS:
        found = docs_ui.page()
    elif path.startswith(docs_ui.STATIC_PREFIX):
        found = docs_ui.static_file(path[len(docs_ui.STATIC_PREFIX) :])
    else:
        found = None
    if found is None or method in _READ_METHODS:
        return found
    return read_only_refusal(method)
