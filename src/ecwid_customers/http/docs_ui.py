"""The browsable API reference at ``/docs``: Swagger UI, every file served by this server.

The page names no other host, so it works offline and behind a firewall. Swagger UI's files
come from the ``swagger-ui-bundle-v2`` package (pinned in ``pyproject.toml``): the older
``swagger-ui-bundle`` still carries Swagger UI 4, which refuses OpenAPI 3.1 documents. The
files of its 5.31.0 are byte for byte those of the ``swagger-ui-dist`` 5.31.0 release.
"""

from __future__ import annotations

import functools

from ecwid_customers.http.responses import Response

STATIC_PREFIX = "/docs/static/"
START_SCRIPT = "docs.js"

HTML_TYPE = b"text/html; charset=utf-8"
JS_TYPE = b"text/javascript; charset=utf-8"

# Only what the page loads: the rest of the package (other bundles, source maps) stays unserved.
UI_FILES: dict[str, bytes] = {
    "swagger-ui.css": b"text/css; charset=utf-8",
    "swagger-ui-bundle.js": JS_TYPE,
    "favicon-32x32.png": b"image/png",
    "favicon-16x16.png": b"image/png",
}

# The UI sets inline styles and CSS data: images; everything else must come from here, which
# the browser then enforces too.
_PAGE_HEADERS = (
    (
        b"content-security-policy",
        b"default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'",
    ),
    (b"x-content-type-options", b"nosniff"),
)
# The files change only with the pinned package, so an hour in a browser cache is safe.
_STATIC_HEADERS = (
    (b"cache-control", b"public, max-age=3600"),
    (b"x-content-type-options", b"nosniff"),
)

_PAGE = f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Ecwid Customers API: reference</title>
<link rel="stylesheet" href="{STATIC_PREFIX}swagger-ui.css">
<link rel="icon" type="image/png" sizes="32x32" href="{STATIC_PREFIX}favicon-32x32.png">
<link rel="icon" type="image/png" sizes="16x16" href="{STATIC_PREFIX}favicon-16x16.png">
</head>
<body>
<div id="swagger-ui"></div>
<noscript>This page needs JavaScript. The document itself is at
<a href="/openapi.json">/openapi.json</a>.</noscript>
<script src="{STATIC_PREFIX}swagger-ui-bundle.js"></script>
<script src="{STATIC_PREFIX}{START_SCRIPT}"></script>
</body>
</html>
"""

# A file rather than an inline script, so the page's policy can forbid inline scripts.
# validatorUrl: null keeps the UI from asking a public validator service for a badge.
_START = """window.addEventListener("load", function () {
  window.ui = SwaggerUIBundle({
    url: "/openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
  });
});
"""


def page() -> Response:
    return Response(200, _PAGE.encode(), _PAGE_HEADERS, HTML_TYPE)


def static_file(name: str) -> Response | None:
    """A file of the page, or ``None`` for any other name."""
    if name == START_SCRIPT:
        return Response(200, _START.encode(), _STATIC_HEADERS, JS_TYPE)
    if name not in UI_FILES:
        return None
    return _ui_file(name)


@functools.cache
def _ui_file(name: str) -> Response:
    # Read on first use: a server that never shows its docs never loads 1.5 MB of JavaScript,
    # nor imports the package. It ships no py.typed; its one name is a Traversable of the
    # UI's folder.
    from swagger_ui_bundle import swagger_ui_path  # type: ignore[import-untyped]

    body: bytes = (swagger_ui_path / name).read_bytes()
    return Response(200, body, _STATIC_HEADERS, UI_FILES[name])
