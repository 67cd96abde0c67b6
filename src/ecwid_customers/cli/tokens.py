"""``ecwid-customers token ...``: create, list and revoke a store's access tokens."""

from __future__ import annotations

import click

from ecwid_customers import admin
from ecwid_customers.cli.common import database_option, table, when, with_storage
from ecwid_customers.domain.clock import SystemClock
from ecwid_customers.domain.tokens import TokenKind
from ecwid_customers.scopes import CUSTOMER_SCOPES, parse_scopes


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
def token_create(
    database_url: str, store_id: int, scopes: str, value: str | None, kind: TokenKind
) -> None:
    """Create a token and print it (this once: only its hash is kept)."""
    try:
        scope_names = parse_scopes(scopes)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--scopes") from None
    try:
        issued = with_storage(
            database_url,
            lambda storage: admin.issue_token(
                storage, store_id, scope_names, token=value, kind=kind
            ),
        )
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--token") from None
    click.echo(issued.token)


@token.command("list")
@database_option
@click.option("--store", "store_id", type=int, help="Only this store's tokens.")
def token_list(database_url: str, store_id: int | None) -> None:
    """List tokens (their hints only: values are never kept)."""
    tokens = with_storage(database_url, lambda storage: storage.list_tokens(store_id))
    table(
        ("ID", "STORE", "TOKEN", "SCOPES", "CREATED", "REVOKED"),
        [
            (
                str(item.id),
                str(item.store_id),
                item.hint,
                ",".join(item.scopes),
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
