"""``ecwid_customers.testing``: the in-process server and the control-plane client."""

from __future__ import annotations

import resource
import socket
from pathlib import Path

import httpx
import pytest

from ecwid_customers.config import Settings
from ecwid_customers.testing import ControlError, ThreadedServer


def test_threaded_server_serves_the_api_and_its_control_plane() -> None:
    with ThreadedServer() as server:
        assert server.port > 0  # port 0 took a free one
        assert server.url == f"http://127.0.0.1:{server.port}"
        assert server.admin_token.startswith("admin_")
        store = server.new_store(languages=["en", "fr"])
        created = httpx.post(
            f"{store.api_url}/customers", headers=store.headers, json={"email": "a@example.net"}
        )
        assert created.status_code == 200
        store.fault(route="customers", error="RATE_LIMITED", times=1)
        assert httpx.get(f"{store.api_url}/customers", headers=store.headers).status_code == 429
        assert [call["status"] for call in store.journal()] == [200, 429]
        assert [item["id"] for item in server.control.call("GET", "/stores")] == [store.id]
        database = server.database
        assert database is not None
    with socket.socket() as probe:  # stopped: the port answers no more
        assert probe.connect_ex(("127.0.0.1", server.port)) != 0
    assert server.database is None  # its temporary SQLite file is gone


def test_threaded_server_on_a_database_and_settings_of_ones_own(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/own.db"
    pinned = "admin_" + "k" * 32
    server = ThreadedServer(url, settings=Settings(admin_token=pinned, rate_limit=1)).start()
    try:
        assert server.admin_token == pinned
        store = server.new_store(rate_limit=None)
        statuses = [
            httpx.get(f"{store.api_url}/customers", headers=store.headers).status_code
            for _ in range(2)
        ]
        assert statuses == [200, 429]  # the server's settings apply
    finally:
        server.stop()
        server.stop()  # twice is fine
    assert (tmp_path / "own.db").exists()  # a database given stays


def test_control_errors_decode_the_ecwid_body() -> None:
    with ThreadedServer() as server, pytest.raises(ControlError) as refused:
        server.new_store(token="secret_short")
    error = refused.value
    assert (error.status, error.code) == (400, "CONTROL_BAD_REQUEST")
    assert "32 of them" in error.message
    assert str(error) == f"POST /_control/stores: 400 CONTROL_BAD_REQUEST: {error.message}"
    assert "b'" not in str(error)
    assert "{" not in str(error)


def test_a_taken_port_is_reported_by_start() -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        server = ThreadedServer(port=holder.getsockname()[1])
        with pytest.raises(OSError, match="address already in use"):
            server.start()
        server.stop()


def test_a_threaded_server_keeps_its_guards_to_itself() -> None:
    from ecwid_customers.http.protocol import GuardedHttpToolsProtocol

    before = (GuardedHttpToolsProtocol.head_timeout, GuardedHttpToolsProtocol.max_connections)
    limits = resource.getrlimit(resource.RLIMIT_NOFILE)
    with ThreadedServer(settings=Settings(head_timeout=0.5, max_connections=3)) as server:
        assert httpx.get(f"{server.url}/readyz").status_code == 200
        # Its settings are its own: the class (what other servers of the process use) and the
        # process's open-file limit are as they were.
        assert (
            GuardedHttpToolsProtocol.head_timeout,
            GuardedHttpToolsProtocol.max_connections,
        ) == before
        assert resource.getrlimit(resource.RLIMIT_NOFILE) == limits
        # And they hold: a client that sends no head is answered long before the default
        # head timeout (10 s) would, since the socket gives up waiting after 5 s.
        with socket.create_connection(("127.0.0.1", server.port)) as idle:
            idle.settimeout(5)
            answer = idle.recv(4096)
        assert b"408" in answer.split(b"\r\n", 1)[0]
