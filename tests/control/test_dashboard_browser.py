"""The dashboard in a real headless browser (Debian's ``chromium``, driven by Playwright)
against a real server on a real socket, with a real webhook receiver.

Playwright never downloads a browser here: it is pointed at the system's ``chromium``
(``make test`` installs it). Without one the test skips, except under ``CI=true``, where it
fails.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image
from playwright.sync_api import expect, sync_playwright

from tests.support.receiver import Receiver, running
from tests.support.servers import Server

ADMIN_TOKEN = "admin_" + "b" * 32
BROWSER_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
WAIT_MS = 15_000  # for the page to show what the server did; it polls every 2 s


@pytest.fixture
def chromium() -> str:
    """The system's chromium (asked for first, so a missing one costs no server start)."""
    found = shutil.which("chromium")
    if found is None:
        reason = "no chromium on PATH (make test installs Debian's package)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason}; CI must run the dashboard's browser test")
        pytest.skip(reason)
    return found


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    yield from running(Receiver())


@pytest.fixture
def server(
    launch: Callable[..., Server], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Server:
    monkeypatch.setenv("ECWID_CUSTOMERS_ADMIN_TOKEN", ADMIN_TOKEN)
    return launch(tmp_path / "customers.db")


def test_the_dashboard_shows_and_steers_the_kit(
    chromium: str, server: Server, receiver: Receiver, tmp_path: Path
) -> None:
    base = f"http://127.0.0.1:{server.port}"
    assert f"Dashboard (test kit): {base}/_control/dashboard\n" in server.output
    admin = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    with httpx.Client(base_url=f"{base}/_control", headers=admin) as control:
        webhook = {"webhookUrl": receiver.url, "clientSecret": receiver.secret}
        created = control.post("/stores", json=webhook).json()
        with httpx.Client(
            base_url=created["apiUrl"], headers={"Authorization": f"Bearer {created['token']}"}
        ) as api:
            shot = _drive_the_page(chromium, base, control, api, created, receiver, tmp_path)
    _assert_not_blank(shot)


def _drive_the_page(
    executable: str,
    base: str,
    control: httpx.Client,
    api: httpx.Client,
    created: dict[str, Any],
    receiver: Receiver,
    tmp_path: Path,
) -> Path:
    """Sign in, watch a call and its webhook, clear the journal, fire an event, redeliver it,
    pause and resume, reset the store, sign out; the screenshot's path."""
    store_id: int = created["storeId"]
    problems: list[str] = []

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=BROWSER_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            # Anything the policy blocks or the script throws shows up here.
            page.on("console", lambda message: _problem(message.type, message.text, problems))
            page.on("pageerror", lambda error: problems.append(str(error)))
            page.on("dialog", lambda dialog: dialog.accept())
            expect.set_options(timeout=WAIT_MS)

            # A browser opening the control plane lands on the dashboard's sign-in form.
            page.goto(f"{base}/_control/")
            assert page.url == f"{base}/_control/dashboard"
            page.fill("#token", "admin_" + "x" * 32)
            page.click("#login button[type=submit]")
            expect(page.locator("#status")).to_have_text("That is not the admin token.")
            expect(page.locator("#app")).to_be_hidden()
            page.fill("#token", ADMIN_TOKEN)
            page.click("#login button[type=submit]")

            # The stores: the one serve made on the new database, and ours.
            stores = page.locator("#stores tbody")
            # By its data attribute: the text "1003" can also occur in another store's row (an id, a
            # creation time), which made a has_text match count two rows now and then.
            expect(stores.locator("tr[data-store='1003']")).to_have_count(1)
            ours = stores.locator(f"tr[data-store='{store_id}']")
            expect(ours.locator("td").nth(1)).to_have_text("0")
            ours.get_by_role("button", name=str(store_id)).click()
            expect(page.locator("#store-title")).to_have_text(f"Store {store_id}")
            expect(page.locator("#store-api-url")).to_have_text(created["apiUrl"])

            # A customer made through the API: its call in the journal, its webhook delivered.
            answer = api.post("/customers", json={"email": "ann@example.net"})
            assert answer.status_code == 200, answer.text
            journal = page.locator("#journal tbody tr")
            call = journal.first.locator("td")
            expect(call.nth(2)).to_have_text("POST")
            expect(call.nth(3)).to_have_text(f"/api/v3/{store_id}/customers")
            expect(call.nth(4)).to_have_text("200")
            expect(journal).to_have_count(1)
            expect(ours.locator("td").nth(1)).to_have_text("1")
            deliveries = page.locator("#deliveries tbody tr")
            expect(deliveries.first).to_contain_text("customer.created")
            expect(deliveries.first.locator(".state")).to_have_text("delivered")

            # Whatever a client sends is shown as text, never as markup.
            api.get("/customers/<b id=injected>x</b>")
            expect(journal.first).to_contain_text("<b id=injected>x</b>")
            assert page.locator("#injected").count() == 0

            page.click("#clear-journal")
            expect(page.locator("#journal tbody")).to_have_text("No calls recorded.")
            assert control.get(f"/stores/{store_id}/journal").json()["count"] == 0

            # An event fired by hand reaches the receiver, signed, and shows as delivered.
            page.select_option("#fire-event", "customer.updated")
            page.fill("#fire-entity", "1")
            page.fill("#fire-email", "ann@example.net")
            page.click("#fire button[type=submit]")
            expect(page.locator("#status")).to_have_text("customer.updated queued for 1 token(s).")
            fired = receiver.wait_for(1, where=lambda body: body["eventType"] == "customer.updated")
            assert fired[0].signed_with(receiver.secret)
            assert fired[0].json["data"] == {"customerEmail": "ann@example.net"}
            updated = deliveries.filter(has_text="customer.updated")
            expect(updated.locator(".state")).to_have_text("delivered")
            expect(updated.locator("td").nth(6)).to_contain_text("200")

            # Sent again by hand: a second attempt. Held and released.
            updated.get_by_role("button", name="Redeliver").click()
            fired = receiver.wait_for(2, where=lambda body: body["eventType"] == "customer.updated")
            assert fired[0].json["eventId"] == fired[1].json["eventId"]
            expect(updated.locator("td").nth(5)).to_have_text("2")
            page.click("#toggle-pause")
            expect(page.locator("#paused")).to_have_text("paused")
            assert control.get(f"/stores/{store_id}/webhooks").json()["paused"] is True
            expect(page.locator("#toggle-pause")).to_have_text("Resume")
            page.click("#toggle-pause")
            expect(page.locator("#toggle-pause")).to_have_text("Pause")
            assert control.get(f"/stores/{store_id}/webhooks").json()["paused"] is False

            # The page with a store's calls and deliveries on it, for the pixels to be checked.
            shot = tmp_path / "dashboard.png"
            page.screenshot(path=str(shot), full_page=True)

            # A reset empties the store: no customers, and the page shows so.
            page.click("#reset-store")
            expect(page.locator("#status")).to_have_text(f"Store {store_id} reset.")
            expect(ours.locator("td").nth(1)).to_have_text("0")
            assert control.get(f"/stores/{store_id}").json()["customers"] == 0

            # The token lasts as long as the tab; signing out forgets it.
            page.reload()
            expect(page.locator("#stores tbody tr", has_text="1003")).to_have_count(1)
            page.click("#sign-out")
            expect(page.locator("#login")).to_be_visible()
            expect(page.locator("#app")).to_be_hidden()
            assert page.evaluate("sessionStorage.length") == 0
        finally:
            browser.close()

    assert problems == []
    return shot


def _problem(kind: str, text: str, problems: list[str]) -> None:
    # The refused sign-in's 401 is logged as a failed load; a blocked load or a script error
    # ("Refused to ...", an exception) is a problem.
    if kind == "error" and not text.startswith("Failed to load resource"):
        problems.append(text)


def _assert_not_blank(shot: Path) -> None:
    """The page drew something: many colours (text is anti-aliased), none of them nearly all."""
    with Image.open(shot) as picture:
        pixels = picture.convert("RGB")
    width, height = pixels.size
    colours = pixels.getcolors(maxcolors=width * height)
    assert colours is not None
    assert len(colours) > 50, f"{len(colours)} colours: a blank page?"
    commonest = max(count for count, _ in colours)
    assert commonest < 0.9 * width * height, "one colour fills nearly the whole screenshot"
