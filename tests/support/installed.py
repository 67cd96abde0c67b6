"""A real install of the package, as a user gets it: a wheel built from a copy of the sources,
installed with ``pip`` into a fresh virtual environment beside the oldest releases its ranges
allow.

Built once per test run: the first test process to need it builds it while the others (xdist
workers) wait on a lock, then all reuse it. Installing needs the package index (pip's cache
makes a second run quicker).
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[2]
# What a wheel is built from: the files the Dockerfile copies too (tests/test_container.py).
SOURCES = ("pyproject.toml", "README.md", "LICENSE", "src")
EXTRAS = "pytest"  # the pytest plugin's extra; not [postgresql]: this is a SQLite-only install


def floors() -> list[str]:
    """Every runtime dependency, and the installed extra's, at the floor of its range (``>=2.0``
    becomes ``==2.0.*``): installed beside the package, as an app with those older releases
    would have them, they prove the floors (CI's own versions, constraints.txt, are newer)."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pins = []
    for line in [*project["dependencies"], *project["optional-dependencies"][EXTRAS]]:
        requirement = Requirement(line)
        if requirement.marker is not None and not requirement.marker.evaluate():
            continue
        (floor,) = [spec.version for spec in requirement.specifier if spec.operator == ">="]
        pins.append(f"{requirement.name}=={floor}.*")
    return pins


INSTALL_TIMEOUT = 900.0


@dataclass(frozen=True)
class Install:
    venv: Path
    wheel: Path

    @property
    def bin(self) -> Path:
        return self.venv / "bin"

    def env(self) -> dict[str, str]:
        """The environment of a shell with this venv activated, and nothing of the test run."""
        kept = clean_env()
        return {**kept, "PATH": f"{self.bin}{os.pathsep}{kept.get('PATH', '')}"}

    def run(
        self, *command: str, cwd: Path | None = None, timeout: float = 120.0
    ) -> subprocess.CompletedProcess[str]:
        """A program of the venv (``ecwid-customers``, ``python``, ``pytest``), run to its end."""
        return subprocess.run(
            [str(self.bin / command[0]), *command[1:]],
            capture_output=True,
            text=True,
            env=self.env(),
            cwd=cwd,
            timeout=timeout,
            check=False,
        )


def copy_sources(destination: Path) -> Path:
    """The files a build needs, copied (a build writes into its source tree)."""
    destination.mkdir(parents=True, exist_ok=True)
    for name in SOURCES:
        source = ROOT / name
        if source.is_dir():
            ignored = shutil.ignore_patterns("__pycache__", "*.egg-info")
            shutil.copytree(source, destination / name, ignore=ignored, dirs_exist_ok=True)
        else:
            shutil.copy2(source, destination / name)
    return destination


def _pip(python: Path, *args: str) -> None:
    command: Sequence[str] = [str(python), "-m", "pip", *args]
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=INSTALL_TIMEOUT, check=False
    )
    if done.returncode != 0:
        raise AssertionError(f"{' '.join(command)} failed:\n{done.stdout}\n{done.stderr}")


def once(root: Path, make: Callable[[], None]) -> None:
    """Run ``make`` unless it already completed under ``root``; test processes that ask at
    the same time wait for the first one (a failed ``make`` is tried again by the next)."""
    root.mkdir(parents=True, exist_ok=True)
    with (root / "lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if (root / "ready").exists():
            return
        make()
        (root / "ready").touch()


def clean_env() -> dict[str, str]:
    """This process's environment without anything of the test run: no PYTEST_* (xdist's
    worker id), no ECWID_* settings, no PYTHON* and no active venv."""
    return {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("PYTEST_", "ECWID_", "PYTHON", "VIRTUAL_ENV"))
    }


def install(root: Path) -> Install:
    """The install under ``root`` (shared by every test process of the run), made when missing."""
    result = Install(venv=root / "venv", wheel=root / "wheel")

    def make() -> None:
        shutil.rmtree(result.venv, ignore_errors=True)
        shutil.rmtree(result.wheel, ignore_errors=True)
        sources = copy_sources(root / "sources")
        python = Path(sys.executable)
        _pip(python, "wheel", "--quiet", "--no-deps", "-w", str(result.wheel), str(sources))
        subprocess.run([str(python), "-m", "venv", str(result.venv)], check=True, timeout=120)
        (wheel,) = result.wheel.glob("ecwid_customers-*.whl")
        _pip(result.bin / "python", "install", "--quiet", f"{wheel}[{EXTRAS}]", *floors())

    once(root, make)
    return result
