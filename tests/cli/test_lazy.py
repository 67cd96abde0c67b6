"""The top-level group's commands: imported when run, listed in ``--help`` without importing."""

from __future__ import annotations

import importlib

import click
import pytest
from click.testing import CliRunner

from ecwid_customers.cli import COMMANDS, main


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_each_summary_is_the_commands_own(name: str) -> None:
    entry = COMMANDS[name]
    command = getattr(importlib.import_module(entry.module), entry.name)
    assert isinstance(command, click.Command)
    assert command.name == name
    assert entry.summary == command.get_short_help_str(limit=1000)


def test_help_lists_every_command() -> None:
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0
    lines = result.output.partition("Commands:")[2].splitlines()
    listed = [line.split()[0] for line in lines if line.startswith("  ") and line[2] != " "]
    assert listed == sorted(COMMANDS)


def test_a_lazy_command_runs() -> None:
    result = CliRunner().invoke(main, ["db", "--help"])
    assert result.exit_code == 0, result.output
    assert "Database schema: upgrade and inspect." in result.output


def test_an_unknown_command_is_a_usage_error() -> None:
    result = CliRunner().invoke(main, ["nope"])
    assert result.exit_code == 2
    assert "No such command 'nope'" in result.output
