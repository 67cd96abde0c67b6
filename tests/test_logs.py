"""``serve --log-format json``: every log record one line of JSON, uvicorn's and ours."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from ecwid_customers.logs import JsonFormatter
from tests.support.servers import Server, stop_cleanly


def _record(**extra: Any) -> logging.LogRecord:
    fields: dict[str, Any] = {
        "name": "ecwid_customers.http",
        "level": logging.ERROR,
        "pathname": __file__,
        "lineno": 1,
        "msg": "unhandled error in %s %s",
        "args": ("GET", "/api/v3/1/customers"),
        "exc_info": None,
    }
    return logging.LogRecord(**{**fields, **extra})


def test_a_record_is_one_json_object() -> None:
    line = JsonFormatter().format(_record(created=0))
    entry = json.loads(line)
    assert entry == {
        "time": entry["time"],
        "level": "ERROR",
        "logger": "ecwid_customers.http",
        "message": "unhandled error in GET /api/v3/1/customers",
    }
    assert entry["time"].endswith("Z")


def test_an_exception_stays_on_its_line() -> None:
    try:
        raise ValueError("first line\nsecond line")
    except ValueError:
        record = _record(exc_info=sys.exc_info())
    line = JsonFormatter().format(record)
    assert "\n" not in line
    exception = json.loads(line)["exception"]
    assert exception.startswith("Traceback (most recent call last):")
    assert "ValueError: first line\nsecond line" in exception


def test_an_access_line_gets_its_parts_as_fields() -> None:
    record = _record(
        name="uvicorn.access",
        level=logging.INFO,
        msg='%s - "%s %s HTTP/%s" %d',
        args=("127.0.0.1:5000", "GET", "/healthz", "1.1", 200),
    )
    entry = json.loads(JsonFormatter().format(record))
    assert entry["message"] == '127.0.0.1:5000 - "GET /healthz HTTP/1.1" 200'
    assert (entry["method"], entry["path"], entry["status"]) == ("GET", "/healthz", 200)


def test_serve_logs_json_lines(launch: Callable[..., Server], tmp_path: Path) -> None:
    server = launch(tmp_path / "logged.db", "--log-format", "json", "--access-log")
    assert httpx.get(f"http://127.0.0.1:{server.port}/healthz").status_code == 200
    stop_cleanly(server)
    # The banner is printed, not logged; every other line is a record.
    entries = [json.loads(line) for line in server.lines if line.startswith("{")]
    assert all(set(entry) >= {"time", "level", "logger", "message"} for entry in entries)
    loggers = {entry["logger"] for entry in entries}
    assert {"uvicorn.error", "uvicorn.access", "ecwid_customers.server"} <= loggers
    assert any(entry.get("path") == "/healthz" for entry in entries)
    assert not [line for line in server.lines if "INFO:" in line]  # no text record is left
