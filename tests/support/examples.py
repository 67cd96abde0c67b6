"""Running the documentation's examples as a user would: a code block of a page, a Node
script against a real server."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent


def example(page: str, name: str) -> str:
    """The code block that follows ``<!-- example: NAME -->`` in ``docs/PAGE``."""
    text = (ROOT / "docs" / page).read_text()
    found = re.search(rf"<!-- example: {name} -->\n```\w+\n(.*?)```", text, re.DOTALL)
    assert found, f"docs/{page} has no {name} example"
    return found[1]


def run_node(script: Path, control_url: str, admin_token: str) -> str:
    """``node --test SCRIPT`` with the control plane's address in its environment; its output.
    Skipped without node, except under CI."""
    node = shutil.which("node")
    if node is None:
        if os.environ.get("CI") == "true":
            pytest.fail("node is not installed; CI must run the JavaScript examples")
        pytest.skip("node is not installed")
    result = subprocess.run(
        [node, "--test", str(script)],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "ECWID_CONTROL_URL": control_url, "ECWID_ADMIN_TOKEN": admin_token},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout
