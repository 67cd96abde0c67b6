"""Reference servers measured beside ours, in the same run.

A directory of small reference apps (``--references DIR``, or ``ECWID_BENCH_REFERENCES``) with
a ``serve.sh NAME PORT`` that starts one of them in the foreground. They do a reduced version
of one endpoint (a create that decodes the body and inserts it durably; a GET that answers a
stored document as stored), so their figures show what a design can reach on this machine,
and ours over theirs what Ecwid's rules, indexes and tokens cost. Nothing of them is part of
this project; when no directory is given, the report simply has no reference columns.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
from processes import Server

# The token and store the reference apps answer for.
TOKEN = "bench-token"  # noqa: S105 (a fixed test value the references expect)
STORE = 1002


@dataclass(frozen=True)
class Reference:
    name: str  # what serve.sh calls it
    scenario: str  # the scenario of ours it is compared with
    script: str  # the wrk script that loads it
    postgres: bool = False  # needs a PostgreSQL database (ANCHOR_PG_DSN)


REFERENCES = (
    Reference("raw-durable", "create", "create.lua"),
    Reference("starlette-durable", "create", "create.lua"),
    Reference("raw-get", "get by id", "get.lua"),
    Reference("raw-pg", "PostgreSQL 1 process(es): create", "create.lua", postgres=True),
)


def directory(given: Path | None) -> Path | None:
    found = given or (Path(os.environ["ECWID_BENCH_REFERENCES"]) if os.environ.get(
        "ECWID_BENCH_REFERENCES") else None)  # fmt: skip
    if found is None:
        return None
    if not (found / "serve.sh").is_file():
        raise SystemExit(f"--references {found}: no serve.sh there")
    return found.resolve()


class Running(Server):
    """One reference server, started and waited for."""

    def __init__(self, where: Path, reference: Reference, port: int, env: dict[str, str]) -> None:
        super().__init__(["bash", str(where / "serve.sh"), reference.name, str(port)], env)
        self.port = port
        deadline = time.monotonic() + 600  # the first start may install its environment
        while time.monotonic() < deadline:
            try:
                httpx.get(f"http://127.0.0.1:{port}/", timeout=1)
                return
            except httpx.TransportError:
                if self.process.poll() is not None:
                    break
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"reference {reference.name} did not start: {self.output()}")

    @property
    def pid(self) -> int:
        return self.process.pid
