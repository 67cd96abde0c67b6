"""BENCHMARKS.md from a run's figures: every scenario, its ratio to the ceiling and to the
reference servers of the same run, the benchmark issue's targets met or missed, the charts."""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import statistics
from collections.abc import Mapping
from pathlib import Path
from typing import Protocol


class Measured(Protocol):
    name: str
    connections: int
    rps: list[float]
    p50: list[float]
    p99: list[float]
    rss_mb: list[float]
    failures: list[str]

    @property
    def median_rps(self) -> float: ...


Points = Mapping[tuple[str, int], Measured]

# Ours, and the reference server it is compared with (see references.py).
COMPARED = (
    ("create", "reference raw-durable"),
    ("create", "reference starlette-durable"),
    ("get by id", "reference raw-get"),
    ("PostgreSQL 1 process(es): create", "reference raw-pg"),
    ("PostgreSQL 2 process(es): create", "reference raw-pg"),
)


def _machine() -> str:
    cpu = "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    memory_kb = int(Path("/proc/meminfo").read_text().split()[1])
    return (
        f"{os.cpu_count()} CPUs ({cpu}), {memory_kb / 1024 / 1024:.0f} GiB, "
        f"{platform.system()} {platform.release()}, Python {platform.python_version()}"
    )


def _cell(values: list[float], digits: int = 0) -> str:
    if not values:
        return "-"
    middle = statistics.median(values)
    if len(values) == 1:
        return f"{middle:,.{digits}f}"
    return f"{middle:,.{digits}f} ({min(values):,.{digits}f}-{max(values):,.{digits}f})"


# The scenario with PostgreSQL behind bench/delay_proxy.py (a database on another machine).
REMOTE = "PostgreSQL 1 ms away: create"


def ratio(points: Points, name: str, base: str, connections: int) -> float:
    top, item = points.get((base, connections)), points.get((name, connections))
    if not top or not item or not top.median_rps:
        return 0.0
    return item.median_rps / top.median_rps


def _median(values: list[float], missing: float) -> float:
    return statistics.median(values) if values else missing


def targets(points: Points, startup: Mapping[str, list[float]], rows: int) -> list[str]:
    """The benchmark issue's targets, each with the figure measured and met / missed."""
    big = f"{rows:,} rows"
    checks: list[tuple[str, float, bool, str]] = []
    for connections in (16, 64):
        value = ratio(points, "create", "ceiling", connections)
        checks.append((f"create >= 0.30 of the ceiling at {connections}", value, value >= 0.3,
                       "{:.2f}"))  # fmt: skip
        if ("reference starlette-durable", connections) in points:
            value = ratio(points, "create", "reference starlette-durable", connections)
            checks.append((f"create faster than starlette-durable at {connections}", value,
                           value > 1, "{:.2f} of it"))  # fmt: skip
    create_64 = points.get(("create", 64))
    p99 = _median(create_64.p99, float("inf")) if create_64 else float("inf")
    checks.append(("create p99 < 20 ms at 64", p99, p99 < 20, "{:.1f} ms"))
    for connections in (16, 64):
        value = ratio(points, "get by id", "ceiling", connections)
        checks.append((f"GET by id >= 0.45 of the ceiling at {connections}", value, value >= 0.45,
                       "{:.2f}"))  # fmt: skip
        value = ratio(points, "update", "ceiling", connections)
        checks.append((f"PUT >= 0.20 of the ceiling at {connections}", value, value >= 0.2,
                       "{:.2f}"))  # fmt: skip
    found = points.get((f"search by email, {big}", 1))
    p50 = _median(found.p50, float("inf")) if found else float("inf")
    checks.append((f"search by email on {big}: p50 < 2 ms at 1", p50, p50 < 2, "{:.2f} ms"))
    found = points.get((f"search by keyword, {big}", 16))
    rate = found.median_rps if found else 0.0
    checks.append((f"keyword search on {big} >= 1,000/s at 16", rate, rate >= 1000, "{:,.0f}/s"))
    for connections in (16, 64):
        key = ("PostgreSQL 1 process(es): create", connections)
        if key in points and ("reference raw-pg", connections) in points:
            value = ratio(points, key[0], "reference raw-pg", connections)
            checks.append((f"PostgreSQL create >= 0.5 of raw-pg at {connections}", value,
                           value >= 0.5, "{:.2f}"))  # fmt: skip
            value = ratio(points, "PostgreSQL 2 process(es): create", key[0], connections)
            checks.append((f"PostgreSQL: 2 processes >= 1 process at {connections}", value,
                           value >= 1, "{:.2f}x"))  # fmt: skip
    near, far = points.get((REMOTE, 1)), points.get((REMOTE, 64))
    if near and far and near.median_rps:
        value = far.median_rps / near.median_rps
        checks.append(("PostgreSQL 1 ms away: create at 64 >= 10x create at 1", value,
                       value >= 10, "{:.1f}x"))  # fmt: skip
    rss = max((max(p.rss_mb) for p in points.values() if p.rss_mb and not p.name.startswith(
        ("ceiling", "PostgreSQL", "reference"))), default=0.0)  # fmt: skip
    checks.append(("peak RSS < 100 MB (SQLite, one process)", rss, rss < 100, "{:.0f} MB"))
    start = _median(list(startup.get("existing database", [])), 9.0)
    checks.append(("start to first request < 0.5 s", start, start < 0.5, "{:.2f} s"))
    return [
        f"- {'met' if ok else '**missed**'}: {what}: {template.format(value)}"
        for what, value, ok, template in checks
    ]


