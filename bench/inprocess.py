"""Creates, GETs or PUTs through the app in this process, without HTTP: where a request's CPU goes.

    .venv/bin/python bench/inprocess.py [--requests N] [--concurrency N] [--kind KIND]
                                        [--statements]

Prints requests/s and the CPU each thread spent per request (the event loop's and the SQLite
writer's, read from /proc), so a change to the request path can be judged without wrk and
with less noise than a load over loopback: CPU per request moves little when other work
shares the machine, throughput moves a lot. Run it under ``py-spy record -t`` for a profile.
``--statements`` (SQLite) also times every statement the event loop's thread runs, by its
first words: how often a request runs it, its wall time and its CPU.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import sqlite3
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from ecwid_customers import admin
from ecwid_customers.application import serving_app
from ecwid_customers.config import Settings
from ecwid_customers.storage import open_storage

BODY = Path(__file__).with_name("create.lua").read_text().split("[[", 1)[1].split("]]", 1)[0]
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _thread_cpu() -> dict[str, float]:
    """CPU seconds per thread name of this process."""
    names = {t.native_id: t.name for t in threading.enumerate()}
    seconds: dict[str, float] = {}
    for tid in os.listdir("/proc/self/task"):
        fields = Path(f"/proc/self/task/{tid}/stat").read_text().rsplit(")", 1)[1].split()
        name = names.get(int(tid), "other")
        ticks = int(fields[11]) + int(fields[12])
        seconds[name] = seconds.get(name, 0.0) + ticks / CLOCK_TICKS
    return seconds


class _Statements:
    """Counts and times the statements the event loop's thread runs, by their first words."""

    def __init__(self) -> None:
        self.loop_thread = threading.get_ident()
        self.on = False
        self.seen: dict[str, list[float]] = {}  # [count, wall seconds, CPU seconds]

    def connection_type(self) -> type[sqlite3.Connection]:
        statements = self

        class Timed(sqlite3.Connection):
            def execute(self, sql: str, *args: Any) -> sqlite3.Cursor:
                if not statements.on or threading.get_ident() != statements.loop_thread:
                    return super().execute(sql, *args)
                wall, cpu = time.perf_counter(), time.thread_time()
                try:
                    return super().execute(sql, *args)
                finally:
                    seen = statements.seen.setdefault(" ".join(sql.split()[:2]), [0, 0.0, 0.0])
                    seen[0] += 1
                    seen[1] += time.perf_counter() - wall
                    seen[2] += time.thread_time() - cpu

        return Timed

    def report(self, requests: int) -> None:
        print("  statements on the event loop's thread, per request:")
        for words, (count, wall, cpu) in sorted(self.seen.items(), key=lambda kv: -kv[1][1]):
            print(
                f"    {words:<24} {count / requests:5.2f} times, "
                f"{wall / requests * 1e6:6.1f} µs wall, {cpu / requests * 1e6:6.1f} µs CPU"
            )


def _timing_connections(statements: _Statements) -> None:
    """Every SQLite connection opened from now on in this process times its statements."""
    connect = sqlite3.connect
    timed = statements.connection_type()

    def timed_connect(*args: Any, **kwargs: Any) -> sqlite3.Connection:
        kwargs.setdefault("factory", timed)
        connection: sqlite3.Connection = connect(*args, **kwargs)
        return connection

    sqlite3.connect = timed_connect  # type: ignore[assignment]


async def _call(app: Any, method: str, path: str, token: str, body: bytes) -> int:
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"127.0.0.1"),
            (b"authorization", f"Bearer {token}".encode()),
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
        ],
        "client": ("127.0.0.1", 5000),
        "server": ("127.0.0.1", 8000),
    }
    status = 0

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    await app(scope, receive, send)
    return status


def _update_body(n: int) -> bytes:
    """``update.lua``'s change: notes, a billing field and marketing consent."""
    consent = "true" if n % 2 == 0 else "false"
    return (
        f'{{"privateAdminNotes":"note {n}","billingPerson":{{"city":"City {n % 50}"}},'
        f'"acceptMarketing":{consent}}}'
    ).encode()


async def run(args: argparse.Namespace, database: Path) -> None:
    statements = _Statements() if args.statements else None
    if statements is not None:
        _timing_connections(statements)
    storage = open_storage(args.database or f"sqlite:///{database}")
    await storage.open()
    issued = await admin.bootstrap(storage)
    assert issued is not None, "the database must be empty: the run makes its store 1003"
    app = serving_app(storage, Settings(webhooks=False))
    path = f"/api/v3/{admin.DEFAULT_STORE_ID}/customers"
    counter = 0

    def create_body() -> bytes:
        nonlocal counter
        counter += 1
        return (BODY % (7, counter)).encode()

    if args.kind != "create":
        for _ in range(1000):
            assert await _call(app, "POST", path, issued.token, create_body()) == 200

    async def client(share: int, first: int) -> None:
        # Each client walks the customers from its own place, as wrk's scripts spread theirs:
        # every client on one id at once would be a worst case no real load has.
        for n in range(first, first + share):
            one = f"{path}/{n % 1000 + 1}"
            if args.kind == "create":
                status = await _call(app, "POST", path, issued.token, create_body())
            elif args.kind == "update":
                status = await _call(app, "PUT", one, issued.token, _update_body(n))
            else:
                status = await _call(app, "GET", one, issued.token, b"")
            assert status == 200, status

    share = args.requests // args.concurrency
    if statements is not None:
        statements.on = True
    before, started = _thread_cpu(), time.perf_counter()
    await asyncio.gather(*(client(share, i * share) for i in range(args.concurrency)))
    elapsed, after = time.perf_counter() - started, _thread_cpu()
    if statements is not None:
        statements.on = False
    done = share * args.concurrency
    print(f"{args.kind}: {done / elapsed:,.0f}/s over {done:,} requests, c{args.concurrency}")
    for name in sorted(after):
        spent = after[name] - before.get(name, 0.0)
        if spent > 0:
            print(f"  {name:>16}: {spent / done * 1e6:7.1f} µs CPU per request")
    if statements is not None:
        statements.report(done)
    await storage.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--kind", choices=("create", "get", "update"), default="create")
    parser.add_argument(
        "--statements",
        action="store_true",
        help="time each statement the event loop's thread runs (SQLite)",
    )
    parser.add_argument(
        "--database", help="an empty database's URL (default: a new SQLite file, removed after)"
    )
    args = parser.parse_args()
    with contextlib.suppress(ImportError):
        import uvloop  # the server's loop

        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    with tempfile.TemporaryDirectory() as work:
        asyncio.run(run(args, Path(work) / "bench.db"))


if __name__ == "__main__":
    main()
