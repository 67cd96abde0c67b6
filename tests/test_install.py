"""The package installs into someone else's environment: from its wheel, into a fresh venv,
beside the oldest release each range allows (SQLAlchemy 2.0 and click 8.1 among them, older than
what CI pins), without the PostgreSQL drivers, and with the [pytest] extra the plugin needs.
Slow: it builds and installs for real."""

from __future__ import annotations

import re
import signal
import textwrap
from pathlib import Path

import httpx
import pytest

from tests.support.installed import Install, floors
from tests.support.servers import bootstrap_token, start_command

pytestmark = pytest.mark.slow


def version_of(installed: Install, package: str) -> str:
    done = installed.run("python", "-m", "pip", "show", package)
    assert done.returncode == 0, done.stderr
    found = re.search(r"^Version: (\S+)", done.stdout, re.MULTILINE)
    assert found, done.stdout
    return found[1]


def test_installs_beside_the_oldest_releases_its_ranges_allow(installed: Install) -> None:
    pins = floors()
    assert "sqlalchemy==2.0.*" in pins  # older than CI's (constraints.txt), as the issue asked
    assert "click==8.1.*" in pins
    for pin in pins:
        name, _, floor = pin.partition("==")
        assert version_of(installed, name).startswith(floor.removesuffix("*")), pin
    check = installed.run("python", "-m", "pip", "check")
    assert check.returncode == 0, check.stdout
    help_text = installed.run("ecwid-customers", "--help")
    assert help_text.returncode == 0, help_text.stderr
    assert "serve" in help_text.stdout


def test_a_sqlite_install_has_no_postgresql_drivers(installed: Install) -> None:
    for module in ("asyncpg", "psycopg"):
        done = installed.run("python", "-c", f"import {module}")
        assert "No module named" in done.stderr, (module, done.stderr)


def test_postgresql_without_the_extra_is_one_line_naming_it(installed: Install) -> None:
    done = installed.run(
        "ecwid-customers", "db", "current", "--database", "postgresql://nobody@127.0.0.1:1/none"
    )
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr == (
        "Error: PostgreSQL support is not installed (no asyncpg, psycopg): "
        "pip install 'ecwid-customers[postgresql]'\n"
    )


def test_the_install_serves_on_sqlite(installed: Install, tmp_path: Path) -> None:
    command = [str(installed.bin / "ecwid-customers"), "serve", "--port", "0"]
    server = start_command(
        [*command, "--database", f"sqlite:///{tmp_path / 'app.db'}"], env=installed.env()
    )
    try:
        base = f"http://127.0.0.1:{server.port}"
        assert httpx.get(f"{base}/readyz").status_code == 200
        headers = {"Authorization": f"Bearer {bootstrap_token(server)}"}
        person = {"name": "Ann Smith", "countryCode": "US", "stateOrProvinceCode": "NY"}
        created = httpx.post(
            f"{base}/api/v3/1003/customers",
            headers=headers,
            json={"email": "ann@example.net", "billingPerson": person},
        )
        assert created.json() == {"id": 1}
        customer = httpx.get(f"{base}/api/v3/1003/customers/1", headers=headers).json()
        assert customer["billingPerson"]["stateOrProvinceName"] == "New York"  # pycountry's
        assert httpx.get(f"{base}/docs").status_code == 200  # Swagger UI's files
    finally:
        assert server.stop(signal.SIGTERM) in (0, -signal.SIGTERM)


def test_the_pytest_extra_runs_the_plugin(installed: Install, tmp_path: Path) -> None:
    # A user's project: only our package with its [pytest] extra, and a test of its own.
    (tmp_path / "test_app.py").write_text(
        textwrap.dedent(
            """
            import httpx


            def test_create(ecwid_store):
                ecwid = httpx.Client(base_url=ecwid_store.api_url, headers=ecwid_store.headers)
                assert ecwid.post("/customers", json={"email": "a@example.net"}).json() == {
                    "id": 1
                }
            """
        )
    )
    done = installed.run("pytest", "-q", "-p", "no:cacheprovider", cwd=tmp_path, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 passed" in done.stdout