def _references(points: Points) -> list[str]:
    rows = []
    for ours, reference in COMPARED:
        for connections in (1, 16, 64):
            mine, theirs = points.get((ours, connections)), points.get((reference, connections))
            if not mine or not theirs or not theirs.median_rps:
                continue
            rows.append(
                f"| {ours} | {reference.removeprefix('reference ')} | {connections} | "
                f"{mine.median_rps:,.0f} | {theirs.median_rps:,.0f} | "
                f"{mine.median_rps / theirs.median_rps:.2f} | "
                f"{ratio(points, reference, 'ceiling', connections):.2f} |"
            )
    if not rows:
        return []
    return [
        "",
        "## Beside the reference servers",
        "",
        "The reference servers (`bench/references.py`) do a reduced version of the same call on",
        "the same machine in the same run: a create that decodes the body and inserts it with",
        "one index (`raw-durable` raw ASGI, `starlette-durable` in Starlette, both on one SQLite",
        "writer thread with group commit; `raw-pg` one INSERT per request on PostgreSQL), a GET",
        "that answers a stored document as stored (`raw-get`).",
        "",
        "| ours | reference | connections | ours req/s | reference req/s | ours / reference "
        "| reference / ceiling |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: |",
        *rows,
    ]


def render(
    points: Points,
    startup: Mapping[str, list[float]],
    profile: str,
    args: argparse.Namespace,
    drawn: list[Path],
) -> str:
    now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "# Benchmarks",
        "",
        f"Written by `make bench` (`bench/run.py --rounds {args.rounds} --seconds {args.seconds}"
        f" --rows {args.rows}`) on {now}.",
        "",
        f"Machine: {_machine()}. The load generator (wrk, 1 thread) shares the machine.",
        "",
        "Each cell: the median of the rounds, with the range in brackets. Ratio: median requests/s",
        "over the ceiling's at the same connection count (the ceiling is an ASGI app that reads",
        "the body and answers a constant, on the same uvicorn, measured in the same run). Latency",
        "is wrk's, each connection sending its next request when the last is answered (not",
        "corrected for coordinated omission). Every server had 3 s of GET load after it started,",
        "not measured, so its warm-up (a second after start) is behind it. The SQLite store",
        "files were read through before the first round (the big store's again before its",
        "points in every round), so their pages start in the OS page cache, as on a server",
        "that has run a while. RSS: peak resident",
        "memory of the server processes. Every run checked that all answers were 2xx and, for",
        "creates, that the rows stored match the creates acknowledged; a run that failed this",
        "has no number.",
        "",
        "| scenario | connections | requests/s | ratio to ceiling | p50 ms | p99 ms "
        "| peak RSS MB |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for (name, connections), item in points.items():
        failed = f" **FAILED: {'; '.join(item.failures)}**" if item.failures else ""
        lines.append(
            f"| {name}{failed} | {connections} | {_cell(item.rps)} | "
            f"{ratio(points, name, 'ceiling', connections):.2f} | "
            f"{_cell(item.p50, 2)} | {_cell(item.p99, 2)} | {_cell(item.rss_mb)} |"
        )
    lines += ["", "Start of `ecwid-customers serve` to its first successful request, seconds:", ""]
    for name, values in startup.items():
        lines.append(f"- {name}: {_cell(values, 2)}")
    lines += _references(points)
    if drawn:
        lines += ["", "## Charts", ""]
        lines += [f"![{path.stem}]({path.name})" for path in drawn]
    lines += ["", "## Targets", "", *targets(points, startup, args.rows), "",
              "Why the targets that are missed are missed, and what the profile shows:",
              "[bench/README.md](bench/README.md)."]  # fmt: skip
    if profile:
        lines += [
            "",
            "## Where a create's time goes",
            "",
            "py-spy, 8 s of the create load at 64 connections on a new store:",
            "",
            "```text",
            profile,
            "```",
        ]
    return "\n".join(lines) + "\n"
