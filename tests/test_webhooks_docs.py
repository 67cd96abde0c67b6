"""docs/webhooks.md's examples, run as a user would run them (see test_testing_docs.py)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.support.servers import Server

ROOT = Path(__file__).resolve().parent.parent
ADMIN_TOKEN = "admin_" + "w" * 32


def example(name: str) -> str:
    """The code block that follows ``<!-- example: NAME -->`` in docs/webhooks.md."""
    text = (ROOT / "docs" / "webhooks.md").read_text()
    found = re.search(rf"<!-- example: {name} -->\n```\w+\n(.*?)```", text, re.DOTALL)
    assert found, f"docs/webhooks.md has no {name} example"
    return found[1]


def test_the_pytest_example_passes(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_webhooks_example=example("pytest"))
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-q")
    result.assert_outcomes(passed=2)


def test_the_node_example_passes(
    launch: Callable[..., Server], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    node = shutil.which("node")
    if node is None:
        if os.environ.get("CI") == "true":
            pytest.fail("node is not installed; CI must run the JavaScript example")
        pytest.skip("node is not installed")
    monkeypatch.setenv("ECWID_CUSTOMERS_ADMIN_TOKEN", ADMIN_TOKEN)
    server = launch(tmp_path / "customers.db", "--webhook-retry-scale", "0.001")
    script = tmp_path / "webhooks.test.mjs"
    script.write_text(example("node"))
    result = subprocess.run(
        [node, "--test", str(script)],
        capture_output=True,
        text=True,
        timeout=60,
        env={
            **os.environ,
            "ECWID_CONTROL_URL": f"http://127.0.0.1:{server.port}/_control",
            "ECWID_ADMIN_TOKEN": ADMIN_TOKEN,
        },
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "# pass 1" in result.stdout
