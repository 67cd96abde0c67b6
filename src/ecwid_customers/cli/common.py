"""What every command shares: the ``--database`` option, opening storage, printing tables."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

import click

from ecwid_customers.storage import Storage, open_storage
from ecwid_customers.storage.errors import StorageError
from ecwid_customers.storage.urls import (
    DATABASE_URL_ENV,
    DEFAULT_DATABASE_URL,
    DatabaseUrlError,
    EngineNotInstalled,
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


def check_url(database_url: str) -> Storage:
    """The storage ``--database`` names. A URL that names no database is a usage error of the
    option; an engine that is not installed is one line saying what to install."""
    try:
        return open_storage(database_url)
    except EngineNotInstalled as error:
        raise click.ClickException(str(error)) from None
    except DatabaseUrlError as error:
        raise click.BadParameter(str(error), param_hint="--database") from None


def with_storage(database_url: str, work: Callable[[Storage], Awaitable[T]]) -> T:
    """Open the database, run ``work`` on it, close it; database problems and what storage
    refuses (an unknown store, a store that exists) become CLI errors."""
    storage = check_url(database_url)

    async def run() -> T:
        try:
            await storage.open()
        except (OSError, RuntimeError, sqlite3.Error) as error:
            raise click.ClickException(f"cannot open {database_url}: {error}") from None
        try:
            return await work(storage)
        except StorageError as error:
            raise click.ClickException(str(error)) from None
        finally:
            await storage.close()

    return asyncio.run(run())


def when(seconds: int | None) -> str:
    if seconds is None:
        return "-"
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%d %H:%M:%S")


def table(headings: tuple[str, ...], rows: list[tuple[str, ...]]) -> None:
    widths = [max(len(cell) for cell in column) for column in zip(headings, *rows, strict=True)]
    for row in (headings, *rows):
        click.echo("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))
