"""The ``ecwid-customers`` command: serve the API, manage stores, tokens and the schema.

One module per command group, imported when its command runs (``lazy.py``); what they share
(``--database``, opening storage) is in ``common.py``.
"""

from __future__ import annotations

import click

from ecwid_customers import __version__
from ecwid_customers.cli.lazy import LazyCommand, LazyGroup

COMMANDS = {
    "db": LazyCommand(
        "ecwid_customers.cli.database", "db", "Database schema: upgrade and inspect."
    ),
    "serve": LazyCommand(
        "ecwid_customers.cli.serve",
        "serve",
        "Run the API server (and its control plane, unless --no-control).",
    ),
    "store": LazyCommand(
        "ecwid_customers.cli.stores", "store", "Create, list, export, import and change stores."
    ),
    "token": LazyCommand(
        "ecwid_customers.cli.tokens", "token", "Create, list and revoke access tokens."
    ),
    "webhooks": LazyCommand(
        "ecwid_customers.cli.webhooks",
        "webhooks",
        "See, redeliver, pause and fire a store's webhooks (a running server delivers them).",
    ),
}


@click.group(cls=LazyGroup, lazy=COMMANDS, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="ecwid-customers")
def main() -> None:
    """Ecwid's Customers REST API (v3), served from your own database.

    Start with `ecwid-customers serve`: on an empty database it creates store 1003 and a
    token, and prints a curl line to try.
    """
