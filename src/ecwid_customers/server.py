"""Run the ASGI app under uvicorn: one process, or several workers sharing one socket.

Workers are separate processes, so each builds its own app and storage from the environment
(``worker_app``); that keeps them stateless, with PostgreSQL as the one shared state.
"""

from __future__ import annotations

import copy
import json
import logging
import os
import resource
import socket
from collections.abc import Callable
from dataclasses import asdict
from typing import Any

import uvicorn
from uvicorn.supervisors import Multiprocess

from ecwid_customers.application import serving_app
from ecwid_customers.config import Settings, plan_serving, redact_url
from ecwid_customers.control import DROPPED
from ecwid_customers.domain.tokens import redact_query
from ecwid_customers.http import app as http_app
from ecwid_customers.http.asgi import App
from ecwid_customers.http.protocol import GuardedHttpToolsProtocol
from ecwid_customers.logs import JsonFormatter
from ecwid_customers.storage import open_storage
from ecwid_customers.storage.urls import DATABASE_URL_ENV

SETTINGS_ENV = "ECWID_CUSTOMERS_SETTINGS"

logger = logging.getLogger("ecwid_customers.server")


class HideDroppedByFault(logging.Filter):
    """uvicorn calls a deliberate drop (see ``DROPPED`` in ``control/app.py``) an application
    error; the app logs the drop itself, so this keeps a false alarm out of the log."""

    def filter(self, record: logging.LogRecord) -> bool:
        return DROPPED not in record.args if isinstance(record.args, tuple) else True


class RedactQueryTokens(logging.Filter):
    """Access log lines show the path with its query; a ``?token=`` (``--allow-query-token``)
    would put a live token in the log. It is replaced by ``***``."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(
                _redact_path(arg) if isinstance(arg, str) else arg for arg in record.args
            )
        return True


class RedactUrlPasswords(logging.Filter):
    """A database URL in a log line (a driver's error, say), or in the traceback it carries,
    shows its password as ``***``."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        shown = redact_url(message)
        if shown != message:
            record.msg, record.args = shown, ()
        if record.exc_info and not record.exc_text:
            # Formatters print exc_text when it is set, rather than formatting exc_info.
            record.exc_text = redact_url(_TRACEBACKS.formatException(record.exc_info))
        return True


_TRACEBACKS = logging.Formatter()


def _redact_path(text: str) -> str:
    path, mark, query = text.partition("?")
    return path + mark + redact_query(query) if mark else text


def _log_config(log_level: str, log_format: str = "text") -> dict[str, Any]:
    config: dict[str, Any] = copy.deepcopy(uvicorn.config.LOGGING_CONFIG)
    if log_format == "json":
        # uvicorn's records and ours alike, one JSON object a line (logs.py).
        for formatter in ("default", "access"):
            config["formatters"][formatter] = {"()": JsonFormatter}
    config.setdefault("filters", {})["hide_dropped"] = {"()": HideDroppedByFault}
    config["loggers"]["uvicorn.error"]["filters"] = ["hide_dropped"]
    config["filters"]["redact_tokens"] = {"()": RedactQueryTokens}
    config["loggers"]["uvicorn.access"]["filters"] = ["redact_tokens"]
    config["filters"]["redact_urls"] = {"()": RedactUrlPasswords}
    config["handlers"]["default"]["filters"] = ["redact_urls"]  # every line but the access log
    # Our own log lines go where uvicorn's do, in the same format.
    config["loggers"]["ecwid_customers"] = {
        "handlers": ["default"],
        "level": log_level.upper(),
        "propagate": False,
    }
    return config


# Open files kept for other things than clients: the database, its readers, webhook sockets.
FD_RESERVE = 64


def raise_open_file_limit() -> int:
    """Raise this process's soft limit on open files to its hard limit; the limit now."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or hard > soft:
        wanted = hard if hard != resource.RLIM_INFINITY else max(soft, 1 << 20)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
            soft = wanted
        except (ValueError, OSError):
            pass  # some systems cap it lower than they report: keep what we have
    return soft


def configure_connections(settings: Settings) -> tuple[int, int]:
    """Set the connection guards from ``settings``; the open-file limit and the connection
    limit in effect."""
    files = raise_open_file_limit()
    limit = settings.max_connections or max(1, files - FD_RESERVE)
    GuardedHttpToolsProtocol.configure(
        head_timeout=settings.head_timeout,
        body_timeout=settings.body_timeout,
        write_timeout=settings.write_timeout,
        max_connections=limit,
    )
    return files, limit


class ListenError(OSError):
    """The server cannot take its address (the port is in use, the address is not this
    machine's); the message is one line for the operator."""


def listen(host: str, port: int, backlog: int) -> socket.socket:
    """A listening TCP socket on ``host:port`` (uvicorn's own binding, which on failure logs
    and exits, raises :class:`ListenError` here instead)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family=family)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        sock.listen(backlog)
    except OSError as error:
        sock.close()
        reason = (error.strerror or str(error)).lower()
        raise ListenError(f"cannot listen on {host}:{port}: {reason}") from None
    sock.set_inheritable(True)  # worker processes serve the same socket
    return sock


def worker_app() -> App:
    """The app of one worker process, configured by the environment its parent set."""
    settings = Settings(**json.loads(os.environ.get(SETTINGS_ENV, "{}")))
    configure_connections(settings)
    http_app.FREEZE_HEAP = True  # this process is the server's own
    return serving_app(open_storage(os.environ[DATABASE_URL_ENV]), settings)


def run_server(
    database_url: str,
    settings: Settings,
    *,
    host: str,
    port: int,
    workers: int = 1,
    access_log: bool = False,
    log_level: str = "info",
    log_format: str = "text",
    on_listening: Callable[[int], None] | None = None,
) -> None:
    """Serve until SIGINT/SIGTERM. ``on_listening`` gets the bound port (useful with port 0)
    once the socket listens and before requests are served: ``serve`` makes its first store
    there, so a start that cannot listen (:class:`ListenError`) has changed nothing.

    ``settings`` pass the same check as ``serve``'s options (``config.plan_serving``): the
    control plane is on exactly when they carry an admin token."""
    plan = plan_serving(
        database_url, settings, workers=workers, control=settings.admin_token is not None
    )
    for note in plan.notes:
        logger.warning("%s", note)
    settings = plan.settings
    files, connections = configure_connections(settings)
    options: dict[str, Any] = {
        "host": host,
        "port": port,
        "lifespan": "on",
        "loop": "auto",  # uvloop when installed
        # httptools, with bounds on request heads and Ecwid-shaped refusals (http/protocol.py).
        "http": GuardedHttpToolsProtocol,
        # No WebSockets here: an Upgrade request is answered as plain HTTP.
        "ws": "none",
        "access_log": access_log,
        "log_level": log_level,
        "log_config": _log_config(log_level, log_format),
        "server_header": False,  # do not advertise the server software
        "timeout_graceful_shutdown": 10,
    }
    if workers > 1:
        os.environ[DATABASE_URL_ENV] = database_url
        os.environ[SETTINGS_ENV] = json.dumps(asdict(settings))
        config = uvicorn.Config(
            "ecwid_customers.server:worker_app", factory=True, workers=workers, **options
        )
    else:
        http_app.FREEZE_HEAP = True  # this process is the server's own
        config = uvicorn.Config(serving_app(open_storage(database_url), settings), **options)
    # Bind and listen first, so the port we announce is the one we hold (even when the OS
    # picked it) and connections made right away wait in the backlog instead of being refused.
    sock = listen(host, port, config.backlog)
    if on_listening is not None:
        try:
            on_listening(sock.getsockname()[1])
        except BaseException:
            sock.close()
            raise
    # Logged once uvicorn.Config has set logging up, and the start is sure to go on.
    logger.info("open files allowed: %d; connections served at once: %d", files, connections)
    if workers > 1:
        Multiprocess(config, sockets=[sock]).run()
    else:
        uvicorn.Server(config).run(sockets=[sock])
