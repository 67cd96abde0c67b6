"""``ecwid-customers token ...``: create, list and revoke a store's access tokens."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

from ecwid_customers import admin
from ecwid_customers.cli.common import database_option, table, when, with_storage
from ecwid_customers.domain.clock import SystemClock
from ecwid_customers.domain.tokens import TokenKind
from ecwid_customers.domain.webhooks import EVENT_SCOPES
from ecwid_customers.scopes import CUSTOMER_SCOPES, parse_scopes
from ecwid_customers.storage.outbox import TokenWebhook

F = TypeVar("F", bound=Callable[..., Any])


def webhook_options(function: F) -> F:
    """--webhook-url, --client-secret, --webhook-events (create, and change)."""
    for option in reversed(
        (
            click.option(
                "--webhook-url",
                metavar="URL",
                help="Where the token's app receives webhooks (http:// or https://).",
            ),
            click.option(
                "--client-secret",
                metavar="SECRET",
                help="The app's client secret: it signs the webhooks (not a secret_ token). "
                "Shown only as a hint afterwards.",
            ),
            click.option(
                "--webhook-events",
                metavar="EVENTS",
                help=f"Comma-separated events to receive (default: every one the scopes "
                f"allow): {', '.join(EVENT_SCOPES)}.",
            ),
        )
    ):
        function = option(function)
    return function


@click.group()
def token() -> None:
    """Create, list and revoke access tokens."""


@token.command("create")
@database_option
@click.option("--store", "store_id", required=True, type=int, help="Store the token belongs to.")
@click.option(
    "--scopes",
    required=True,
    help=f"Comma-separated access scopes, from: {', '.join(CUSTOMER_SCOPES)}.",
)
@click.option(
    "--token",
    "value",
    metavar="VALUE",
    help="Use this secret_.../public_... value instead of a random one (for scripted set-ups).",
)
@click.option(
    "--kind",
    type=click.Choice(["secret", "public"]),
    default="secret",
    show_default=True,
    help="Kind of a random token; a --token value's prefix decides its own kind.",
)
@webhook_options
def token_create(
    database_url: str,
    store_id: int,
    scopes: str,
    value: str | None,
    kind: TokenKind,
    webhook_url: str | None,
    client_secret: str | None,
    webhook_events: str | None,
) -> None:
    """Create a token and print it (this once: only its hash is kept). With --webhook-url
    and --client-secret its app receives the store's webhooks, signed with the secret."""
    try:
        scope_names = parse_scopes(scopes)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--scopes") from None
    webhook = _webhook(webhook_url, client_secret, webhook_events)
    try:
        issued = with_storage(
            database_url,
            lambda storage: admin.issue_token(
                storage, store_id, scope_names, token=value, kind=kind, webhook=webhook
            ),
        )
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--token") from None
    click.echo(issued.token)


@token.command("webhook")
@database_option
@click.argument("token_id", type=int)
@webhook_options
@click.option("--remove", is_flag=True, help="Take the webhook away (queued ones are dropped).")
def token_webhook(
    database_url: str,
    token_id: int,
    webhook_url: str | None,
    client_secret: str | None,
    webhook_events: str | None,
    remove: bool,
) -> None:
    """Change the webhook of the token with this ID (see `token list`), or --remove it."""
    if remove and (webhook_url or client_secret or webhook_events):
        raise click.UsageError("--remove takes no other webhook option")
    webhook = None if remove else _webhook(webhook_url, client_secret, webhook_events)
    if webhook is None and not remove:
        raise click.UsageError("give --webhook-url and --client-secret, or --remove")
    changed = with_storage(database_url, lambda s: s.set_token_webhook(token_id, webhook))
    if not changed:
        raise click.ClickException(f"no live token has id {token_id}")
    click.echo(
        f"Token {token_id}: webhook removed."
        if webhook is None
        else f"Token {token_id}: webhooks go to {webhook.url}."
    )


def _webhook(url: str | None, secret: str | None, events: str | None) -> TokenWebhook | None:
    try:
        return admin.token_webhook(url, secret, events)
    except ValueError as error:
        words = str(error)
        hint = "--client-secret" if "secret" in words else "--webhook-url"
        if "event" in words and "URL" not in words:
            hint = "--webhook-events"
        raise click.BadParameter(str(error), param_hint=hint) from None


@token.command("list")
@database_option
@click.option("--store", "store_id", type=int, help="Only this store's tokens.")
def token_list(database_url: str, store_id: int | None) -> None:
    """List tokens (their hints only: values are never kept)."""
    tokens = with_storage(database_url, lambda storage: storage.list_tokens(store_id))
    table(
        ("ID", "STORE", "TOKEN", "SCOPES", "WEBHOOK", "CLIENT SECRET", "CREATED", "REVOKED"),
        [
            (
                str(item.id),
                str(item.store_id),
                item.hint,
                ",".join(item.scopes),
                item.webhook_url or "-",
                item.client_secret_hint or "-",
                when(item.created_at),
                when(item.revoked_at),
            )
            for item in tokens
        ],
    )


@token.command("revoke")
@database_option
@click.argument("token_id", type=int)
def token_revoke(database_url: str, token_id: int) -> None:
    """Revoke the token with this ID (see `token list`); it stops working at once."""
    revoked = with_storage(
        database_url,
        lambda storage: storage.revoke_token(token_id, now=SystemClock().now()),
    )
    if not revoked:
        raise click.ClickException(f"no live token has id {token_id}")
    click.echo(f"Revoked token {token_id}.")
