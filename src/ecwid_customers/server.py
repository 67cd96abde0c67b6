"""Run the ASGI app under uvicorn with the settings this server is measured with."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import uvicorn

from ecwid_customers.config import Settings
from ecwid_customers.http.app import EcwidApp
from ecwid_customers.storage.base import Storage


def _log_config(log_level: str) -> dict[str, Any]:
    config: dict[str, Any] = copy.deepcopy(uvicorn.config.LOGGING_CONFIG)
    # Our own log lines go where uvicorn's do, in the same format.
    config["loggers"]["ecwid_customers"] = {
        "handlers": ["default"],
        "level": log_level.upper(),
        "propagate": False,
    }
    return config


def run_server(
    storage: Storage,
    settings: Settings,
    *,
    host: str,
    port: int,
    access_log: bool = False,
    log_level: str = "info",
    on_listening: Callable[[int], None] | None = None,
) -> None:
    """Serve until SIGINT/SIGTERM. ``on_listening`` gets the bound port (useful with port 0)."""
    config = uvicorn.Config(
        EcwidApp(storage, settings),
        host=host,
        port=port,
        lifespan="on",
        loop="auto",  # uvloop when installed
        http="auto",  # httptools when installed
        access_log=access_log,
        log_level=log_level,
        log_config=_log_config(log_level),
        server_header=False,  # do not advertise the server software
        timeout_graceful_shutdown=10,
    )
    # Bind first, so the port we announce is the one we hold, even when the OS picked it.
    sock = config.bind_socket()
    if on_listening is not None:
        on_listening(sock.getsockname()[1])
    uvicorn.Server(config).run(sockets=[sock])
