"""``make bench``: load the server on loopback with wrk and write BENCHMARKS.md.

Every point runs the real server (``ecwid-customers serve``) in its own process, on a database
prepared for it, and reports absolute figures and their ratio to a ceiling measured in the
same run (``ceiling.py`` on the same uvicorn). Each run checks itself: any non-2xx answer, or a
create count that does not match the rows stored, fails the point instead of giving a number.
Loads are bounded in time and use 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import charts
import httpx
import references
import report
from processes import Server

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
BIN = Path(sys.executable).parent
CONNECTIONS = (1, 16, 64)
STORE = 1003


@dataclass
class Point:
    name: str
    connections: int
    rps: list[float] = field(default_factory=list)
    p50: list[float] = field(default_factory=list)
    p99: list[float] = field(default_factory=list)
    rss_mb: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    @property
    def median_rps(self) -> float:
        return statistics.median(self.rps) if self.rps else 0.0


# -- processes --------------------------------------------------------------------------------


def _tree_rss_mb(pid: int) -> float:
    """Resident memory of a process and its children (workers), in MB."""
    total = 0
    pids = [pid]
    children = Path(f"/proc/{pid}/task/{pid}/children")
    if children.exists():
        pids += [int(child) for child in children.read_text().split()]
    for each in pids:
        try:
            for line in Path(f"/proc/{each}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except FileNotFoundError:
            continue
    return total / 1024


def serve(database: str, port: int, workers: int = 1, token: str = "") -> tuple[Server, str, float]:
    """Start the server; the token (the one given, else the one it bootstrapped) and the
    seconds until a request first succeeded."""
    started = time.perf_counter()
    server = Server(
        [
            str(BIN / "ecwid-customers"),
            "serve",
            "--database",
            database,
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--log-level",
            "warning",
            # Production's configuration: the test kit's cost is measured on its own
            # (bench/control_overhead.py).
            "--no-control",
        ]
    )
    deadline = started + 60
    while time.perf_counter() < deadline:
        found = re.search(r"Token:\s+(secret_\w+)", server.output())
        if found:
            token = found[1]
        if token:
            try:
                response = httpx.get(
                    f"http://127.0.0.1:{port}/api/v3/{STORE}/customers?limit=1",
                    headers={"Authorization": f"Bearer {token}"},
                )
                if response.status_code == 200:
                    seconds = time.perf_counter() - started
                    _warm(port, token)
                    return server, token, seconds
            except httpx.TransportError:
                pass
        if server.process.poll() is not None:
            break
        time.sleep(0.01)
    output = server.output()
    server.stop()
    raise RuntimeError(f"server did not start:\n{output}")


# Seconds of unmeasured load on every server after it starts: its warm-up thread (the ISO
# tables, argon2, metrics, a second after start) is done before the first measured request.
WARM_UP_SECONDS = 3


def _warm(port: int, token: str) -> None:
    subprocess.run(
        ["wrk", "-t1", "-c16", f"-d{WARM_UP_SECONDS}s", "-s", str(HERE / "get.lua"),
         f"http://127.0.0.1:{port}"],
        env={**os.environ, "TOKEN": token}, capture_output=True, check=True,
        timeout=WARM_UP_SECONDS + 30,
    )  # fmt: skip


def ceiling(port: int) -> Server:
    server = Server(
        [
            str(BIN / "uvicorn"),
            "--app-dir",
            str(HERE),
            "ceiling:app",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--no-access-log",
            "--no-server-header",
        ]
    )
    for _ in range(200):
        try:
            httpx.post(f"http://127.0.0.1:{port}/", content=b"{}")
            return server
        except httpx.TransportError:
            time.sleep(0.02)
    raise RuntimeError("ceiling app did not start")


# -- load -------------------------------------------------------------------------------------


def _ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()  # type: ignore[union-attr]
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def wrk(
    url: str, script: str, connections: int, seconds: int, env: dict[str, str], pid: int
) -> dict[str, float]:
    peak = [0.0]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], _tree_rss_mb(pid))
            done.wait(0.5)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    result = subprocess.run(
        [
            "wrk",
            "-t1",
            f"-c{connections}",
            f"-d{seconds}s",
            "--latency",
            "-s",
            str(HERE / script),
            url,
        ],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        check=True,
        timeout=seconds + 60,
    )
    done.set()
    sampler.join()
    out = result.stdout
    total = int(re.search(r"(\d+) requests in", out)[1])  # type: ignore[index]
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1]),  # type: ignore[index]
        "p50": _ms(re.search(r"\s50%\s+(\S+)", out)[1]),  # type: ignore[index]
        "p99": _ms(re.search(r"\s99%\s+(\S+)", out)[1]),  # type: ignore[index]
        "requests": float(total),
        "non2xx": float(non2xx[1]) if non2xx else 0.0,
        "socket_errors": float(sum(int(g) for g in errors.groups())) if errors else 0.0,
        "rss_mb": peak[0],
    }


def _remove_database(path: Path) -> None:
    """A SQLite file and its WAL and shared-memory index, so the next server starts empty."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def _count_customers(database: str) -> int:
    out = subprocess.run(
        [str(BIN / "ecwid-customers"), "store", "list", "--database", database],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    for line in out.splitlines()[1:]:
        cells = line.split()
        if cells and cells[0] == str(STORE):
            return int(cells[-2])
    return 0


def measure(
    point: Point,
    url: str,
    script: str,
    seconds: int,
    env: dict[str, str],
    pid: int,
    database: str | None = None,
) -> None:
    """One run of one point, checked: no errors, and every acknowledged create stored."""
    before = _count_customers(database) if database else 0
    result = wrk(url, script, point.connections, seconds, env, pid)
    if result["non2xx"] or result["socket_errors"]:
        point.failures.append(
            f"{result['non2xx']:.0f} non-2xx, {result['socket_errors']:.0f} socket errors"
        )
        return
    if database:
        stored = _count_customers(database) - before
        acknowledged = int(result["requests"])
        # wrk stops with up to one request per connection in flight: stored but not counted.
        if not acknowledged <= stored <= acknowledged + point.connections:
            point.failures.append(f"{acknowledged} creates acknowledged, {stored} stored")
            return
    point.rps.append(result["rps"])
    point.p50.append(result["p50"])
    point.p99.append(result["p99"])
    point.rss_mb.append(result["rss_mb"])


# -- data -------------------------------------------------------------------------------------

_FIRST = ("Ann", "Bob", "Carla", "Dmitri", "Eve", "Farah", "Gus", "Hana", "Ivan", "Jo")
_LAST = ("Smith", "Lee", "Garcia", "Novak", "Okafor", "Tanaka", "Muller", "Rossi", "Kaur", "Silva")


def seed_sqlite(path: Path, count: int) -> None:
    """``count`` customers written through the storage layer's own insert, in big transactions
    (the server is not running; only the bulk load skips per-transaction fsync)."""
    import asyncio
    import sqlite3

    import msgspec

    from ecwid_customers.domain.create import build_new_customer, draft
    from ecwid_customers.domain.inputs import BillingPersonInput, CustomerInput
    from ecwid_customers.domain.models import Store
    from ecwid_customers.storage.core import customers
    from ecwid_customers.storage.core.session import run_sync
    from ecwid_customers.storage.sqlite import text_index
    from ecwid_customers.storage.sqlite.connection import configure
    from ecwid_customers.storage.sqlite.dialect import SQLiteSession
    from ecwid_customers.storage.sqlite.storage import SQLiteStorage

    storage = SQLiteStorage(path)
    asyncio.run(storage.open())  # migrates a new file
    asyncio.run(storage.close())
    connection = sqlite3.connect(path, isolation_level=None)
    configure(connection)
    connection.execute("PRAGMA synchronous = OFF")
    store = Store(id=STORE, languages=("en",))
    if not connection.execute("SELECT 1 FROM stores WHERE id = ?", (STORE,)).fetchone():
        connection.execute(
            "INSERT INTO stores (id, languages, created_at) VALUES (?, 'en', 0)", (STORE,)
        )
    template = build_new_customer(
        CustomerInput(email="x@example.net", billing_person=BillingPersonInput(name="x")),
        store=store,
        now=1_700_000_000,
    ).customer
    assert template.billing_person is not None
    session = SQLiteSession(connection)
    connection.execute("BEGIN")
    for n in range(count):
        name = f"{_FIRST[n % 10]} {_LAST[(n // 10) % 10]}{n}"
        email = f"user{n}@mail{n % 97}.example"
        customer = msgspec.structs.replace(
            template,
            email=email,
            name=name,
            billing_person=msgspec.structs.replace(template.billing_person, name=name),
            # The customer's own EMAIL contact is its email, as a create makes it.
            contacts=[
                msgspec.structs.replace(contact, contact=email)
                if contact.type == "EMAIL"
                else contact
                for contact in template.contacts
            ],
        )
        run_sync(customers.create(session, STORE, draft(customer), 1_700_000_000 + n))
        if n % 100_000 == 99_999:
            text_index.flush(connection)
            connection.execute("COMMIT")
            connection.execute("BEGIN")
    text_index.flush(connection)
    connection.execute("COMMIT")
    connection.close()


def _filled(path: Path, rows: int) -> None:
    """``path`` holds a store of ``rows`` customers: filled when it has fewer, and trimmed
    back when an earlier run's creates left more."""
    held = _count_customers(f"sqlite:///{path}") if path.exists() else 0
    if held < rows:
        _remove_database(path)
        print(f"filling a store with {rows:,} customers ...", flush=True)
        seed_sqlite(path, rows)
    elif held > rows:
        print(f"trimming a store of {held:,} customers back to {rows:,} ...", flush=True)
        _trim(path, rows)


def _trim(path: Path, rows: int) -> None:
    """Delete the customers past the seeded ``rows`` (the seed numbers them from 1) and merge
    the text index into one segment: otherwise every run searches
    a bigger store through an index fragmented by the runs before (on a store grown to
    1,150,000 customers, keyword searches took 3.1 ms in process before the merge and 1.7 ms
    after it)."""
    import sqlite3

    from ecwid_customers.storage.sqlite.connection import configure

    connection = sqlite3.connect(path, isolation_level=None)
    configure(connection)
    connection.execute("BEGIN IMMEDIATE")
    connection.execute("DELETE FROM customers WHERE store_id = ? AND id > ?", (STORE, rows))
    connection.execute("DELETE FROM deleted_customers WHERE store_id = ?", (STORE,))
    connection.execute("UPDATE stores SET customer_count = ? WHERE id = ?", (rows, STORE))
    connection.execute("COMMIT")
    connection.execute("INSERT INTO customer_text (customer_text) VALUES ('optimize')")
    connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    connection.close()


def _read_through(path: Path) -> None:
    """Read the whole file once, so that its pages start in the OS page cache: a store's
    first searches after a cold boot wait on the disk (on this machine a cold round of
    keyword searches among a million customers ran at 5/s, with wrk's 2 s timeouts), and the
    bench measures the server, not the disk."""
    with path.open("rb") as file:
        while file.read(8 << 20):
            pass


def seed_over_http(port: int, token: str, count: int) -> None:
    """``count`` customers with the seed's emails, created through the API (for PostgreSQL)."""
    with httpx.Client(headers={"Authorization": f"Bearer {token}"}) as client:
        for n in range(count):
            name = f"{_FIRST[n % 10]} {_LAST[(n // 10) % 10]}{n}"
            client.post(
                f"http://127.0.0.1:{port}/api/v3/{STORE}/customers",
                json={"email": f"user{n}@mail{n % 97}.example", "billingPerson": {"name": name}},
            ).raise_for_status()


def _token_for(database: str) -> str:
    out = subprocess.run(
        [
            str(BIN / "ecwid-customers"),
            "token",
            "create",
            "--database",
            database,
            "--store",
            str(STORE),
            "--scopes",
            "read_customers,create_customers,update_customers",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return out.strip()


# -- the run ----------------------------------------------------------------------------------


def profile_create(port: int, token: str, pid: int, seconds: int, out: Path) -> None:
    """py-spy samples of the server under the create load: where a create's time goes."""
    load = subprocess.Popen(
        [
            "wrk",
            "-t1",
            "-c64",
            f"-d{seconds + 2}s",
            "-s",
            str(HERE / "create.lua"),
            f"http://127.0.0.1:{port}/api/v3/{STORE}/customers",
        ],
        stdout=subprocess.DEVNULL,
        env={**os.environ, "TOKEN": token},
    )
    time.sleep(1)
    subprocess.run(
        [
            str(BIN / "py-spy"),
            "record",
            "--nonblocking",
            "--threads",
            "-d",
            str(seconds),
            "-f",
            "raw",
            "-o",
            str(out),
            "-p",
            str(pid),
        ],
        capture_output=True,
        check=False,
    )
    load.wait()


def summarise_profile(raw: Path, top: int = 15) -> str:
    samples: dict[str, int] = {}
    inclusive: dict[str, int] = {}
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, weight_text = line.rpartition(" ")
        frames = stack.split(";")
        weight = int(weight_text)
        total += weight
        samples[frames[-1]] = samples.get(frames[-1], 0) + weight
        for frame in set(frames):
            inclusive[frame] = inclusive.get(frame, 0) + weight
    lines = [f"{total} samples", "", "self time:"]
    for frame, hits in sorted(samples.items(), key=lambda item: -item[1])[:top]:
        lines.append(f"  {hits / total:6.1%}  {frame}")
    lines += ["", "inclusive time (our code):"]
    ours = [(f, c) for f, c in inclusive.items() if "ecwid_customers" in f]
    for frame, hits in sorted(ours, key=lambda item: -item[1])[:top]:
        lines.append(f"  {hits / total:6.1%}  {frame}")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3, help="repeats of every point")
    parser.add_argument("--seconds", type=int, default=5, help="length of every load")
    parser.add_argument("--rows", type=int, default=1_000_000, help="customers in the big store")
    parser.add_argument(
        "--sizes",
        default="100000",
        help="more store sizes (comma-separated, below --rows) at which creates are measured, "
        "for the chart of create cost against store size",
    )
    parser.add_argument("--no-postgres", action="store_true", help="skip the PostgreSQL points")
    parser.add_argument("--out", type=Path, default=ROOT / "BENCHMARKS.md")
    parser.add_argument(
        "--references",
        type=Path,
        help="a directory of reference servers (serve.sh NAME PORT) to measure beside ours "
        "in every round (default: $ECWID_BENCH_REFERENCES; none when unset)",
    )
    args = parser.parse_args(argv)
    # Checked first: a tool found missing after twenty minutes of loads would lose them all.
    tools = {"wrk": shutil.which("wrk") is not None, "py-spy": (BIN / "py-spy").exists()}
    missing = [tool for tool, there in tools.items() if not there]
    if missing:
        parser.error(f"{' and '.join(missing)} not installed: `make bench` installs them")
    reference_dir = references.directory(args.references)
    work = HERE / ".work"
    work.mkdir(exist_ok=True)
    points: dict[tuple[str, int], Point] = {}
    startup: dict[str, list[float]] = {"new database": [], "existing database": []}

    def point(name: str, connections: int) -> Point:
        return points.setdefault((name, connections), Point(name, connections))

    big = work / "big.db"
    _filled(big, args.rows)
    sizes = sorted({int(size) for size in args.sizes.split(",") if size.strip()})
    stores = {size: work / f"store-{size}.db" for size in sizes if 0 < size < args.rows}
    for size, path in stores.items():
        _filled(path, size)
    for path in (big, *stores.values()):
        _read_through(path)

    postgres_server = ""
    if not args.no_postgres:
        found = subprocess.run(
            [str(ROOT / "scripts" / "postgres.sh")], capture_output=True, text=True
        )
        postgres_server = found.stdout.strip()
        if not postgres_server:
            print(f"no PostgreSQL, skipping its points: {found.stderr.strip()}", flush=True)

    profile_text = ""
    for round_number in range(1, args.rounds + 1):
        print(f"round {round_number} of {args.rounds}", flush=True)
        # The ceiling: the same uvicorn, reading the same create body, answering a constant.
        top = ceiling(18100)
        for connections in CONNECTIONS:
            measure(
                point("ceiling", connections),
                "http://127.0.0.1:18100/",
                "create.lua",
                args.seconds,
                {"TOKEN": "x"},
                top.process.pid,
            )
        top.stop()

        if reference_dir is not None:
            measure_references(reference_dir, point, args.seconds, postgres_server)

        # Creates on a new store (0 rows), checked against the rows stored.
        fresh = work / "fresh.db"
        _remove_database(fresh)
        url = f"sqlite:///{fresh}"
        server, token, seconds = serve(url, 18101)
        startup["new database"].append(seconds)
        base = f"http://127.0.0.1:18101/api/v3/{STORE}/customers"
        for connections in CONNECTIONS:
            measure(
                point("create", connections),
                base,
                "create.lua",
                args.seconds,
                {"TOKEN": token},
                server.process.pid,
                url,
            )
        if round_number == 1:
            raw = work / "profile-create.txt"
            profile_create(18101, token, server.process.pid, 8, raw)
            if raw.exists():
                profile_text = summarise_profile(raw)
        server.stop()

        # The same creates with an app subscribed to the store's webhooks, whose receiver
        # takes its time (0.1 s an answer): what the outbox and the dispatcher cost the API.
        _remove_database(fresh)
        server, token, _ = serve(url, 18101)
        receiver = subprocess.Popen(
            [sys.executable, str(HERE / "receiver.py"), "18105", "0.1"],
            stdout=subprocess.PIPE,
            text=True,
        )
        time.sleep(0.3)
        subprocess.run(
            [str(BIN / "ecwid-customers"), "token", "create", "--database", url,
             "--store", str(STORE), "--scopes", "read_customers",
             "--webhook-url", "http://127.0.0.1:18105/hooks", "--client-secret", "bench-secret"],
            check=True, capture_output=True,
        )  # fmt: skip
        for connections in CONNECTIONS:
            measure(
                point("create, webhooks to a slow receiver", connections),
                base,
                "create.lua",
                args.seconds,
                {"TOKEN": token},
                server.process.pid,
                url,
            )
        server.stop()
        receiver.terminate()
        receiver.communicate(timeout=10)

        # Reads and updates on a store of 1,000 customers.
        small = work / "small.db"
        _remove_database(small)
        seed_sqlite(small, 1000)
        url = f"sqlite:///{small}"
        token = _token_for(url)
        server, _, seconds = serve(url, 18102, token=token)
        startup["existing database"].append(seconds)
        env = {"TOKEN": token, "EMAIL_PREFIX": "user"}
        root = "http://127.0.0.1:18102"
        for connections in CONNECTIONS:
            pid = server.process.pid
            measure(point("get by id", connections), root, "get.lua", args.seconds, env, pid)
            measure(
                point("search by email", connections),
                root,
                "search_email.lua",
                args.seconds,
                env,
                pid,
            )
            measure(
                point("search by keyword", connections),
                root,
                "search_keyword.lua",
                args.seconds,
                env,
                pid,
            )
            measure(point("update", connections), root, "update.lua", args.seconds, env, pid)
        server.stop()

        # Creates on stores of the sizes between: how their cost grows with the store.
        for size, path in stores.items():
            url = f"sqlite:///{path}"
            token = _token_for(url)
            server, _, _ = serve(url, 18106, token=token)
            for connections in CONNECTIONS:
                measure(
                    point(f"create, {size:,} rows", connections),
                    f"http://127.0.0.1:18106/api/v3/{STORE}/customers",
                    "create.lua",
                    args.seconds,
                    {"TOKEN": token},
                    server.process.pid,
                    url,
                )
            server.stop()

        # The big store: creates and searches among a million customers. Read through again
        # each round: this machine's page cache holds about 3 GB, less than the stores and
        # PostgreSQL's files together, so the points before may have pushed it out.
        _read_through(big)
        url = f"sqlite:///{big}"
        token = _token_for(url)
        server, _, _ = serve(url, 18103, token=token)
        env = {"TOKEN": token, "EMAIL_PREFIX": "user"}
        root = "http://127.0.0.1:18103"
        for connections in CONNECTIONS:
            pid = server.process.pid
            measure(
                point(f"create, {args.rows:,} rows", connections),
                f"{root}/api/v3/{STORE}/customers",
                "create.lua",
                args.seconds,
                env,
                pid,
                url,
            )
            measure(
                point(f"search by email, {args.rows:,} rows", connections),
                root,
                "search_email.lua",
                args.seconds,
                env,
                pid,
            )
            measure(
                point(f"search by keyword, {args.rows:,} rows", connections),
                root,
                "search_keyword.lua",
                args.seconds,
                env,
                pid,
            )
        server.stop()

        if postgres_server:
            for workers in (1, 2):
                database = postgres_server.rsplit("/", 1)[0] + "/bench_pg"
                subprocess.run(
                    [
                        "psql",
                        "-q",
                        postgres_server,
                        "-c",
                        "DROP DATABASE IF EXISTS bench_pg WITH (FORCE)",
                        "-c",
                        "CREATE DATABASE bench_pg",
                    ],
                    check=True,
                    capture_output=True,
                )
                server, token, _ = serve(database, 18104, workers)
                seed_over_http(18104, token, 1000)
                env = {"TOKEN": token}
                root = "http://127.0.0.1:18104"
                for connections in CONNECTIONS[1:]:
                    pid = server.process.pid
                    measure(
                        point(f"PostgreSQL {workers} process(es): create", connections),
                        f"{root}/api/v3/{STORE}/customers",
                        "create.lua",
                        args.seconds,
                        env,
                        pid,
                        database,
                    )
                    measure(
                        point(f"PostgreSQL {workers} process(es): get by id", connections),
                        root,
                        "get.lua",
                        args.seconds,
                        env,
                        pid,
                    )
                server.stop()
            measure_remote_postgres(point, args.seconds, postgres_server)

    # The raw figures, so that the report can be written again without measuring again.
    (work / "results.json").write_text(
        json.dumps(
            {
                "points": [dataclasses.asdict(p) for p in points.values()],
                "startup": startup,
                "profile": profile_text,
            },
            indent=1,
        )
    )
    text = report.render(points, startup, profile_text, args, draw_charts(points, args))
    args.out.write_text(text)
    print(text)
    failed = [p for p in points.values() if p.failures]
    for failing in failed:
        print(
            f"FAILED {failing.name} c={failing.connections}: {'; '.join(failing.failures)}",
            file=sys.stderr,
        )
    return 1 if failed else 0


# The database "on another machine": every chunk between the server and PostgreSQL waits this
# long, each way (bench/delay_proxy.py).
DELAY_MS = 1.0
REMOTE = report.REMOTE


def measure_remote_postgres(
    point: Callable[[str, int], Point], seconds: int, postgres_server: str
) -> None:
    """Creates at 1 and 64 connections with every round trip to PostgreSQL made 2 ms longer:
    do one store's creates run side by side, or take turns?"""
    subprocess.run(
        ["psql", "-q", postgres_server, "-c", "DROP DATABASE IF EXISTS bench_remote WITH (FORCE)",
         "-c", "CREATE DATABASE bench_remote"],
        check=True, capture_output=True,
    )  # fmt: skip
    server_part, _, _ = postgres_server.rpartition("/")
    host_port = server_part.rsplit("@", 1)[1]
    proxy = Server(
        [sys.executable, str(HERE / "delay_proxy.py"), "--listen", "127.0.0.1:15433",
         "--to", host_port, "--delay-ms", str(DELAY_MS)]
    )  # fmt: skip
    try:
        time.sleep(0.5)
        delayed = server_part.replace(host_port, "127.0.0.1:15433") + "/bench_remote"
        server, token, _ = serve(delayed, 18105)
        try:
            for connections in (1, 64):
                measure(
                    point(REMOTE, connections),
                    f"http://127.0.0.1:18105/api/v3/{STORE}/customers",
                    "create.lua",
                    seconds,
                    {"TOKEN": token},
                    server.process.pid,
                    postgres_server.rsplit("/", 1)[0] + "/bench_remote",
                )
        finally:
            server.stop()
    finally:
        proxy.stop()


def measure_references(
    where: Path, point: Callable[[str, int], Point], seconds: int, postgres_server: str
) -> None:
    """Each reference server at each connection count, in this round."""
    for reference in references.REFERENCES:
        env = {"TOKEN": references.TOKEN, "STORE": str(references.STORE)}
        if reference.postgres:
            if not postgres_server:
                continue
            recreate = ("DROP DATABASE IF EXISTS anchors WITH (FORCE)", "CREATE DATABASE anchors")
            for statement in recreate:
                subprocess.run(["psql", "-q", postgres_server, "-c", statement], check=True,
                               capture_output=True)  # fmt: skip
            env["ANCHOR_PG_DSN"] = postgres_server.rsplit("/", 1)[0] + "/anchors"
        running = references.Running(where, reference, 18106, env)
        try:
            path = (
                f"/api/v3/{references.STORE}/customers" if reference.script == "create.lua" else ""
            )
            for connections in CONNECTIONS[1:] if reference.postgres else CONNECTIONS:
                measure(
                    point(f"reference {reference.name}", connections),
                    f"http://127.0.0.1:{running.port}{path}",
                    reference.script,
                    seconds,
                    env,
                    running.pid,
                )
        finally:
            running.stop()


def draw_charts(points: dict[tuple[str, int], Point], args: argparse.Namespace) -> list[Path]:
    """The report's PNG charts, next to it."""
    folder = args.out.parent
    drawn = [
        charts.against_connections(
            points,
            ["ceiling", "create", "reference raw-durable", "reference starlette-durable"],
            "Create (SQLite): ours beside the ceiling and the references, same run",
            folder / "benchmarks-create.png",
        ),
        charts.against_connections(
            points,
            ["ceiling", "get by id", "update", "reference raw-get"],
            "GET by id and PUT (SQLite): ours beside the ceiling and the references, same run",
            folder / "benchmarks-read-update.png",
        ),
    ]
    if any(name.startswith("PostgreSQL") for name, _ in points):
        drawn.append(
            charts.against_connections(
                points,
                [
                    "PostgreSQL 1 process(es): create",
                    "PostgreSQL 2 process(es): create",
                    "reference raw-pg",
                ],
                "Create on PostgreSQL: ours beside the reference, same run",
                folder / "benchmarks-postgres.png",
            )
        )
    sizes: dict[int, dict[int, float]] = {}
    for (name, connections), item in points.items():
        found = re.fullmatch(r"create(?:, ([\d,]+) rows)?", name)
        if found and item.rps:
            rows = int(found[1].replace(",", "")) if found[1] else 0
            sizes.setdefault(rows, {})[connections] = statistics.median(item.rps)
    if sizes:
        drawn.append(charts.against_store_size(sizes, folder / "benchmarks-store-size.png"))
    return drawn


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
