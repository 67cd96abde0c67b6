"""Store fixture files on disk, read and checked whole before anything is stored."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import click

from ecwid_customers.control import fixtures
from ecwid_customers.domain.clock import SystemClock
from ecwid_customers.errors import EcwidError
from ecwid_customers.storage.base import StoreDump


@dataclass(frozen=True, slots=True)
class FixtureFile:
    path: Path
    fixture: fixtures.Fixture
    dump: StoreDump  # what loading it stores (its new customers dated when it was read)


def read_fixture_file(path: Path) -> FixtureFile:
    """The fixture in ``path``, checked as loading it would check it; a one-line error naming
    the file and the entry at fault otherwise."""
    try:
        fixture = fixtures.parse(path.read_bytes())
        dump = fixtures.to_dump(fixture, store_id=None, now=SystemClock().now())
    except OSError as error:
        raise click.ClickException(f"{path}: {error.strerror or error}") from None
    except EcwidError as error:
        raise click.ClickException(f"{path}: {error.message}") from None
    return FixtureFile(path, fixture, dump)


def read_fixture_dir(folder: Path) -> list[FixtureFile]:
    """Every ``*.json`` file of ``folder``, by name; two files for one store are refused."""
    found = [read_fixture_file(path) for path in sorted(folder.glob("*.json"))]
    if not found:
        raise click.ClickException(f"{folder}: no *.json fixture files")
    owners: dict[int | None, Path] = {}
    for item in found:
        store_id = item.fixture.store.id
        if store_id in owners:
            raise click.ClickException(
                f"{item.path}: store {store_id} is also in {owners[store_id].name}"
            )
        owners[store_id] = item.path
    return found
