"""``ecwid-customers serve``: its options, the checks (``config.plan_serving``), the banner."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from ecwid_customers import __version__, admin
from ecwid_customers.cli.common import check_url, database_option, plural, with_storage
from ecwid_customers.config import ONE_MIB, Settings, SettingsError, plan_serving, redact_url
from ecwid_customers.control.journal import DEFAULT_SIZE as DEFAULT_JOURNAL_SIZE
from ecwid_customers.domain.clock import SystemClock
from ecwid_customers.domain.ids import MAX_RATE_LIMIT
from ecwid_customers.domain.webhooks import GdprNames
from ecwid_customers.errors import EcwidError
from ecwid_customers.scopes import CUSTOMER_SCOPES
from ecwid_customers.storage import Storage

if TYPE_CHECKING:
    from ecwid_customers.cli.fixture_files import FixtureFile


@click.command()
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
    "--replace-billing-person",
    is_flag=True,
    help="A PUT's billingPerson replaces the stored one whole, instead of being merged field "
    "by field (Q9).",
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
    "--body-timeout",
    default=30.0,
    show_default=True,
    type=click.FloatRange(0.1, 3600),
    metavar="SECONDS",
    help="Time a client has, after a request's headers, to send its whole body; then 408 and "
    "the connection is closed.",
)
@click.option(
    "--write-timeout",
    default=30.0,
    show_default=True,
    type=click.FloatRange(0.1, 3600),
    metavar="SECONDS",
    help="Time a client may leave an answer unread before its connection is dropped.",
)
@click.option(
    "--max-connections",
    type=click.IntRange(1),
    metavar="N",
    help="Connections open at once; one more is answered 503 SERVICE_UNAVAILABLE and closed. "
    "Default: what the open-file limit allows (raised to its hard limit at start), less a "
    "reserve for the database and webhooks.",
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
@click.option(
    "--webhook-retry-scale",
    default=1.0,
    show_default=True,
    type=click.FloatRange(0, 1000, min_open=True),
    metavar="FACTOR",
    help="Multiply Ecwid's webhook retry delays (15 min, 30 min, ... 24 h): 0.001 makes 15 "
    "minutes 0.9 s, for tests.",
)
@click.option(
    "--webhook-concurrency",
    default=32,
    show_default=True,
    type=click.IntRange(1, 1024),
    metavar="N",
    help="Webhook deliveries under way at once (at most 4 to one endpoint).",
)
@click.option(
    "--webhook-member-events",
    is_flag=True,
    help="Renaming or deleting a customer group also sends customer.updated for each member.",
)
@click.option(
    "--webhook-gdpr-names",
    type=click.Choice(["camel", "snake"]),
    default="camel",
    show_default=True,
    help="Spelling of the personal-data request events: customer.personalDataExportRequest "
    "or customer.personal_data_export_request.",
)
@click.option(
    "--no-webhooks",
    is_flag=True,
    help="Queue webhooks but do not deliver them from this process (another one does).",
)
@click.option(
    "--no-metrics",
    is_flag=True,
    help="Turn Prometheus metrics off (/metrics then answers 404); on by default, without a token.",
)
@click.option(
    "--cors-origin",
    "cors_origins",
    multiple=True,
    metavar="ORIGIN",
    help="Let browser pages from ORIGIN (https://app.example.com, or * for any) call the API: "
    "preflights are answered and answers carry Access-Control-Allow-Origin. Repeatable; off "
    "by default.",
)
@click.option(
    "--no-default-store",
    is_flag=True,
    envvar="ECWID_CUSTOMERS_NO_DEFAULT_STORE",
    show_envvar=True,
    help=f"Do not create store {admin.DEFAULT_STORE_ID} and its all-scopes token on an empty "
    "database (production: make stores and tokens with `store create` and `token create`).",
)
@click.option(
    "--fixtures",
    "fixture_dir",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    metavar="DIR",
    help="Load every *.json store fixture in DIR, with its tokens, at each start (each store's "
    "content is replaced by its file's; tokens it has stay).",
)
@click.option("--access-log", is_flag=True, help="Log one line per request.")
@click.option(
    "--log-level",
    default="info",
    show_default=True,
    type=click.Choice(["critical", "error", "warning", "info", "debug"]),
)
@click.option(
    "--log-format",
    default="text",
    show_default=True,
    type=click.Choice(["text", "json"]),
    help="json: one JSON object per line (time, level, logger, message, exception).",
)
def serve(
    database_url: str,
    host: str,
    port: int,
    workers: int,
    allow_query_token: bool,
    max_body_size: int,
    update_scope_only: bool,
    replace_billing_person: bool,
    rate_limit: int | None,
    head_timeout: float,
    body_timeout: float,
    write_timeout: float,
    max_connections: int | None,
    admin_token: str | None,
    no_control: bool,
    journal_size: int,
    webhook_retry_scale: float,
    webhook_concurrency: int,
    webhook_member_events: bool,
    webhook_gdpr_names: GdprNames,
    no_webhooks: bool,
    no_metrics: bool,
    cors_origins: tuple[str, ...],
    no_default_store: bool,
    fixture_dir: Path | None,
    access_log: bool,
    log_level: str,
    log_format: str,
) -> None:
    """Run the API server (and its control plane, unless --no-control).

    Once it listens, and only then, it loads --fixtures and, on a database with no store yet
    (unless --no-default-store), creates store 1003 and a token, and prints them."""
    from ecwid_customers.server import ListenError, run_server

    wire = Settings(
        allow_query_token=allow_query_token,
        max_body_size=max_body_size,
        update_scope_only=update_scope_only,
        replace_billing_person=replace_billing_person,
        rate_limit=rate_limit,
        head_timeout=head_timeout,
        body_timeout=body_timeout,
        write_timeout=write_timeout,
        max_connections=max_connections,
        admin_token=admin_token,
        journal_size=journal_size,
        webhooks=not no_webhooks,
        webhook_retry_scale=webhook_retry_scale,
        webhook_concurrency=webhook_concurrency,
        webhook_member_events=webhook_member_events,
        webhook_gdpr_names=webhook_gdpr_names,
        metrics=not no_metrics,
        cors_origins=cors_origins,
    )
    check_url(database_url, create=True)  # a URL naming no database: a usage error, at once
    try:
        plan = plan_serving(database_url, wire, workers=workers, control=not no_control)
    except SettingsError as error:
        raise click.BadParameter(error.message, param_hint=error.option) from None
    for note in plan.notes:
        click.echo(note, err=True)
    settings = plan.settings
    loaded: list[FixtureFile] = []
    if fixture_dir is not None:
        # Imported only when asked for: the fixture machinery is a large share of a start.
        from ecwid_customers.cli.fixture_files import read_fixture_dir

        loaded = read_fixture_dir(fixture_dir)

    def prepare(bound: int) -> None:
        # The port is ours now: a start that cannot listen has created nothing.
        issued = with_storage(
            database_url,
            lambda storage: _prepare(storage, loaded, default_store=not no_default_store),
            create=True,
        )
        _print_banner(database_url, host, bound, issued, settings.admin_token)

    try:
        run_server(
            database_url,
            settings,
            host=host,
            port=port,
            workers=workers,
            access_log=access_log,
            log_level=log_level,
            log_format=log_format,
            on_listening=prepare,
        )
    except ListenError as error:
        raise click.ClickException(str(error)) from None


async def _prepare(
    storage: Storage, loaded: list[FixtureFile], *, default_store: bool
) -> admin.IssuedToken | None:
    """Load the fixtures, then make the first store when asked and the database has none."""
    from ecwid_customers.control import fixtures

    for item in loaded:
        dump = item.dump
        try:
            await storage.import_store(dump, now=SystemClock().now())
            await fixtures.make_tokens(storage, dump.store.id, item.fixture)
        except EcwidError as error:
            raise click.ClickException(f"{item.path}: {error.message}") from None
        customers = plural(len(dump.customers), "customer")
        tokens = plural(len(item.fixture.tokens), "token")
        click.echo(f"Loaded {item.path.name}: store {dump.store.id}, {customers}, {tokens}.")
    return await admin.bootstrap(storage) if default_store else None


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
    click.echo(
        f"ecwid-customers {__version__}, database {redact_url(database_url)}, listening on {base}"
    )
    click.echo(f"API reference: http://{reachable}:{port}/docs (OpenAPI: /openapi.json)")
    if admin_token is not None:
        click.echo(
            f"Control plane (test kit): http://{reachable}:{port}/_control "
            f"with Authorization: Bearer {admin_token}"
        )
        click.echo(f"Dashboard (test kit): http://{reachable}:{port}/_control/dashboard")
    if issued is None:
        click.echo(
            "Tokens are stored hashed and are shown only when made; make one with\n"
            "  ecwid-customers token create --store STORE_ID "
            f"--scopes {','.join(CUSTOMER_SCOPES[:3])}\n"
            "(and a store first, when there is none: ecwid-customers store create --id STORE_ID)"
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
