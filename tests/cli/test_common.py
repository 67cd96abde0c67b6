"""What every command shares: how a database URL the install cannot serve is refused."""

from __future__ import annotations

import sys

import pytest
from click.testing import CliRunner

from ecwid_customers.cli import main


@pytest.mark.parametrize("missing", ["asyncpg", "psycopg"])
@pytest.mark.parametrize("command", [["store", "list"], ["db", "current"], ["db", "upgrade"]])
def test_postgresql_without_its_extra_names_the_install(
    monkeypatch: pytest.MonkeyPatch, missing: str, command: list[str]
) -> None:
    # A module set to None in sys.modules is one that cannot be imported, as in an install
    # without the [postgresql] extra (tests/test_install.py checks such a real install).
    monkeypatch.setitem(sys.modules, missing, None)
    url = "postgresql://nobody@127.0.0.1:1/none"
    result = CliRunner().invoke(main, [*command, "--database", url])
    assert result.exit_code == 1
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert result.output == (
        f"Error: PostgreSQL support is not installed (no {missing}): "
        "pip install 'ecwid-customers[postgresql]'\n"
    )
