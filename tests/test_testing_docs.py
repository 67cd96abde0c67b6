"""docs/testing.md's examples, run as a user would run them: they cannot drift from the code.

The pytest example runs in a separate pytest process through the installed plugin, several
copies at once under xdist; the JavaScript example runs under Node's test runner against a real
server (it is skipped when no ``node`` is installed, except under CI).
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.support import examples
from tests.support.servers import Server

ROOT = Path(__file__).resolve().parent.parent
ADMIN_TOKEN = "admin_" + "d" * 32


def example(name: str) -> str:
    return examples.example("testing.md", name)


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


def test_the_order_history_example_passes(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_orders=example("orders"))
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-q")
    result.assert_outcomes(passed=1)


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
    monkeypatch.setenv("ECWID_CUSTOMERS_ADMIN_TOKEN", ADMIN_TOKEN)
    server = launch(tmp_path / "customers.db")
    script = tmp_path / "ecwid.test.mjs"
    script.write_text(example("node"))
    output = examples.run_node(script, f"http://127.0.0.1:{server.port}/_control", ADMIN_TOKEN)
    assert "# pass 1" in output


def test_the_unittest_example_passes(tmp_path: Path) -> None:
    script = tmp_path / "test_sync.py"
    script.write_text(example("unittest"))
    done = subprocess.run(
        [sys.executable, str(script), "-v"], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert "Ran 2 tests" in done.stderr
    assert "OK" in done.stderr.splitlines()[-1]
