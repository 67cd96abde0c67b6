"""Documents about the API served outside the Ecwid URL space: ``/openapi.json``, ``/docs``.

``app.py`` asks :func:`meta_response` about every path that is not under ``/api/v3/`` or the
control plane; ``None`` means "not ours" and becomes Ecwid's 404.
"""

from __future__ import annotations

from ecwid_customers.http.responses import Response


async def meta_response(path: str, method: str) -> Response | None:
    """The response for a documentation path, or ``None`` for any other path."""
    return None
