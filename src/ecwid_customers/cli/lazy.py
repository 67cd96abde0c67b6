"""A command group that imports a command's module only when that command runs.

``serve`` is what most runs start, and the other groups' modules (seeding, fixtures, exports)
would add a tenth of its start time for nothing. The group's help lists every command from
the summaries kept here, so ``--help`` imports nothing either; a test checks that each
summary is still the command's own.
"""

from __future__ import annotations

import importlib
from typing import NamedTuple

import click

from ecwid_customers.cli.failures import OneLineGroup


class LazyCommand(NamedTuple):
    module: str  # imported when the command is first asked for
    name: str  # the click command's attribute in that module
    summary: str  # the line ``--help`` shows for it


class LazyGroup(OneLineGroup):
    def __init__(self, *args: object, lazy: dict[str, LazyCommand], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.lazy = lazy

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        found = super().get_command(ctx, cmd_name)
        if found is not None or cmd_name not in self.lazy:
            return found
        entry = self.lazy[cmd_name]
        command = getattr(importlib.import_module(entry.module), entry.name)
        if not isinstance(command, click.Command):
            raise TypeError(f"{entry.module}.{entry.name} is not a click command")
        self.add_command(command, cmd_name)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [
            (name, entry.summary if entry else self.commands[name].get_short_help_str())
            for name in self.list_commands(ctx)
            for entry in (self.lazy.get(name),)
        ]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)
