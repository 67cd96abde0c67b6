"""What ``serve`` loads before its first answer, and what it leaves for later.

The start-to-first-request time is mostly imports; these tests keep the heavy ones that no
first request needs (metrics, argon2, the API reference, the ISO tables, the other
commands) out of it, and check that the warm-up thread does load them soon after.
"""

from __future__ import annotations

import re
import sys
import time
from pathlib import Path

import httpx

from tests.support.servers import Server, bootstrap_token, start_command, stop_cleanly

# Imported by the warm-up thread a second after start, or by the first request needing one.
LATER = ("prometheus_client", "argon2", "pycountry")
# Never needed to serve the API's first request.
NOT_AT_START = (
    *LATER,
    "swagger_ui_bundle",
    "ecwid_customers.http.openapi",
    "ecwid_customers.http.openapi_tables",
    "aiohttp",
    "alembic",
    "sqlalchemy",
    "faker",
    "rich",
    "ecwid_customers.cli.stores",
    "ecwid_customers.cli.seed",
    "ecwid_customers.cli.tokens",
    "ecwid_customers.cli.webhooks",
    "ecwid_customers.cli.database",
)

# ``serve`` as the console script runs it, with the warm-up's delay set first (so a slow
# machine cannot let it run before the first request) when the test asks.
_SCRIPT = """
import sys
from ecwid_customers.http import app
if sys.argv[1] == "no-warm-up":
    app.WARM_UP_AFTER = 3600.0
del sys.argv[1]
from ecwid_customers.cli import main
main()
"""


def _serve(database: Path, warm_up: str) -> Server:
    command = [sys.executable, "-X", "importtime", "-c", _SCRIPT, warm_up, "serve",
               "--database", f"sqlite:///{database}", "--port", "0"]  # fmt: skip
    return start_command(command, env={"PATH": "/usr/bin:/bin"})


def _imported(output: str) -> set[str]:
    found = re.findall(r"^import time:\s+\d+ \|\s+\d+ \|\s*(\S+)$", output, re.MULTILINE)
    assert found, output  # -X importtime wrote nothing: the test would prove nothing
    return set(found)


def _first_request(server: Server, token: str) -> None:
    answer = httpx.get(server.base() + "/customers", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200, answer.text


def _top_level(modules: set[str]) -> set[str]:
    return modules | {name.partition(".")[0] for name in modules}


def test_first_request_needs_none_of_the_heavy_modules(tmp_path: Path) -> None:
    # The first start of a database migrates it (alembic) and writes its first store (the
    # writer's metrics): the start measured is of a database in use, the usual one.
    first = _serve(tmp_path / "start.db", "no-warm-up")
    token = bootstrap_token(first)
    stop_cleanly(first)
    server = _serve(tmp_path / "start.db", "no-warm-up")
    try:
        _first_request(server, token)
    finally:
        stop_cleanly(server)
    imported = _top_level(_imported(server.output))
    # What serve does need is seen (importlib.import_module's own imports, such as the lazy
    # command's module, are not timed, hence these two).
    assert "uvicorn" in imported
    assert "ecwid_customers.server" in imported
    assert sorted(imported & set(NOT_AT_START)) == []


def test_warm_up_loads_them_soon_after_start(tmp_path: Path) -> None:
    server = _serve(tmp_path / "warm.db", "warm-up")
    try:
        _first_request(server, bootstrap_token(server))
        deadline = time.monotonic() + 15
        while not set(LATER) <= _top_level(_imported(server.output)):
            assert time.monotonic() < deadline, "the warm-up did not import " + str(LATER)
            time.sleep(0.1)
    finally:
        stop_cleanly(server)
