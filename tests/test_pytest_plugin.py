"""The pytest plugin, used the way an Ecwid app's test suite would use it."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from ecwid_customers.testing import ControlClient
from tests.support.servers import Server

EXAMPLE = """
import httpx


def test_create_and_read(ecwid_store):
    with httpx.Client(headers=ecwid_store.headers) as client:
        created = client.post(f"{ecwid_store.api_url}/customers", json={"email": "a@example.net"})
        assert created.status_code == 200
        customer = client.get(f"{ecwid_store.api_url}/customers/{created.json()['id']}").json()
        assert customer["email"] == "a@example.net"


def test_every_test_gets_an_empty_store(ecwid_store):
    with httpx.Client(headers=ecwid_store.headers) as client:
        created = client.post(f"{ecwid_store.api_url}/customers", json={"email": "a@example.net"})
        assert created.status_code == 200  # the same email as above: another store
        assert client.get(f"{ecwid_store.api_url}/customers").json()["total"] == 1


def test_a_duplicate_is_ecwids_409(ecwid_store):
    with httpx.Client(headers=ecwid_store.headers) as client:
        url = f"{ecwid_store.api_url}/customers"
        client.post(url, json={"email": "b@example.net"})
        again = client.post(url, json={"email": "B@example.net"})
        assert again.status_code == 409
        assert again.json()["errorCode"] == "CONSTRAINT_VIOLATION"
"""


def test_plugin_serves_a_fresh_store_per_test(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_app=EXAMPLE)
    # A separate process, as in a user's project; the plugin is found by its entry point.
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-q")
    result.assert_outcomes(passed=3)


HELPERS = """
import httpx
import pytest


def test_factory_settings_and_frozen_clock(ecwid_store_factory):
    store = ecwid_store_factory(languages=["en", "fr"], frozen_at="2024-05-01 10:00:00")
    ecwid = httpx.Client(base_url=store.api_url, headers=store.headers)
    created = ecwid.post("/customers", json={"email": "a@example.net", "lang": "fr"})
    assert created.status_code == 200
    store.advance_clock(60)
    ecwid.put("/customers/1", json={"name": "Ann"})
    customer = ecwid.get("/customers/1").json()
    assert customer["registered"] == "2024-05-01 10:00:00 +0000"
    assert customer["updated"] == "2024-05-01 10:01:00 +0000"


def test_plan_without_groups_and_limited_scopes(ecwid_store_factory):
    store = ecwid_store_factory(customer_groups_enabled=False, scopes=["read_customers"])
    ecwid = httpx.Client(base_url=store.api_url, headers=store.headers)
    assert ecwid.get("/customer_groups").status_code == 402
    assert ecwid.post("/customers", json={"email": "a@example.net"}).status_code == 403


def test_load_export_and_reset(ecwid_store):
    ecwid_store.load({"customers": [{"email": "fixture@example.net"}]})
    ecwid = httpx.Client(base_url=ecwid_store.api_url, headers=ecwid_store.headers)
    assert ecwid.get("/customers/1").json()["email"] == "fixture@example.net"
    assert [c["email"] for c in ecwid_store.export()["customers"]] == ["fixture@example.net"]
    ecwid_store.reset()
    assert ecwid.get("/customers").json()["total"] == 0


def test_a_dropped_connection(ecwid_store):
    ecwid = httpx.Client(base_url=ecwid_store.api_url, headers=ecwid_store.headers)
    rule = ecwid_store.fault(drop=True, nth=2)
    assert ecwid.get("/customers").status_code == 200
    with pytest.raises(httpx.RemoteProtocolError):
        ecwid.get("/customers")
    assert ecwid.get("/customers").status_code == 200
    statuses = [(call["status"], call.get("faultId")) for call in ecwid_store.journal()]
    assert statuses == [(200, None), (0, rule["id"]), (200, None)]
"""


def test_plugin_helpers(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_helpers=HELPERS)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-q")
    result.assert_outcomes(passed=4)


RUNNING = """
import httpx


def test_a_store_on_the_running_server(ecwid_server, ecwid_store):
    assert ecwid_server.process is None  # not started by the session
    created = httpx.post(f"{ecwid_store.api_url}/customers", headers=ecwid_store.headers,
                         json={"email": "a@example.net"})
    assert created.status_code == 200
    print("SERVER", ecwid_server.base_url)
"""

ADMIN_TOKEN = "admin_" + "r" * 32


@pytest.fixture
def running(launch: Callable[..., Server], tmp_path: Path) -> ControlClient:
    """A server of its own process (one in this process would import SQLAlchemy after
    pytester's snapshot of the loaded modules, which pytester then unloads)."""
    server = launch(tmp_path / "running.db", "--admin-token", ADMIN_TOKEN, "--no-default-store")
    return ControlClient(f"http://127.0.0.1:{server.port}", ADMIN_TOKEN)


def test_plugin_targets_a_running_server_from_the_environment(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, running: ControlClient
) -> None:
    monkeypatch.setenv("ECWID_CUSTOMERS_URL", running.base_url)
    monkeypatch.setenv("ECWID_CUSTOMERS_ADMIN_TOKEN", ADMIN_TOKEN)
    pytester.makepyfile(test_running=RUNNING)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-q", "-s")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines([f"SERVER {running.base_url}*"])
    assert running.call("GET", "")["stores"] == 0  # the session removed the store it made


def test_plugin_refuses_a_running_server_with_a_wrong_admin_token(
    pytester: pytest.Pytester, running: ControlClient
) -> None:
    pytester.makepyfile(test_running=RUNNING)
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "-q", "--ecwid-url", running.base_url,
        "--ecwid-admin-token", "admin_" + "w" * 32,
    )  # fmt: skip
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*refused the admin token*CONTROL_UNAUTHORISED*"])
    assert "Traceback" not in result.stdout.str()


def test_plugin_wants_the_admin_token_of_a_running_server(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ECWID_CUSTOMERS_ADMIN_TOKEN", raising=False)
    pytester.makepyfile(test_running=RUNNING)
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "-q", "--ecwid-url", "http://127.0.0.1:9"
    )
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*--ecwid-url needs --ecwid-admin-token*"])


DATABASE = """
def test_the_server_uses_the_database_given(ecwid_server, ecwid_store):
    assert ecwid_server.database.startswith("postgresql://")
    assert ecwid_store.token.startswith("secret_")
"""


def test_plugin_serves_on_the_database_given(
    pytester: pytest.Pytester, postgres_database: str
) -> None:
    pytester.makepyfile(test_database=DATABASE)
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "-q", "--ecwid-database", postgres_database
    )
    result.assert_outcomes(passed=1)
    tables = subprocess.run(
        [sys.executable, "-m", "ecwid_customers", "db", "current", "--database",
         postgres_database],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert "(newest)" in tables
