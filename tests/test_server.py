"""``server``: what it logs keeps database passwords out."""

from __future__ import annotations

import logging
import sys

from ecwid_customers.logs import JsonFormatter
from ecwid_customers.server import RedactUrlPasswords, _log_config


def test_log_lines_show_database_passwords_as_stars() -> None:
    record = logging.LogRecord(
        "ecwid_customers.storage", logging.ERROR, __file__, 1,
        "database unavailable: %s (%d)", ("postgresql://app:hunter2@db/x", 3), None,
    )  # fmt: skip
    assert RedactUrlPasswords().filter(record)
    assert record.getMessage() == "database unavailable: postgresql://app:***@db/x (3)"


def test_every_handler_but_the_access_logs_redacts() -> None:
    config = _log_config("info")
    assert config["handlers"]["default"]["filters"] == ["redact_urls"]
    assert config["filters"]["redact_urls"] == {"()": RedactUrlPasswords}


def test_tracebacks_show_database_passwords_as_stars() -> None:
    try:
        raise ConnectionError("cannot reach postgresql://app:hunter2@db/x")
    except ConnectionError:
        record = logging.LogRecord(
            "ecwid_customers.storage", logging.ERROR, __file__, 1, "no database", (),
            sys.exc_info(),
        )  # fmt: skip
    assert RedactUrlPasswords().filter(record)
    for formatter in (logging.Formatter(), JsonFormatter()):
        shown = formatter.format(record)
        assert "postgresql://app:***@db/x" in shown
        assert "hunter2" not in shown
