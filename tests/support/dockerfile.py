"""The Dockerfile read as instructions, and its image's layout reproduced in a directory.

No container engine runs where the tests do, so the layout is made the way the Dockerfile says
on the machine itself: a directory stands for the image's ``/``, COPY copies into it, RUN runs
its commands there (with the image's absolute paths moved under that directory, and ``python``
a fresh venv's), ENV and WORKDIR are kept for the command the image runs. What only a container
does (a user of its own, the volume mount, the port mapping) is checked by reading.
"""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from tests.support.installed import ROOT

DOCKERFILE = ROOT / "Dockerfile"
# RUN commands that change the machine's own accounts and ownership: read, never run here.
SYSTEM_COMMANDS = ("useradd", "chown")
# The image's top-level directories the Dockerfile writes; moved under the layout's root.
_IMAGE_PATH = re.compile(r"(?<![\w.-])/(src|wheels|tmp|data)(?=/|\b)")
_ANY_ABSOLUTE = re.compile(r"(?<![\w.-])/[^\s\"')]*")


@dataclass(frozen=True)
class Instruction:
    keyword: str
    arguments: str
    stage: int  # 0 for the first FROM's stage


def parse(text: str) -> list[Instruction]:
    """Instructions with their continuation lines joined and comments dropped."""
    instructions: list[Instruction] = []
    stage = -1
    pending = ""
    for line in text.splitlines():
        if line.strip().startswith("#") or not line.strip():
            continue
        if line.endswith("\\"):
            pending += line[:-1].strip() + " "
            continue
        keyword, _, arguments = (pending + line.strip()).partition(" ")
        pending = ""
        keyword = keyword.upper()
        if keyword == "FROM":
            stage += 1
        instructions.append(Instruction(keyword, arguments.strip(), stage))
    return instructions


def final_stage(instructions: list[Instruction]) -> list[Instruction]:
    last = max(instruction.stage for instruction in instructions)
    return [instruction for instruction in instructions if instruction.stage == last]


def one(instructions: list[Instruction], keyword: str) -> Instruction:
    (found,) = [instruction for instruction in instructions if instruction.keyword == keyword]
    return found


def env_of(instructions: list[Instruction]) -> dict[str, str]:
    pairs = [
        shlex.split(instruction.arguments)
        for instruction in instructions
        if instruction.keyword == "ENV"
    ]
    return dict(pair.split("=", 1) for group in pairs for pair in group)


def exec_form(arguments: str) -> list[str]:
    command = json.loads(arguments)
    assert isinstance(command, list), arguments
    return [str(part) for part in command]


def healthcheck(instruction: Instruction) -> tuple[dict[str, str], list[str]]:
    """A HEALTHCHECK's options (``--interval=10s`` ...) and its exec-form command."""
    options, _, command = instruction.arguments.partition(" CMD ")
    flags = dict(flag.removeprefix("--").split("=", 1) for flag in options.split())
    return flags, exec_form(command)


@dataclass
class Layout:
    """The image's ``/`` as a directory, built from the Dockerfile's instructions."""

    root: Path
    venv: Path
    env: dict[str, str] = field(default_factory=dict)
    workdir: Path | None = None

    def host(self, image_path: str) -> Path:
        return self.root / image_path.lstrip("/")

    def rehome(self, text: str) -> str:
        """The image's absolute paths in ``text``, moved under this layout's root."""
        return _IMAGE_PATH.sub(lambda found: f"{self.root}/{found[1]}", text)

    def shell_env(self) -> dict[str, str]:
        # The image's python is on its PATH; here the venv's is.
        return {**self.env, "PATH": f"{self.venv / 'bin'}:/usr/bin:/bin"}

    def build(self, instructions: list[Instruction], base_env: dict[str, str]) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, "-m", "venv", str(self.venv)], check=True, timeout=120)
        for instruction in instructions:
            if instruction.keyword == "FROM":
                self.env = dict(base_env)
                self.workdir = self.root
            elif instruction.keyword == "WORKDIR":
                self.workdir = self.host(instruction.arguments)
                self.workdir.mkdir(parents=True, exist_ok=True)
            elif instruction.keyword == "COPY":
                self._copy(instruction.arguments)
            elif instruction.keyword == "ENV":
                self.env.update(
                    {name: self.rehome(value) for name, value in env_of([instruction]).items()}
                )
            elif instruction.keyword == "RUN":
                self._run(instruction.arguments)

    def _copy(self, arguments: str) -> None:
        *sources, destination = arguments.split()
        from_stage = bool(sources) and sources[0].startswith("--from=")
        if from_stage:  # one root stands for every stage: what the other one made is here
            sources = sources[1:]
        assert self.workdir is not None
        target = self.workdir / destination if not destination.startswith("/") else None
        target = target or self.host(destination)
        for source in sources:
            origin = self.host(source) if from_stage else ROOT / source
            if origin.is_dir():
                into = target if len(sources) == 1 else target / origin.name
                if origin != into:
                    shutil.copytree(origin, into, dirs_exist_ok=True)
            else:
                into = target / origin.name if destination.endswith("/") else target
                into.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(origin, into)

    def _run(self, command: str) -> None:
        steps = [step.strip() for step in command.split("&&")]
        kept = [self.rehome(step) for step in steps if not step.startswith(SYSTEM_COMMANDS)]
        for path in _ANY_ABSOLUTE.findall(" ".join(kept)):
            # A RUN here must never touch the machine's own files.
            assert path.startswith(str(self.root)), f"RUN {command} names {path}"
        done = subprocess.run(
            ["/bin/sh", "-c", " && ".join(kept)],
            cwd=self.workdir,
            env=self.shell_env(),
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )
        assert done.returncode == 0, f"RUN {command}\n{done.stdout}\n{done.stderr}"
