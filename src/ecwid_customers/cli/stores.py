"""``ecwid-customers store ...``: create, list, export, import, reset and change stores."""

from __future__ import annotations

from typing import BinaryIO

import click

from ecwid_customers.cli.common import database_option, plural, table, with_storage
from ecwid_customers.cli.progress import progress
from ecwid_customers.cli.seed import store_seed
from ecwid_customers.control import fixtures
from ecwid_customers.domain.clock import SystemClock
from ecwid_customers.domain.ids import MAX_RATE_LIMIT, parse_id
from ecwid_customers.domain.models import Store
from ecwid_customers.errors import EcwidError
from ecwid_customers.storage import Storage
from ecwid_customers.storage.base import StoreDump


@click.group()
def store() -> None:
    """Create, list, export, import and change stores."""


@store.command("create")
@database_option
@click.option("--id", "store_id", required=True, type=click.IntRange(1), help="Store id.")
@click.option(
    "--languages",
    default="en",
    show_default=True,
    help="Comma-separated languages enabled in the store; a customer's lang must be one.",
)
@click.option(
    "--legacy-sign-in",
    is_flag=True,
    help="The store uses legacy password sign-in: customer passwords are kept (hashed).",
)
@click.option(
    "--no-customer-groups",
    "no_groups",
    is_flag=True,
    help="The store's plan has no customer groups: group endpoints answer 402.",
)
def store_create(
    database_url: str, store_id: int, languages: str, legacy_sign_in: bool, no_groups: bool
) -> None:
    """Create a store."""
    codes = tuple(dict.fromkeys(code.strip() for code in languages.split(",") if code.strip()))
    if not codes:
        raise click.BadParameter("name at least one language", param_hint="--languages")
    new = Store(
        id=store_id,
        languages=codes,
        legacy_sign_in=legacy_sign_in,
        customer_groups_enabled=not no_groups,
    )

    async def work(storage: Storage) -> None:
        await storage.create_store(new, now=SystemClock().now())

    with_storage(database_url, work, create=True)
    click.echo(f"Created store {store_id} (languages: {','.join(codes)}).")


@store.command("list")
@database_option
def store_list(database_url: str) -> None:
    """List stores with their customer and live-token counts."""
    summaries = with_storage(database_url, lambda storage: storage.list_stores())
    table(
        ("STORE", "LANGUAGES", "LEGACY SIGN-IN", "GROUPS", "SUSPENDED", "CUSTOMERS", "TOKENS"),
        [
            (
                str(item.store.id),
                ",".join(item.store.languages),
                "yes" if item.store.legacy_sign_in else "no",
                "yes" if item.store.customer_groups_enabled else "no",
                "yes" if item.store.suspended else "no",
                str(item.customers),
                str(item.tokens),
            )
            for item in summaries
        ],
    )


@store.command("export")
@database_option
@click.argument("store_id", type=int)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, writable=True, allow_dash=True),
    default="-",
    show_default=True,
    help="File to write (- for standard output).",
)
def store_export(database_url: str, store_id: int, output: str) -> None:
    """Write a store (settings, groups, extra fields, customers, deletions; not tokens) as a
    JSON fixture: diffable, and loadable with `store import` or the control plane."""

    async def read(storage: Storage) -> StoreDump | None:
        summary = await storage.get_store(store_id)
        size = summary.customers if summary is not None else 0
        with progress(f"Reading {plural(size, 'customer')}", size) as read:
            return await storage.export_store(store_id, read=read)

    dump = with_storage(database_url, read)
    if dump is None:
        raise click.ClickException(f"store {store_id} does not exist")
    with click.open_file(output, "wb") as out:
        out.write(fixtures.to_json(dump))
    if output != "-":
        click.echo(
            f"Exported store {store_id} ({plural(len(dump.customers), 'customer')}) to {output}."
        )


