"""What every command shares: the ``--database`` option, opening storage, printing tables."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

import click

from ecwid_customers.cli.failures import DatabaseUnavailable, database_errors
from ecwid_customers.config import redact_url
from ecwid_customers.storage import Storage, open_storage
from ecwid_customers.storage.errors import StorageError
from ecwid_customers.storage.urls import (
    DATABASE_URL_ENV,
    DEFAULT_DATABASE_URL,
    DatabaseUrlError,
    EngineNotInstalled,
    engine_of,
    sqlite_path,
)

T = TypeVar("T")
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


def check_url(database_url: str, *, create: bool = False) -> Storage:
    """The storage ``--database`` names (not opened). A URL that names no database is a usage
    error of the option; an engine that is not installed is one line saying what to install.
    Unless ``create`` (only the commands that make a store, and ``db upgrade``), a SQLite file
    that does not exist is an error too: reading or changing nothing never leaves a new file
    behind."""
    try:
        storage = open_storage(database_url)
    except EngineNotInstalled as error:
        raise click.ClickException(str(error)) from None
    except DatabaseUrlError as error:
        raise click.BadParameter(redact_url(str(error)), param_hint="--database") from None
    if not create and engine_of(database_url) == "sqlite":
        path = sqlite_path(database_url)
        if not path.is_file():
            raise DatabaseUnavailable(f"no database at {path}")
    return storage


def with_storage(
    database_url: str, work: Callable[[Storage], Awaitable[T]], *, create: bool = False
) -> T:
    """Open the database, run ``work`` on it, close it; database problems and what storage
    refuses (an unknown store, a store that exists) become CLI errors. Only a command that
    makes a store passes ``create``: for any other a missing SQLite file is an error."""
    storage = check_url(database_url, create=create)

    async def run() -> T:
        with database_errors(database_url):
            await storage.open()
        try:
            return await work(storage)
        except StorageError as error:
            raise click.ClickException(str(error)) from None
        finally:
            await storage.close()

    return asyncio.run(run())


def plural(count: int, noun: str, many: str | None = None) -> str:
    """``1 customer``, ``2 customers``, ``0 customers`` (``many`` for ``deliveries``)."""
    return f"{count} {noun}" if count == 1 else f"{count} {many or noun + 's'}"


def when(seconds: int | None) -> str:
    if seconds is None:
        return "-"
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%d %H:%M:%S")


def table(headings: tuple[str, ...], rows: list[tuple[str, ...]]) -> None:
    widths = [max(len(cell) for cell in column) for column in zip(headings, *rows, strict=True)]
    for row in (headings, *rows):
        click.echo("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))
