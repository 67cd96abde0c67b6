"""Webhooks from the command line: a token's webhook, and a store's deliveries."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from ecwid_customers.cli import main
from ecwid_customers.domain.create import build_new_customer
from ecwid_customers.domain.inputs import CustomerInput
from ecwid_customers.domain.models import Store
from ecwid_customers.storage.outbox import DeliveryView
from ecwid_customers.storage.sqlite.storage import SQLiteStorage

SECRET = "app-client-secret"


@pytest.fixture
def url(tmp_path: Path) -> str:
    database = f"sqlite:///{tmp_path / 'cli.db'}"
    assert run("store", "create", "--database", database, "--id", "42").exit_code == 0
    return database


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def subscribed(url: str, *extra: str) -> str:
    result = run(
        "token", "create", "--database", url, "--store", "42",
        "--scopes", "read_customers,create_customers",
        "--webhook-url", "http://127.0.0.1:9/hooks", "--client-secret", SECRET, *extra,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    return result.output.strip()


def add_customer(url: str, email: str) -> int:
    async def work() -> int:
        storage = SQLiteStorage(Path(url.removeprefix("sqlite:///")))
        await storage.open()
        try:
            store = Store(id=42, languages=("en",))
            draft = build_new_customer(CustomerInput(email=email), store=store, now=1)
            return await storage.create_customer(42, draft, now=1)
        finally:
            await storage.close()

    return asyncio.run(work())


def deliveries(url: str) -> list[DeliveryView]:
    async def work() -> list[DeliveryView]:
        storage = SQLiteStorage(Path(url.removeprefix("sqlite:///")))
        await storage.open()
        try:
            return await storage.list_deliveries(42)
        finally:
            await storage.close()

    return asyncio.run(work())


def test_a_token_with_a_webhook_is_listed_without_its_secret(url: str) -> None:
    subscribed(url, "--webhook-events", "customer.created,customer.deleted")
    listing = run("token", "list", "--database", url).output
    assert "http://127.0.0.1:9/hooks" in listing
    assert SECRET not in listing
    assert "ap***et" in listing  # the hint of app-client-secret
    add_customer(url, "ann@example.net")
    (delivery,) = deliveries(url)
    assert delivery.event_type == "customer.created"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--webhook-url", "example.com/hooks", "--client-secret", "s"), "http:// or https://"),
        (("--webhook-url", "http://x/", "--client-secret", " "), "client secret cannot be empty"),
        (("--webhook-url", "http://x/"), "both a URL and a client secret"),
        (("--webhook-events", "customer.created"), "need a webhook URL"),
        (
            ("--webhook-url", "http://x/", "--client-secret", "s", "--webhook-events", "nope"),
            "unknown webhook event 'nope'",
        ),
    ],
)
def test_a_bad_webhook_is_one_line_and_changes_nothing(
    url: str, args: tuple[str, ...], message: str
) -> None:
    result = run(
        "token", "create", "--database", url, "--store", "42", "--scopes", "read_customers", *args
    )
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output
    assert len(run("token", "list", "--database", url).output.splitlines()) == 1  # headings


def test_a_tokens_webhook_is_changed_and_removed(url: str) -> None:
    subscribed(url)
    token_id = run("token", "list", "--database", url).output.splitlines()[1].split()[0]
    changed = run(
        "token", "webhook", "--database", url, token_id,
        "--webhook-url", "https://hooks.example/new", "--client-secret", "another-secret",
    )  # fmt: skip
    assert changed.exit_code == 0, changed.output
    assert "webhooks go to https://hooks.example/new" in changed.output
    assert "https://hooks.example/new" in run("token", "list", "--database", url).output
    removed = run("token", "webhook", "--database", url, token_id, "--remove")
    assert "webhook removed" in removed.output
    add_customer(url, "ann@example.net")
    assert deliveries(url) == []
    missing = run("token", "webhook", "--database", url, "999", "--remove")
    assert missing.exit_code == 1
    assert "no live token has id 999" in missing.output
    both = run("token", "webhook", "--database", url, token_id, "--remove", "--client-secret", "x")
    assert both.exit_code == 2


def test_deliveries_are_listed_paused_fired_redelivered_and_cleared(url: str) -> None:
    subscribed(url)
    customer_id = add_customer(url, "ann@example.net")
    listing = run("webhooks", "list", "--database", url, "--store", "42").output
    assert "customer.created" in listing
    assert "pending" in listing
    assert (
        "Webhooks of store 42 paused."
        in run("webhooks", "pause", "--database", url, "--store", "42").output
    )
    run("webhooks", "resume", "--database", url, "--store", "42")
    fired = run(
        "webhooks", "fire", "--database", url, "--store", "42", "--event", "customer.updated",
        "--entity-id", str(customer_id), "--data", "customerEmail=ann@example.net",
        "--signature", "missing",
    )  # fmt: skip
    assert "Queued customer.updated for 1 token." in fired.output
    newest = deliveries(url)[0]
    assert (newest.signature, newest.data) == ("missing", {"customerEmail": "ann@example.net"})
    assert (
        "Queued delivery"
        in run("webhooks", "redeliver", "--database", url, "--store", "42", str(newest.id)).output
    )
    assert run("webhooks", "redeliver", "--database", url, "--store", "42", "999").exit_code == 1
    assert (
        "Removed 2 deliveries"
        in run("webhooks", "clear", "--database", url, "--store", "42").output
    )
    assert run("webhooks", "pause", "--database", url, "--store", "7").exit_code == 1


def test_a_personal_data_request_is_raised_for_a_customer(url: str) -> None:
    subscribed(url)  # read_customers only: it does not receive personal-data events
    run(
        "token", "create", "--database", url, "--store", "42", "--scopes", "read_store_profile",
        "--webhook-url", "http://127.0.0.1:9/gdpr", "--client-secret", SECRET,
    )  # fmt: skip
    customer_id = add_customer(url, "ann@example.net")
    result = run(
        "webhooks", "personal-data-request", "--database", url, "--store", "42",
        "--customer", str(customer_id), "--kind", "removal", "--names", "snake",
    )  # fmt: skip
    assert "Queued customer.personal_data_removal_request for 1 token." in result.output
    unknown = run(
        "webhooks", "personal-data-request", "--database", url, "--store", "42",
        "--customer", "77", "--kind", "export",
    )  # fmt: skip
    assert unknown.exit_code == 1
    assert "no customer 77" in unknown.output
