"""The pytest plugin, used the way an Ecwid app's test suite would use it."""

from __future__ import annotations

import pytest

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
