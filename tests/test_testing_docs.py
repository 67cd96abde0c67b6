"""docs/testing.md's examples, run as a user would run them: they cannot drift from the code.

The pytest example runs in a separate pytest process through the installed plugin, several
copies at once under xdist; the JavaScript example runs under Node's test runner against a real
server (it is skipped when no ``node`` is installed, except under CI).
"""

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
ADMIN_TOKEN = "admin_" + "d" * 32


def example(name: str) -> str:
    """The code block that follows ``<!-- example: NAME -->`` in docs/testing.md."""
    text = (ROOT / "docs" / "testing.md").read_text()
    found = re.search(rf"<!-- example: {name} -->\n```\w+\n(.*?)```", text, re.DOTALL)
    assert found, f"docs/testing.md has no {name} example"
    return found[1]


def test_the_pytest_example_passes_in_parallel(pytester: pytest.Pytester) -> None:
    code = example("pytest")
    # Four copies of the test in two files, on two xdist workers: each copy creates the same
    # email in its own store, so any sharing of state between tests would make one fail.
    pytester.makepyfile(test_first=code, test_second=code.replace("def test_", "def test_b_"))
    pytester.makepyfile(
        test_third=code.replace("def test_", "def test_c_"),
        test_fourth=code.replace("def test_", "def test_d_"),
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-q", "-n", "2")
    result.assert_outcomes(passed=4)


def test_the_readme_example_passes(pytester: pytest.Pytester) -> None:
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("## Testing an Ecwid app") :]
    code = re.search(r"```python\n(.*?)```", section, re.DOTALL)
    assert code is not None
    pytester.makepyfile(test_readme=code[1])
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-q")
    result.assert_outcomes(passed=1)


def test_the_javascript_example_passes(
    launch: Callable[..., Server], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    node = shutil.which("node")
    if node is None:
        if os.environ.get("CI") == "true":
            pytest.fail("node is not installed; CI must run the JavaScript example")
        pytest.skip("node is not installed")
    monkeypatch.setenv("ECWID_CUSTOMERS_ADMIN_TOKEN", ADMIN_TOKEN)
    server = launch(tmp_path / "customers.db")
    script = tmp_path / "ecwid.test.mjs"
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
