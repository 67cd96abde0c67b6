"""``serve --log-format json``: each log record as one line of JSON, for log collectors.

A small stdlib :class:`logging.Formatter` rather than a library such as python-json-logger:
the fields are fixed and few, msgspec (already a dependency) encodes them, and a JSON string
escapes its newlines, so a traceback stays on its record's one line.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

import msgspec

_encode = msgspec.json.Encoder().encode

# uvicorn's access records carry these arguments, in this order.
_ACCESS_LOGGER = "uvicorn.access"
_ACCESS_FIELDS = ("client", "method", "path", "http_version", "status")


class JsonFormatter(logging.Formatter):
    """``{"time", "level", "logger", "message"}``, plus ``exception`` (the traceback) when the
    record has one, and an access line's parts (client, method, path, status) as fields."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        args = record.args
        if (
            record.name == _ACCESS_LOGGER
            and isinstance(args, tuple)
            and len(args) == len(_ACCESS_FIELDS)
        ):
            entry.update(zip(_ACCESS_FIELDS, args, strict=True))
        # The text a filter may have set (redacted, see server.RedactUrlPasswords) comes first.
        if record.exc_text:
            entry["exception"] = record.exc_text
        elif record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return _encode(entry).decode()
