"""The ``ecwid-customers`` command: serve the API, manage stores, tokens and the schema.

One module per command group; what they share (``--database``, opening storage) is in
``common.py``.
"""

from __future__ import annotations

import click

from ecwid_customers import __version__
from ecwid_customers.cli.database import db
from ecwid_customers.cli.failures import OneLineGroup
from ecwid_customers.cli.serve import serve
from ecwid_customers.cli.stores import store
from ecwid_customers.cli.tokens import token
from ecwid_customers.cli.webhooks import webhooks


@click.group(cls=OneLineGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="ecwid-customers")
def main() -> None:
    """Ecwid's Customers REST API (v3), served from your own database.

    Start with `ecwid-customers serve`: on an empty database it creates store 1003 and a
    token, and prints a curl line to try.
    """


for command in (serve, store, token, webhooks, db):
    main.add_command(command)
