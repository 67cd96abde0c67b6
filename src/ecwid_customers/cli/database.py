"""``ecwid-customers db ...``: the database schema (its migrations)."""

from __future__ import annotations

import click

from ecwid_customers.cli.common import check_url, database_option
from ecwid_customers.cli.failures import database_errors


@click.group()
def db() -> None:
    """Database schema: upgrade and inspect."""


@db.command("upgrade")
@database_option
def db_upgrade(database_url: str) -> None:
    """Apply every pending schema migration (the server also does this when it starts)."""
    from ecwid_customers.storage import migrate

    check_url(database_url, create=True)
    with database_errors(database_url):
        before = migrate.current(database_url)
        migrate.upgrade(database_url)
        after = migrate.current(database_url)
    if before == after:
        click.echo(f"Already at the newest schema ({after}).")
    else:
        click.echo(f"Upgraded the schema from {before or 'nothing'} to {after}.")


@db.command("current")
@database_option
def db_current(database_url: str) -> None:
    """Print the schema revision of the database."""
    from ecwid_customers.storage import migrate

    check_url(database_url)
    with database_errors(database_url):
        revision = migrate.current(database_url)
    newest = " (newest)" if revision == migrate.HEAD else f" (newest is {migrate.HEAD})"
    click.echo(f"{revision or 'empty'}{newest}")
