"""Two source trees of the server under the same loads, in alternating rounds: GET and PUT.

    .venv/bin/python bench/compare.py --base /tmp/base/src [--work src] [--rounds 3]

``--base`` is a checkout's ``src`` (``git archive main src | tar -x -C /tmp/base``); each
server runs from its tree through ``PYTHONPATH``. Every round measures the ceiling
(``ceiling.py``), then each tree, in turns that swap their order every round, on a copy of one
seeded database (1,000 customers, as ``run.py`` makes). Printed per tree, load and connection
count: the median requests/s, its ratio to the median ceiling, and the server's CPU per
request (user and system time of its process over the load: steadier than the rate on a
machine shared with other work).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
from pathlib import Path

import run
from processes import Server

CONNECTIONS = (16, 64)
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", required=True, help="the src directory to compare against")
    parser.add_argument("--work", default=str(run.ROOT / "src"))
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=4)
    parser.add_argument("--loads", default="get,update", help="bench/*.lua scripts")
    args = parser.parse_args()
    trees = {"base": args.base, "work": args.work}
    loads = args.loads.split(",")
    work = Path(tempfile.mkdtemp(prefix="compare-"))
    seed = work / "seed.db"
    run.seed_sqlite(seed, 1000)
    token = run._token_for(f"sqlite:///{seed}")
    rates: dict[tuple[str, str, int], list[float]] = {}
    cpu: dict[tuple[str, str, int], list[float]] = {}

    def load(key: tuple[str, str, int], url: str, script: str, server: Server) -> None:
        pid = server.process.pid
        before = _cpu_seconds(pid)
        out = run.wrk(url, script, key[2], args.seconds, {"TOKEN": token}, pid)
        if out["non2xx"] or out["socket_errors"]:
            raise SystemExit(f"{key}: failed answers {out}")
        cpu.setdefault(key, []).append((_cpu_seconds(pid) - before) / out["requests"] * 1e6)
        rates.setdefault(key, []).append(out["rps"])

    try:
        for number in range(args.rounds):
            ceiling = run.ceiling(18877)
            for connections in CONNECTIONS:
                key = ("ceiling", "-", connections)
                load(key, "http://127.0.0.1:18877/", "get.lua", ceiling)
            ceiling.stop()
            order = list(trees) if number % 2 == 0 else list(trees)[::-1]
            for name in order:
                database = work / f"{name}.db"
                for suffix in ("", "-wal", "-shm"):
                    Path(f"{database}{suffix}").unlink(missing_ok=True)
                shutil.copy(seed, database)
                os.environ["PYTHONPATH"] = trees[name]
                try:
                    server, _, _ = run.serve(f"sqlite:///{database}", 18878, token=token)
                finally:
                    del os.environ["PYTHONPATH"]
                try:
                    for script in loads:
                        for connections in CONNECTIONS:
                            key = (name, script, connections)
                            load(key, "http://127.0.0.1:18878", f"{script}.lua", server)
                finally:
                    server.stop()
    finally:
        shutil.rmtree(work)
    ceilings = {c: statistics.median(rates[("ceiling", "-", c)]) for c in CONNECTIONS}
    for key in sorted(rates):
        rate = statistics.median(rates[key])
        print(
            f"{key[0]:8} {key[1]:7} c{key[2]:<3} {rate:8.0f}/s  ratio {rate / ceilings[key[2]]:.3f}"
            f"  cpu {statistics.median(cpu[key]):5.0f} µs/request"
            f"  rounds {[round(r) for r in rates[key]]}"
        )


if __name__ == "__main__":
    main()
