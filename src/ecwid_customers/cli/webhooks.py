"""``ecwid-customers webhooks ...``: see a store's deliveries and steer them, fire events."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import click

from ecwid_customers.cli.common import database_option, plural, table, with_storage
from ecwid_customers.domain.clock import SystemClock
from ecwid_customers.domain.ids import MAX_ID
from ecwid_customers.domain.webhooks import (
    EVENT_SCOPES,
    GdprNames,
    PersonalDataKind,
    Signature,
    event_by_hand,
    personal_data_event,
)
from ecwid_customers.storage import Storage
from ecwid_customers.storage.outbox import Firing

store_option = click.option(
    "--store", "store_id", required=True, type=int, help="The store whose webhooks these are."
)


@click.group()
def webhooks() -> None:
    """See, redeliver, pause and fire a store's webhooks (a running server delivers them)."""


def _when(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%d %H:%M:%S")


@webhooks.command("list")
@database_option
@store_option
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 500))
def webhooks_list(database_url: str, store_id: int, limit: int) -> None:
    """The store's newest deliveries: event, state, attempts, last answer, next attempt."""
    items = with_storage(database_url, lambda s: s.list_deliveries(store_id, limit=limit))
    rows: list[tuple[str, ...]] = []
    for item in items:
        last = item.attempt_log[-1] if item.attempt_log else None
        answer = "-" if last is None else str(last.status or last.error or "-")
        rows.append(
            (
                str(item.id),
                item.event_type,
                str(item.entity_id),
                str(item.token_id),
                item.state,
                str(item.attempts),
                answer[:40],
                _when(item.next_attempt_at),
            )
        )
    table(("ID", "EVENT", "ENTITY", "TOKEN", "STATE", "ATTEMPTS", "LAST ANSWER", "NEXT"), rows)


@webhooks.command("redeliver")
@database_option
@store_option
@click.argument("delivery_id", type=int)
def webhooks_redeliver(database_url: str, store_id: int, delivery_id: int) -> None:
    """Queue a delivery again now, with a fresh retry schedule."""
    if not with_storage(
        database_url, lambda s: s.redeliver(store_id, delivery_id, now=time.time())
    ):
        raise click.ClickException(
            f"store {store_id} has no delivery {delivery_id} to a live token"
        )
    click.echo(f"Queued delivery {delivery_id} again.")


@webhooks.command("pause")
@database_option
@store_option
def webhooks_pause(database_url: str, store_id: int) -> None:
    """Hold the store's deliveries (they stay queued) until `webhooks resume`."""
    _set_paused(database_url, store_id, True)
    click.echo(f"Webhooks of store {store_id} paused.")


@webhooks.command("resume")
@database_option
@store_option
def webhooks_resume(database_url: str, store_id: int) -> None:
    """Deliver the store's webhooks again."""
    _set_paused(database_url, store_id, False)
    click.echo(f"Webhooks of store {store_id} resumed.")


def _set_paused(database_url: str, store_id: int, paused: bool) -> None:
    if not with_storage(database_url, lambda s: s.set_webhooks_paused(store_id, paused)):
        raise click.ClickException(f"store {store_id} does not exist")


@webhooks.command("clear")
@database_option
@store_option
def webhooks_clear(database_url: str, store_id: int) -> None:
    """Forget the store's deliveries, queued ones too."""
    removed = with_storage(database_url, lambda s: s.clear_deliveries(store_id))
    click.echo(f"Removed {plural(removed, 'delivery', 'deliveries')} of store {store_id}.")


@webhooks.command("fire")
@database_option
@store_option
@click.option("--event", "event_type", required=True, type=click.Choice(list(EVENT_SCOPES)))
@click.option("--entity-id", required=True, type=click.IntRange(1), help="The event's entityId.")
@click.option(
    "--data",
    multiple=True,
    metavar="KEY=VALUE",
    help="An entry of the event's data (repeatable), e.g. customerEmail=ann@example.net.",
)
@click.option(
    "--signature",
    type=click.Choice(["valid", "invalid", "missing"]),
    default="valid",
    show_default=True,
    help="Sign it right, with a wrong key, or not at all: a handler must refuse the last two.",
)
@click.option("--token-id", type=int, help="Only to this token's app.")
def webhooks_fire(
    database_url: str,
    store_id: int,
    event_type: str,
    entity_id: int,
    data: tuple[str, ...],
    signature: Signature,
    token_id: int | None,
) -> None:
    """Queue an event by hand for the store's subscribed tokens."""
    entries = {}
    for entry in data:
        key, equals, value = entry.partition("=")
        if not equals or not key:
            raise click.BadParameter(f"{entry!r} is not KEY=VALUE", param_hint="--data")
        entries[key] = value
    event = event_by_hand(event_type, entity_id, entries or None)
    queued = with_storage(
        database_url,
        lambda s: s.emit_event(
            store_id,
            event,
            now=SystemClock().now(),
            firing=Firing(signature=signature, token_id=token_id),
        ),
    )
    click.echo(f"Queued {event_type} for {plural(queued, 'token')}.")


@webhooks.command("personal-data-request")
@database_option
@store_option
@click.option("--customer", "customer_id", required=True, type=click.IntRange(1, MAX_ID))
@click.option("--kind", required=True, type=click.Choice(["export", "removal"]))
@click.option(
    "--names",
    type=click.Choice(["camel", "snake"]),
    default="camel",
    show_default=True,
    help="The event's spelling: customer.personalDataExportRequest or "
    "customer.personal_data_export_request.",
)
def webhooks_personal_data(
    database_url: str,
    store_id: int,
    customer_id: int,
    kind: PersonalDataKind,
    names: GdprNames,
) -> None:
    """Raise a shopper's request to export or remove their data, as Ecwid announces it."""
    event = personal_data_event(kind, names, customer_id)

    async def work(storage: Storage) -> int:
        if await storage.get_customer(store_id, customer_id) is None:
            raise click.ClickException(f"store {store_id} has no customer {customer_id}")
        return await storage.emit_event(store_id, event, now=SystemClock().now())

    queued = with_storage(database_url, work)
    click.echo(f"Queued {event.type} for {plural(queued, 'token')}.")
