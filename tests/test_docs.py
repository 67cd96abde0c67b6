"""Docs that cannot drift from the code."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_readme_cli_reference_matches_the_cli() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "readme_sections.py"), "--check"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr


def test_readme_shows_the_two_commands() -> None:
    readme = (ROOT / "README.md").read_text()
    assert "make run" in readme
    assert "make test" in readme
    ci = (ROOT / ".ci" / "run").read_text()
    assert "make test" in ci


def test_every_route_is_in_the_readme() -> None:
    from ecwid_customers.http.routes import ROUTES

    readme = (ROOT / "README.md").read_text()
    for route in ROUTES:
        assert f"`{route.method} /api/v3/{{storeId}}/{route.path}`" in readme, route.path
