"""The ``ecwid-customers`` command: serve the API, manage stores and tokens."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any, BinaryIO, TypeVar

import click

from ecwid_customers import __version__, admin
from ecwid_customers.config import ONE_MIB
from ecwid_customers.control import fixtures
from ecwid_customers.control.journal import DEFAULT_SIZE as DEFAULT_JOURNAL_SIZE
from ecwid_customers.domain.clock import SystemClock
from ecwid_customers.domain.models import MAX_RATE_LIMIT, Store
from ecwid_customers.domain.tokens import ADMIN_TOKEN_PREFIX, TokenKind, new_admin_token
from ecwid_customers.errors import EcwidError
from ecwid_customers.scopes import CUSTOMER_SCOPES, parse_scopes
from ecwid_customers.storage.base import Storage, StoreExists, TokenExists
from ecwid_customers.storage.urls import (
    DATABASE_URL_ENV,
    DEFAULT_DATABASE_URL,
    DatabaseUrlError,
    open_storage,
)

T = TypeVar("T")

# An admin token pinned by hand still needs some secret after its prefix.
MIN_ADMIN_SECRET = 16
F = TypeVar("F", bound=Callable[..., Any])


def database_option(function: F) -> F:
    decorator = click.option(
        "--database",
        "database_url",
        default=DEFAULT_DATABASE_URL,
        show_default=True,
        envvar=DATABASE_URL_ENV,
        show_envvar=True,
        metavar="URL",
        help="sqlite:///relative.db, sqlite:////absolute/path.db or postgresql://user@host/db.",
    )
    return decorator(function)


def with_storage(database_url: str, work: Callable[[Storage], Awaitable[T]]) -> T:
    """Open the database, run ``work`` on it, close it; database problems become CLI errors."""
    try:
        storage = open_storage(database_url)
    except DatabaseUrlError as error:
        raise click.BadParameter(str(error), param_hint="--database") from None

    async def run() -> T:
        try:
            await storage.open()
        except (OSError, RuntimeError, sqlite3.Error) as error:
            raise click.ClickException(f"cannot open {database_url}: {error}") from None
        try:
            return await work(storage)
        finally:
            await storage.close()

    return asyncio.run(run())


def _when(seconds: int | None) -> str:
    if seconds is None:
        return "-"
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%d %H:%M:%S")


def _table(headings: tuple[str, ...], rows: list[tuple[str, ...]]) -> None:
    widths = [max(len(cell) for cell in column) for column in zip(headings, *rows, strict=True)]
    for row in (headings, *rows):
        click.echo("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="ecwid-customers")
def main() -> None:
    """Ecwid's Customers REST API (v3), served from your own database.

    Start with `ecwid-customers serve`: on an empty database it creates store 1003 and a
    token, and prints a curl line to try.
    """


@main.command()
@database_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8080, show_default=True, type=click.IntRange(0, 65535))
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(1),
    help="Server processes sharing the port (PostgreSQL only: SQLite has one writer).",
)
@click.option(
    "--allow-query-token",
    is_flag=True,
    help="Also accept ?token=... (Ecwid stopped this in 2025; for old clients only).",
)
@click.option(
    "--max-body-size",
    default=ONE_MIB,
    show_default=True,
    type=click.IntRange(1),
    metavar="BYTES",
    help="Larger request bodies get 400 WRONG_PARAMETER.",
)
@click.option(
    "--update-scope-only",
    is_flag=True,
    help="PUT/DELETE customer need only update_customers, as in Ecwid's older docs.",
)
@click.option(
    "--rate-limit",
    type=click.IntRange(1, MAX_RATE_LIMIT),
    metavar="PER_MINUTE",
    help="Answer 429 RATE_LIMITED past this many requests per minute per token (Ecwid: 600). "
    "Off by default; a store's own limit wins.",
)
@click.option(
    "--head-timeout",
    default=10.0,
    show_default=True,
    type=click.FloatRange(0.1, 3600),
    metavar="SECONDS",
    help="Time a client has to send a request's line and headers; then 408 and the "
    "connection is closed.",
)
@click.option(
    "--admin-token",
    envvar="ECWID_CUSTOMERS_ADMIN_TOKEN",
    metavar="admin_...",
    help="Token of the control plane (/_control/, the test kit). Default: a new one per start, "
    "printed at start. Also ECWID_CUSTOMERS_ADMIN_TOKEN.",
)
@click.option(
    "--no-control",
    is_flag=True,
    help="Turn the control plane off (production): no faults, journal or store clocks.",
)
@click.option(
    "--journal-size",
    default=DEFAULT_JOURNAL_SIZE,
    show_default=True,
    type=click.IntRange(0),
    metavar="CALLS",
    help="Calls the control plane's journal keeps per store (0: none).",
)
@click.option("--access-log", is_flag=True, help="Log one line per request.")
@click.option(
    "--log-level",
    default="info",
    show_default=True,
    type=click.Choice(["critical", "error", "warning", "info", "debug"]),
)
def serve(
    database_url: str,
    host: str,
    port: int,
    workers: int,
    allow_query_token: bool,
    max_body_size: int,
    update_scope_only: bool,
    rate_limit: int | None,
    head_timeout: float,
    admin_token: str | None,
    no_control: bool,
    journal_size: int,
    access_log: bool,
    log_level: str,
) -> None:
    """Run the API server (and its control plane, unless --no-control)."""
    from ecwid_customers.config import Settings
    from ecwid_customers.server import run_server

    if workers > 1 and database_url.lower().startswith("sqlite"):
        # Two processes writing one SQLite file stall each other for seconds (measured).
        raise click.BadParameter(
            "several workers need PostgreSQL; SQLite is served by one process",
            param_hint="--workers",
        )
    if admin_token is not None and (
        # The prefix keeps an admin token from ever being mistaken for a store token.
        not admin_token.startswith(ADMIN_TOKEN_PREFIX)
        or len(admin_token) < len(ADMIN_TOKEN_PREFIX) + MIN_ADMIN_SECRET
    ):
        raise click.BadParameter(
            f"must be {ADMIN_TOKEN_PREFIX} and at least {MIN_ADMIN_SECRET} more characters",
            param_hint="--admin-token",
        )
    if admin_token is not None and no_control:
        click.echo("--admin-token is ignored: --no-control turns the control plane off.", err=True)
    control = not no_control
    if control and workers > 1:
        # Faults, the journal and store clocks live in one process's memory.
        click.echo("The control plane is off: it needs a single process (--workers 1).", err=True)
        control = False
    if control and admin_token is None:
        admin_token = new_admin_token()
    issued = with_storage(database_url, admin.bootstrap)
    settings = Settings(
        allow_query_token=allow_query_token,
        max_body_size=max_body_size,
        update_scope_only=update_scope_only,
        rate_limit=rate_limit,
        head_timeout=head_timeout,
        admin_token=admin_token if control else None,
        journal_size=journal_size,
    )
    run_server(
        database_url,
        settings,
        host=host,
        port=port,
        workers=workers,
        access_log=access_log,
        log_level=log_level,
        on_listening=lambda bound: _print_banner(
            database_url, host, bound, issued, settings.admin_token
        ),
    )


def _print_banner(
    database_url: str,
    host: str,
    port: int,
    issued: admin.IssuedToken | None,
    admin_token: str | None,
) -> None:
    reachable = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host  # noqa: S104
    if ":" in reachable:
        reachable = f"[{reachable}]"
    base = f"http://{reachable}:{port}/api/v3"
    click.echo(f"ecwid-customers {__version__}, database {database_url}, listening on {base}")
    click.echo(f"API reference: http://{reachable}:{port}/docs (OpenAPI: /openapi.json)")
    if admin_token is not None:
        click.echo(
            f"Control plane (test kit): http://{reachable}:{port}/_control "
            f"with Authorization: Bearer {admin_token}"
        )
    if issued is None:
        click.echo(
            "Tokens are stored hashed and are shown only when made; make one with\n"
            "  ecwid-customers token create --store STORE_ID "
            f"--scopes {','.join(CUSTOMER_SCOPES[:3])}"
        )
        return
    store_id = issued.info.store_id
    click.echo(
        f"New database: created store {store_id} and a token with every customer scope.\n"
        "Keep the token now: it is stored hashed and cannot be shown again.\n\n"
        f"  Store id: {store_id}\n"
        f"  Token:    {issued.token}\n\n"
        "Create a customer:\n"
        f"  curl -s -X POST {base}/{store_id}/customers \\\n"
        f"    -H 'Authorization: Bearer {issued.token}' \\\n"
        "    -H 'Content-Type: application/json' \\\n"
        '    -d \'{"email": "ann.smith@example.net", '
        '"billingPerson": {"name": "Ann Smith"}}\'\n'
        "Read it back:\n"
        f"  curl -s {base}/{store_id}/customers/1 -H 'Authorization: Bearer {issued.token}'\n"
    )


@main.group()
def store() -> None:
    """Create and list stores."""


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

    try:
        with_storage(database_url, work)
    except StoreExists as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Created store {store_id} (languages: {','.join(codes)}).")


@store.command("list")
@database_option
def store_list(database_url: str) -> None:
    """List stores with their customer and live-token counts."""
    summaries = with_storage(database_url, lambda storage: storage.list_stores())
    _table(
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
    dump = with_storage(database_url, lambda storage: storage.export_store(store_id))
    if dump is None:
        raise click.ClickException(f"store {store_id} does not exist")
    with click.open_file(output, "wb") as out:
        out.write(fixtures.to_json(dump))
    if output != "-":
        click.echo(f"Exported store {store_id} ({len(dump.customers)} customers) to {output}.")


@store.command("import")
@database_option
@click.argument("fixture_file", metavar="FILE", type=click.File("rb"))
@click.option("--id", "store_id", type=click.IntRange(1), help="Store id (default: the file's).")
def store_import(database_url: str, fixture_file: BinaryIO, store_id: int | None) -> None:
    """Load a JSON fixture into a store, replacing its content (its tokens stay). The store is
    created when missing. Customers without an id are created as a POST would create them."""
    now = SystemClock().now()
    try:
        dump = fixtures.to_dump(fixtures.parse(fixture_file.read()), store_id=store_id, now=now)
        with_storage(database_url, lambda storage: storage.import_store(dump, now=now))
    except EcwidError as error:
        raise click.ClickException(error.message) from None
    click.echo(f"Imported {len(dump.customers)} customers into store {dump.store.id}.")


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
    value: int | None
    if limit == "server":
        value = None
    elif limit == "off":
        value = 0
    elif limit.isascii() and limit.isdigit() and 0 < int(limit) <= MAX_RATE_LIMIT:
        value = int(limit)
    else:
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


@main.group()
def db() -> None:
    """Database schema: upgrade and inspect."""


@db.command("upgrade")
@database_option
def db_upgrade(database_url: str) -> None:
    """Apply every pending schema migration (the server also does this when it starts)."""
    from ecwid_customers.storage import migrate

    _check_url(database_url)
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

    _check_url(database_url)
    revision = migrate.current(database_url)
    newest = " (newest)" if revision == migrate.HEAD else f" (newest is {migrate.HEAD})"
    click.echo(f"{revision or 'empty'}{newest}")


def _check_url(database_url: str) -> None:
    try:
        open_storage(database_url)
    except DatabaseUrlError as error:
        raise click.BadParameter(str(error), param_hint="--database") from None


@main.group()
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
    from ecwid_customers.errors import EcwidError

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
    except EcwidError:
        raise click.ClickException(f"store {store_id} does not exist") from None
    except TokenExists as error:
        raise click.ClickException(str(error)) from None
    click.echo(issued.token)


@token.command("list")
@database_option
@click.option("--store", "store_id", type=int, help="Only this store's tokens.")
def token_list(database_url: str, store_id: int | None) -> None:
    """List tokens (their hints only: values are never kept)."""
    tokens = with_storage(database_url, lambda storage: storage.list_tokens(store_id))
    _table(
        ("ID", "STORE", "TOKEN", "SCOPES", "CREATED", "REVOKED"),
        [
            (
                str(item.id),
                str(item.store_id),
                item.hint,
                ",".join(item.scopes),
                _when(item.created_at),
                _when(item.revoked_at),
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