@store.command("import")
@database_option
@click.argument("fixture_file", metavar="FILE", type=click.File("rb"))
@click.option("--id", "store_id", type=click.IntRange(1), help="Store id (default: the file's).")
def store_import(database_url: str, fixture_file: BinaryIO, store_id: int | None) -> None:
    """Load a JSON fixture into a store, replacing its content (its tokens stay, and the
    fixture's own `tokens` are made). The store is created when missing. Customers without an
    id are created as a POST would create them."""
    now = SystemClock().now()
    try:
        fixture = fixtures.parse(fixture_file.read())
        size = len(fixture.customers)
        with progress(f"Checking {plural(size, 'customer')}", size) as checked:
            dump = fixtures.to_dump(fixture, store_id=store_id, now=now, checked=checked)

        async def write(storage: Storage) -> None:
            with progress(f"Storing {plural(size, 'customer')}", None, items=size):
                await storage.import_store(dump, now=now)
                await fixtures.make_tokens(storage, dump.store.id, fixture)

        with_storage(database_url, write, create=True)
    except EcwidError as error:
        raise click.ClickException(error.message) from None
    click.echo(f"Imported {plural(len(dump.customers), 'customer')} into store {dump.store.id}.")


@store.command("reset")
@database_option
@click.argument("store_id", type=int)
def store_reset(database_url: str, store_id: int) -> None:
    """Empty a store (customers, deletions, groups, extra fields) and restart its ids; its
    settings and tokens stay."""
    if not with_storage(database_url, lambda storage: storage.reset_store(store_id)):
        raise click.ClickException(f"store {store_id} does not exist")
    click.echo(f"Reset store {store_id}.")


@store.command("delete")
@database_option
@click.argument("store_id", type=int)
@click.confirmation_option(prompt="Delete the store with all its customers and tokens?")
def store_delete(database_url: str, store_id: int) -> None:
    """Delete a store with everything in it, tokens included."""
    if not with_storage(database_url, lambda storage: storage.delete_store(store_id)):
        raise click.ClickException(f"store {store_id} does not exist")
    click.echo(f"Deleted store {store_id}.")


@store.command("rate-limit")
@database_option
@click.argument("store_id", type=int)
@click.argument("limit", metavar="PER_MINUTE|off|server")
def store_rate_limit(database_url: str, store_id: int, limit: str) -> None:
    """Set the store's rate limit: requests per minute per token, `off`, or `server` (follow
    `serve --rate-limit`)."""
    named: dict[str, int | None] = {"server": None, "off": 0}
    if limit in named:
        value = named[limit]
    else:
        value = parse_id(limit, MAX_RATE_LIMIT) or None  # 0 is spelled "off"
        if value is None:
            raise click.BadParameter(
                f"a number from 1 to {MAX_RATE_LIMIT}, off or server", param_hint="PER_MINUTE"
            )
    changed = with_storage(
        database_url, lambda storage: storage.set_store_rate_limit(store_id, value)
    )
    if not changed:
        raise click.ClickException(f"store {store_id} does not exist")
    click.echo(f"Store {store_id}: rate limit {limit}.")


@store.command("suspend")
@database_option
@click.argument("store_id", type=int)
def store_suspend(database_url: str, store_id: int) -> None:
    """Suspend a store: every API call to it answers 402 STORE_IS_SUSPENDED."""
    _set_suspended(database_url, store_id, True)
    click.echo(f"Suspended store {store_id}.")


@store.command("resume")
@database_option
@click.argument("store_id", type=int)
def store_resume(database_url: str, store_id: int) -> None:
    """Resume a suspended store."""
    _set_suspended(database_url, store_id, False)
    click.echo(f"Resumed store {store_id}.")


def _set_suspended(database_url: str, store_id: int, suspended: bool) -> None:
    changed = with_storage(
        database_url, lambda storage: storage.set_store_suspended(store_id, suspended)
    )
    if not changed:
        raise click.ClickException(f"store {store_id} does not exist")


store.add_command(store_seed)
