"""A server the bench starts: its own process group (workers included), its output in a file."""

from __future__ import annotations

import os
import signal
import subprocess
import tempfile
from pathlib import Path


def _environment(extra: dict[str, str] | None) -> dict[str, str]:
    """The bench's environment for a server, plus ``extra``. Python may keep its bytecode
    (``PYTHONDONTWRITEBYTECODE`` is dropped): an installed server has it, and a start that
    compiles every module of ours again (about 0.2 s here) is not what users see."""
    environment = {**os.environ, **(extra or {})}
    environment.pop("PYTHONDONTWRITEBYTECODE", None)
    return environment


class Server:
    def __init__(self, args: list[str], env: dict[str, str] | None = None) -> None:
        self.log = tempfile.NamedTemporaryFile(mode="w+", suffix=".log", delete=False)  # noqa: SIM115
        self.process = subprocess.Popen(
            args,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            env=_environment(env),
            start_new_session=True,
        )

    def output(self) -> str:
        return Path(self.log.name).read_text()

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        Path(self.log.name).unlink(missing_ok=True)
