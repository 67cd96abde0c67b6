"""The import contracts of ``pyproject.toml`` hold, and each one would catch its breach.

The contracts run in ``make check`` (``lint-imports``). Here each is broken on purpose in a
copy of the package, to show that the check it names fails then.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "src" / "ecwid_customers"
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"

# (module to edit, import to add, the contract that must break)
BREACHES = {
    "domain imports storage": (
        "domain/search.py",
        "from ecwid_customers.storage import errors",
        "The domain (Ecwid's rules) imports neither storage",
    ),
    "storage imports http": (
        "storage/core/rows.py",
        "from ecwid_customers.http import responses",
        "Storage imports neither the wire nor the test kit",
    ),
    "http imports control": (
        "http/app.py",
        "from ecwid_customers.control import kit",
        "The API does not import the test kit",
    ),
    "webhooks import http": (
        "webhooks/dispatcher.py",
        "from ecwid_customers.http import responses",
        "Webhook delivery is below the API",
    ),
    "a cycle in the storage core": (
        "storage/core/rows.py",
        "from ecwid_customers.storage.core import storage",
        "No import cycles",
    ),
}


def _lint(tmp_path: Path, breach: tuple[str, str] | None) -> subprocess.CompletedProcess[str]:
    copy = tmp_path / "src" / "ecwid_customers"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copyfile(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    if breach is not None:
        module, line = breach
        target = copy / module
        target.write_text(target.read_text() + f"\n{line}  # noqa\n")
    # The copy comes first on the path, ahead of the installed package.
    env = {**os.environ, "PYTHONPATH": str(tmp_path / "src")}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_the_package_keeps_every_contract(tmp_path: Path) -> None:
    result = _lint(tmp_path, None)
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"Contracts: \d+ kept, 0 broken", result.stdout), result.stdout


@pytest.mark.parametrize(("module", "line", "contract"), BREACHES.values(), ids=BREACHES.keys())
def test_a_breach_breaks_its_contract(
    tmp_path: Path, module: str, line: str, contract: str
) -> None:
    result = _lint(tmp_path, (module, line))
    assert result.returncode != 0
    broken = [text for text in result.stdout.splitlines() if text.endswith(" BROKEN")]
    assert any(text.startswith(contract) for text in broken), result.stdout
