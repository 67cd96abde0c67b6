"""Server settings (wire behaviour, with Ecwid's as the default) and the one check of them."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from ecwid_customers.domain.tokens import ADMIN_TOKEN_PREFIX, new_admin_token
from ecwid_customers.domain.webhooks import GdprNames

ONE_MIB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class Settings:
    # Ecwid stopped accepting ``?token=`` on 2025-03-20 (spec Q1); old clients may need it.
    allow_query_token: bool = False
    # Ecwid documents no limit for customer bodies; 1 MiB is far above any real one (Q26).
    max_body_size: int = ONE_MIB
    # Older docs asked only update_customers for PUT/DELETE customer; current ones add
    # read_customers (Q17). True restores the older rule.
    update_scope_only: bool = False
    # A PUT's billingPerson replaces the stored one whole (Q9); by default it is merged field by
    # field, as Ecwid's docs describe.
    replace_billing_person: bool = False
    # Requests per minute per token before 429 (Ecwid's is 600); None: no limit. A store's
    # own setting overrides this.
    rate_limit: int | None = None
    # Seconds a client has to send a request's line and headers (slow clients are cut off).
    head_timeout: float = 10.0
    # Seconds a client has, after a request's headers, to send its whole body.
    body_timeout: float = 30.0
    # Seconds a client may leave an answer unread before its connection is dropped.
    write_timeout: float = 30.0
    # Connections open at once before new ones get 503; None: what the open-file limit allows.
    max_connections: int | None = None
    # The control plane (/_control/, the test kit) answers to this token; None turns it off.
    admin_token: str | None = None
    # Calls remembered per store by the control plane's journal.
    journal_size: int = 500
    # Webhooks (spec section 7): this server delivers what is queued (several processes may).
    webhooks: bool = True
    # Multiplies Ecwid's retry delays: 0.001 makes its 15 minutes 0.9 s, for tests.
    webhook_retry_scale: float = 1.0
    # Deliveries under way at once, overall and to one endpoint (scheme, host and port).
    webhook_concurrency: int = 32
    webhook_endpoint_concurrency: int = 4
    # A customer.updated for each member of a renamed or deleted group (spec Q16: off).
    webhook_member_events: bool = False
    # How the personal-data request events are spelled (spec Q15): camel or snake.
    webhook_gdpr_names: GdprNames = "camel"
    # Prometheus metrics at /metrics (off: 404 there, and requests are not timed).
    metrics: bool = True
    # Origins whose browser pages may call the API (CORS), or "*" for any; none: CORS is off.
    cors_origins: tuple[str, ...] = ()
    # Why the control plane is off when it is (its CONTROL_DISABLED answer names the cause).
    control_off_reason: str = "--no-control"


# What a browser sends as Origin: a scheme and a host, perhaps a port; no path.
_ORIGIN = re.compile(r"https?://[^/\s?#]+", re.IGNORECASE)

# An admin token pinned by hand still needs some secret after its prefix.
MIN_ADMIN_SECRET = 16


class SettingsError(ValueError):
    """A combination of settings the server refuses; ``option`` names the one to change."""

    def __init__(self, option: str, message: str) -> None:
        super().__init__(f"{option}: {message}")
        self.option = option
        self.message = message


@dataclass(frozen=True, slots=True)
class ServePlan:
    """What a server start will run, once its options are checked."""

    settings: Settings
    workers: int
    notes: tuple[str, ...]  # what the operator should be told (an option with no effect)


def check_admin_token(token: str) -> None:
    # The prefix keeps an admin token from ever being mistaken for a store token.
    if (
        not token.startswith(ADMIN_TOKEN_PREFIX)
        or len(token) < len(ADMIN_TOKEN_PREFIX) + MIN_ADMIN_SECRET
    ):
        raise SettingsError(
            "--admin-token",
            f"must be {ADMIN_TOKEN_PREFIX} and at least {MIN_ADMIN_SECRET} more characters",
        )


def plan_serving(
    database_url: str, settings: Settings, *, workers: int, control: bool
) -> ServePlan:
    """The one check of a server's settings, for ``serve`` and ``run_server`` alike (the
    pytest plugin's server is a ``serve``): several workers need PostgreSQL and turn the
    control plane off; a control plane gets an admin token (a new one unless pinned)."""
    if workers > 1 and database_url.lower().startswith("sqlite"):
        # Two processes writing one SQLite file stall each other for seconds (measured).
        raise SettingsError(
            "--workers", "several workers need PostgreSQL; SQLite is served by one process"
        )
    for origin in settings.cors_origins:
        if origin != "*" and not _ORIGIN.fullmatch(origin):
            raise SettingsError(
                "--cors-origin",
                f"{origin!r} is not an origin: give scheme://host[:port] with no path, or *",
            )
    notes: list[str] = []
    admin_token = settings.admin_token
    if admin_token is not None:
        check_admin_token(admin_token)
        if not control:
            notes.append("--admin-token is ignored: --no-control turns the control plane off.")
    reason = settings.control_off_reason
    if control and workers > 1:
        # Faults, the journal and store clocks live in one process's memory.
        reason = f"--workers {workers}: it needs a single process"
        notes.append(f"The control plane is off ({reason}).")
        control = False
    if control and admin_token is None:
        admin_token = new_admin_token()
    settings = replace(
        settings, admin_token=admin_token if control else None, control_off_reason=reason
    )
    return ServePlan(settings=settings, workers=workers, notes=tuple(notes))


# ``scheme://user:password@host``: the password is what sits between the user's colon and the @.
_URL_PASSWORD = re.compile(r"(?P<head>\b[a-zA-Z][a-zA-Z0-9+.-]*://[^\s:/@]*:)[^\s@]*@")
# libpq also takes the password as a query parameter: postgresql://u@h/db?password=...
_QUERY_PASSWORD = re.compile(r"(?P<head>[?&]password=)[^\s&#]*", re.IGNORECASE)


def redact_url(text: str) -> str:
    """``text`` with the password of every URL in it shown as ``***``: the one way a database
    URL is printed or logged (the banner, log lines, error messages)."""
    return _QUERY_PASSWORD.sub(r"\g<head>***", _URL_PASSWORD.sub(r"\g<head>***@", text))
