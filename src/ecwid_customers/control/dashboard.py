"""The test kit's dashboard: a page under ``/_control/dashboard`` for people, not tests.

The page and its two files hold no data, so they are served without the admin token; the page
asks for the token, keeps it in the tab's ``sessionStorage`` and sends it with every call to
the control plane's JSON endpoints, which check it as always. Everything is served from here
(no CDN, no fonts from elsewhere), and the Content-Security-Policy lets the browser load
nothing else, run no inline script and send forms nowhere else.
"""

from __future__ import annotations

import functools
import html
from importlib import resources
from typing import get_args

from ecwid_customers import errors
from ecwid_customers.domain.webhooks import EVENT_SCOPES, Signature
from ecwid_customers.http.app import CONTROL_PREFIX
from ecwid_customers.http.asgi import Scope
from ecwid_customers.http.request import header
from ecwid_customers.http.responses import Response, read_only_refusal

NAME = "dashboard"  # its path under /_control/
PAGE_PATH = f"{CONTROL_PREFIX}/{NAME}"
STATIC_FILES: dict[str, bytes] = {
    "dashboard.js": b"text/javascript; charset=utf-8",
    "dashboard.css": b"text/css; charset=utf-8",
}
HTML_TYPE = b"text/html; charset=utf-8"
_READ_METHODS = frozenset({"GET", "HEAD"})

_SECURITY_HEADERS = (
    (
        b"content-security-policy",
        b"default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    ),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    # The files change with the package; a browser must not keep an old page's script.
    (b"cache-control", b"no-cache"),
)


def is_dashboard(path: str) -> bool:
    """Whether ``path`` (under ``/_control/``, without slashes around it) is the dashboard's."""
    return path == NAME or path.startswith(NAME + "/")


def wants_page(scope: Scope) -> bool:
    """Whether this is a browser opening ``/_control`` itself (no token, asking for HTML),
    which is sent on to the dashboard; a client of the JSON API always gets JSON."""
    return (
        scope["path"].rstrip("/") == CONTROL_PREFIX
        and scope["method"] == "GET"
        and header(scope, b"authorization") is None
        and "text/html" in (header(scope, b"accept") or "")
    )


def redirect() -> Response:
    body = f'<a href="{PAGE_PATH}">{PAGE_PATH}</a>'.encode()
    return Response(303, body, ((b"location", PAGE_PATH.encode()),), HTML_TYPE)


def answer(path: str, method: str) -> Response:
    """The response for a dashboard path (as :func:`is_dashboard` takes it)."""
    name = path[len(NAME) :].strip("/")
    if name and name not in STATIC_FILES:
        raise errors.control_not_found(f"dashboard file {name!r}")
    if method not in _READ_METHODS:
        return read_only_refusal(method)
    if not name:
        return Response(200, _page(), _SECURITY_HEADERS, HTML_TYPE)
    return Response(200, _file(name), _SECURITY_HEADERS, STATIC_FILES[name])


@functools.cache
def _file(name: str) -> bytes:
    return (resources.files("ecwid_customers.control") / "static" / name).read_bytes()


@functools.cache
def _page() -> bytes:
    # The form's choices come from the code that checks them, so the two cannot disagree.
    events = "".join(f"<option>{html.escape(name)}</option>" for name in EVENT_SCOPES)
    signatures = "".join(f"<option>{html.escape(name)}</option>" for name in get_args(Signature))
    text = _file("dashboard.html").decode()
    return (
        text.replace("<!-- EVENT_OPTIONS -->", events)
        .replace("<!-- SIGNATURE_OPTIONS -->", signatures)
        .encode()
    )
