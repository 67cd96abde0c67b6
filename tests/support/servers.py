"""Real ``ecwid-customers serve`` processes for tests: started on a free port, read, stopped.

Each server runs in its own process group, so stopping it also stops its worker processes.
"""

from __future__ import annotations

import itertools
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

START_TIMEOUT = 20.0


@dataclass
class Server:
    process: subprocess.Popen[str]
    lines: list[str] = field(default_factory=list)
    port: int = 0
    pump: threading.Thread | None = None

    @property
    def output(self) -> str:
        return "".join(self.lines)

    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v3/1003"

    def stop(self, sig: int = signal.SIGTERM) -> int:
        """Signal the server (SIGKILL reaches its whole process group) and wait for it."""
        if self.process.poll() is None:
            if sig == signal.SIGKILL:
                os.killpg(self.process.pid, sig)
            else:
                self.process.send_signal(sig)
        code = self.process.wait(timeout=15)
        if self.pump is not None:
            self.pump.join(timeout=5)  # output ends when the process does
        if self.process.stdout is not None:
            self.process.stdout.close()
        return code


def _pump(server: Server) -> None:
    assert server.process.stdout is not None
    for line in server.process.stdout:
        server.lines.append(line)


def start(database: Path | str, *extra: str) -> Server:
    """``serve`` on a free port; ``database`` is a SQLite file or a database URL."""
    url = database if isinstance(database, str) else f"sqlite:///{database}"
    return start_command(
        [sys.executable, "-m", "ecwid_customers", "serve", "--database", url, "--port", "0",
         *extra],
        env=os.environ,
    )  # fmt: skip


def start_command(
    command: Sequence[str], *, env: Mapping[str, str], cwd: Path | None = None
) -> Server:
    """A ``serve`` command line of any install (it must listen on ``--port 0``), waited for
    until it listens."""
    process = subprocess.Popen(
        list(command),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**env, "PYTHONUNBUFFERED": "1"},
        cwd=cwd,
        start_new_session=True,
    )
    server = Server(process)
    server.pump = threading.Thread(target=_pump, args=(server,), daemon=True)
    server.pump.start()
    workers = next((int(v) for k, v in itertools.pairwise(command) if k == "--workers"), 1)
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        found = re.search(r"listening on http://127\.0\.0\.1:(\d+)/", server.output)
        if found and server.output.count("Application startup complete") >= workers:
            server.port = int(found[1])
            return server
        if process.poll() is not None:
            server.stop()
            raise AssertionError(f"server exited:\n{server.output}")
        time.sleep(0.05)
    server.stop(signal.SIGKILL)
    raise AssertionError(f"server did not start:\n{server.output}")


def stop_cleanly(server: Server) -> None:
    # uvicorn finishes its shutdown, then re-raises SIGTERM so the exit status tells the truth.
    assert server.stop(signal.SIGTERM) in (0, -signal.SIGTERM)
    assert "Application shutdown complete" in server.output


def bootstrap_token(server: Server) -> str:
    found = re.search(r"Token:\s+(secret_\w+)", server.output)
    assert found, server.output
    return found[1]
