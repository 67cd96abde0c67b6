"""The dashboard's files as the control plane serves them: without the token (they hold no
data), under a strict Content-Security-Policy, read-only, and only the files there are.

What the page does in a browser is tests/control/test_dashboard_browser.py.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from importlib import resources

import pytest

from ecwid_customers.domain.webhooks import EVENT_SCOPES
from tests.control.conftest import Kit
from tests.support import assert_error

PAGE = "/dashboard"
FILES = {
    "/dashboard/dashboard.js": "text/javascript; charset=utf-8",
    "/dashboard/dashboard.css": "text/css; charset=utf-8",
}
STATIC = resources.files("ecwid_customers.control") / "static"


class _Links(HTMLParser):
    """The URLs a page loads (scripts, stylesheets), and any inline script or style."""

    def __init__(self) -> None:
        super().__init__()
        self.loads: list[str] = []
        self.inline: list[str] = []
        self.options: list[str] = []
        self._in: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "script" and found.get("src"):
            self.loads.append(found["src"] or "")
        elif tag in ("script", "style"):
            self.inline.append(tag)
        if tag == "link":
            self.loads.append(found.get("href") or "")
        if any(name.startswith("on") or name == "style" for name in found):
            self.inline.append(f"{tag} attribute")
        self._in = tag

    def handle_endtag(self, tag: str) -> None:
        self._in = None

    def handle_data(self, data: str) -> None:
        if self._in == "option":
            self.options.append(data)


@pytest.mark.parametrize("path", [PAGE, PAGE + "/"])
async def test_the_page_is_served_without_the_token_under_a_strict_policy(
    kit: Kit, path: str
) -> None:
    response = await kit.control("GET", path, token=None)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    policy = response.headers["content-security-policy"]
    assert "default-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert response.headers["x-content-type-options"] == "nosniff"
    page = _Links()
    page.feed(response.text)
    # Everything it loads is one of our files; nothing inline the policy would have to allow.
    assert sorted(page.loads) == sorted(f"/_control{name}" for name in FILES)
    assert page.inline == []


async def test_the_fire_form_offers_every_event_the_server_knows(kit: Kit) -> None:
    page = _Links()
    page.feed((await kit.control("GET", PAGE, token=None)).text)
    assert page.options == [*EVENT_SCOPES, "valid", "invalid", "missing"]


@pytest.mark.parametrize(("path", "content_type"), FILES.items())
async def test_its_files_are_served_without_the_token(
    kit: Kit, path: str, content_type: str
) -> None:
    response = await kit.control("GET", path, token=None)
    assert response.status_code == 200
    assert response.headers["content-type"] == content_type
    assert response.content == (STATIC / path.rsplit("/", 1)[1]).read_bytes()
    assert "default-src 'self'" in response.headers["content-security-policy"]


@pytest.mark.parametrize(
    "path", ["/dashboard/dashboard.html", "/dashboard/other.js", "/dashboard/x/dashboard.js"]
)
async def test_nothing_else_is_served_there(kit: Kit, path: str) -> None:
    response = await kit.control("GET", path, token=None)
    assert_error(response, 404, "CONTROL_NOT_FOUND")


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH"])
async def test_the_files_are_read_only(kit: Kit, method: str) -> None:
    for path in (PAGE, *FILES):
        response = await kit.control(method, path, token=None)
        assert_error(response, 405, "METHOD_NOT_ALLOWED")
        assert response.headers["allow"] == "GET, HEAD"


async def test_a_browser_opening_the_control_plane_is_sent_to_the_dashboard(kit: Kit) -> None:
    browser = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
    for path in ("", "/"):
        response = await kit.control("GET", path, token=None, headers=browser)
        assert response.status_code == 303
        assert response.headers["location"] == "/_control/dashboard"
    # A client with the token, or without HTML in Accept, still gets the JSON API.
    response = await kit.control("GET", "", headers=browser)
    assert response.status_code == 200
    assert set(response.json()) == {"stores", "faults", "journalSize"}
    assert_error(await kit.control("GET", "", token=None), 401, "CONTROL_UNAUTHORISED")
    response = await kit.control("GET", "/stores", token=None, headers=browser)
    assert_error(response, 401, "CONTROL_UNAUTHORISED")


def test_the_script_never_parses_data_as_html() -> None:
    """Journal paths and webhook answers come from clients and receivers: written as text."""
    script = (STATIC / "dashboard.js").read_text()
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(",
                 "new Function", "setTimeout(\"", "DOMParser"):  # fmt: skip
        assert sink not in script, sink
    assert re.search(r"\btextContent\b", script)


def test_the_page_loads_nothing_from_elsewhere() -> None:
    for name in ("dashboard.html", "dashboard.js", "dashboard.css"):
        text = (STATIC / name).read_text()
        assert not re.search(r"https?://|//[a-z0-9.-]+\.[a-z]{2,}/|@import|url\(", text), name
