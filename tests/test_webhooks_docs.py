"""docs/webhooks.md's examples, run as a user would run them (see test_testing_docs.py)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.support.examples import example, run_node
from tests.support.servers import Server

ADMIN_TOKEN = "admin_" + "w" * 32


def test_the_pytest_example_passes(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_webhooks_example=example("webhooks.md", "pytest"))
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-q")
    result.assert_outcomes(passed=2)


def test_the_node_example_passes(
    launch: Callable[..., Server], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ECWID_CUSTOMERS_ADMIN_TOKEN", ADMIN_TOKEN)
    server = launch(tmp_path / "customers.db", "--webhook-retry-scale", "0.001")
    script = tmp_path / "webhooks.test.mjs"
    script.write_text(example("webhooks.md", "node"))
    output = run_node(script, f"http://127.0.0.1:{server.port}/_control", ADMIN_TOKEN)
    assert "# pass 1" in output
