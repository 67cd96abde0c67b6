"""``make reliability``: run the reliability tests several times and print their figures.

The tests (crash, shutdown, fault load, fuzzing, isolation, properties) run in CI on every
change; this script repeats them and sums up what they saw, for docs/reliability.md: fuzz
cases and 5xx answers, faults injected, creates acknowledged before a SIGKILL and found after
it, cross-store refusals. Needs PostgreSQL as ``make test`` does (``scripts/postgres.sh``).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ElementTree
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PYTEST = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
REPEATED = [
    "tests/test_crash.py",
    "tests/test_fault_load.py",
    "tests/http/test_fuzz.py",
    "tests/webhooks/test_processes.py",
    "tests/test_attacks.py",
]
COUNTED = [
    "tests/http/test_isolation.py",
    "tests/http/test_properties.py",
    "tests/control",
    "tests/http/test_limits.py",
    "tests/http/test_connection_limits.py",
    "tests/storage/test_sqlite_faults.py",
]


def _postgres() -> str:
    found = subprocess.run(
        [str(ROOT / "scripts" / "postgres.sh")], capture_output=True, text=True, check=False
    )
    if found.returncode != 0:
        sys.exit(f"PostgreSQL is needed: {found.stderr.strip()}")
    return found.stdout.strip()


def _pytest(paths: list[str], env: dict[str, str], junit: Path | None = None) -> None:
    command = [*PYTEST, *paths]
    if junit is not None:
        command.append(f"--junitxml={junit}")
    result = subprocess.run(command, cwd=ROOT, env=env, check=False)
    if result.returncode != 0:
        sys.exit(f"tests failed: {' '.join(paths)}")


def _cases(junit: Path) -> dict[str, int]:
    """Test cases passed per test file."""
    passed: dict[str, int] = defaultdict(int)
    for case in ElementTree.parse(junit).getroot().iter("testcase"):  # noqa: S314 - our own file
        if case.find("failure") is None and case.find("skipped") is None:
            passed[case.get("classname", "")] += 1  # the module, for test functions
    return dict(passed)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="runs of the repeated tests")
    arguments = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        figures_file = Path(folder) / "figures.jsonl"
        env = {
            **os.environ,
            "ECWID_TEST_POSTGRES_URL": _postgres(),
            "ECWID_FIGURES": str(figures_file),
            "CI": "true",  # the PostgreSQL runs must run, not skip
        }
        for round_number in range(arguments.rounds):
            # Each round fuzzes with inputs of its own; CI's fixed seed is one of them.
            seeds = {
                "ECWID_FUZZ_SEED": str(20240101 + round_number),
                "ECWID_FAULT_SEED": str(100 * round_number),
            }
            _pytest(REPEATED, {**env, **seeds})
        junit = Path(folder) / "counted.xml"
        _pytest([*COUNTED, "-n", "2"], env, junit)
        figures = [json.loads(line) for line in figures_file.read_text().splitlines()]
        print(report(figures, _cases(junit), arguments.rounds))


def _total(items: list[dict[str, Any]], key: str) -> int:
    return sum(int(item[key]) for item in items)


def report(figures: list[dict[str, Any]], cases: dict[str, int], rounds: int) -> str:
    by_kind: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for item in figures:
        by_kind[item["kind"]].append(item)
    lines = [f"Figures of {rounds} rounds (`make reliability`):", ""]
    lines += ["| What | Runs | Figure |", "| --- | --- | --- |"]
    for engine in ("sqlite", "postgresql"):
        kills = [k for k in by_kind["sigkill"] if k["engine"] == engine]
        if kills:
            lines.append(
                f"| SIGKILL mid-load, {engine} | {len(kills)} | {_total(kills, 'acknowledged')} "
                f"creates acknowledged, {_total(kills, 'intact')} found intact after restart, "
                f"{_total(kills, 'stored') - _total(kills, 'acknowledged')} more stored "
                "(in flight at the kill), 0 half-written |"
            )
        stops = [k for k in by_kind["sigterm"] if k["engine"] == engine]
        if stops:
            lines.append(
                f"| SIGTERM mid-load, {engine} | {len(stops)} | "
                f"{_total(stops, 'acknowledged')} creates acknowledged, "
                f"{_total(stops, 'stored')} stored after restart |"
            )
        hooks = [k for k in by_kind["webhook-sigkill"] if k["engine"] == engine]
        if hooks:
            lines.append(
                f"| SIGKILL mid-load with a subscribed app, {engine} | {len(hooks)} | "
                f"{_total(hooks, 'acknowledged')} creates acknowledged, "
                f"{_total(hooks, 'acknowledged') - _total(hooks, 'missing')} of their "
                f"customer.created delivered after restart, {_total(hooks, 'duplicates')} "
                "sent twice (under way at the kill) |"
            )
    loads = by_kind["fault_load"]
    if loads:
        lines.append(
            f"| Fault rules under a create load | {len(loads)} | {_total(loads, 'attempts')} "
            f"attempts, {_total(loads, 'faults')} answered by a fault (drop, 500, 429), "
            f"{_total(loads, 'delays')} delayed; {_total(loads, 'stored')} customers stored, "
            "each once |"
        )
    fuzz = by_kind["fuzz"]
    if fuzz:
        lines.append(
            f"| Fuzzing (schemathesis) | {rounds} | {_total(fuzz, 'cases')} cases over "
            f"{len({f['operation'] for f in fuzz})} operations, "
            f"{_total(fuzz, 'server_errors')} 5xx |"
        )
    attacks: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for item in by_kind["attack"]:
        attacks[item["attack"]].append(item)
    for attack, runs in attacks.items():
        quiet = statistics.median(run["quiet"]["p50_ms"] for run in runs)
        during = statistics.median(run["during"]["p50_ms"] for run in runs)
        worst = max(run["during"]["max_ms"] for run in runs)
        probes = _total([run["during"] for run in runs], "probes")
        refused = (
            f"; each refused in {statistics.median(run['attack_ms'] for run in runs):.0f} ms"
            if all("attack_ms" in run for run in runs)
            else ""
        )
        lines.append(
            f"| Attack: {attack}, beside a client reading a customer | {len(runs)} | "
            f"{probes} reads, all 200: p50 {during:.1f} ms (alone {quiet:.1f} ms), slowest "
            f"{worst:.0f} ms{refused} |"
        )
    full = by_kind["disk_full"]
    if full:
        lines.append(
            f"| Full disk under creates (SQLite) | {len(full)} | {_total(full, 'creates')} "
            f"creates: {_total(full, 'refused')} answered 503 (the rest fit in free pages), "
            f"{_total(full, 'log_lines')} log line(s), 0 tracebacks; the next "
            f"{_total(full, 'recovered')} succeeded once there was room, without a restart |"
        )
    guards = sum(
        count
        for name, count in cases.items()
        if name.endswith(("test_limits", "test_connection_limits", "test_sqlite_faults"))
    )
    if guards:
        lines.append(
            f"| Limits, connection guards, full disk and read-only database | 1 | {guards} tests "
            "passed |"
        )
    isolation = cases.get("tests.http.test_isolation")
    if isolation:
        lines.append(
            f"| Isolation matrix (every route: another store's token, a missing scope, a revoked "
            f"token, a public token, another store's ids; both engines) | 1 | {isolation} tests "
            "passed: 0 cross-store reads, 0 cross-store writes |"
        )
    properties = cases.get("tests.http.test_properties")
    if properties:
        lines.append(
            f"| Property tests (hypothesis: valid bodies round-trip, invalid ones store "
            f"nothing; both engines) | 1 | {properties} tests passed |"
        )
    control = sum(count for name, count in cases.items() if name.startswith("tests.control"))
    if control:
        lines.append(f"| Control plane, faults included | 1 | {control} tests passed |")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
