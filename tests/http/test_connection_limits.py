"""Connection guards against one client holding up the others (http/protocol.py), over a
real socket to a real ``serve``: framing RFC 9112 forbids, body deadlines, a cap on open
connections, readers that never read, and answers that must arrive although the client is
still sending."""

from __future__ import annotations

import contextlib
import socket
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from tests.http.test_protocol import assert_ecwid_error, exchange, get, token_of
from tests.support.servers import Server


def _post_head(token: str, length: int, *extra: bytes) -> bytes:
    return (
        b"POST /api/v3/1003/customers HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
        + b"Authorization: Bearer " + token.encode() + b"\r\n"
        + b"Content-Length: %d\r\n" % length + b"".join(extra) + b"\r\n"
    )  # fmt: skip


@pytest.fixture
def server(launch: Callable[..., Server], tmp_path: Path) -> Server:
    return launch(
        tmp_path / "customers.db",
        "--body-timeout", "0.5", "--write-timeout", "0.5", "--max-body-size", "10000",
        "--max-connections", "20",
    )  # fmt: skip


@pytest.mark.parametrize(
    ("request_bytes", "detail"),
    [
        (b"GET /api/v3/1003/customers HTTP/1.1\r\n\r\n", b"needs a Host header"),
        (
            b"POST /api/v3/1003/customers HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
            b"Transfer-Encoding needs HTTP/1.1",
        ),
        (
            b"POST /api/v3/1003/customers HTTP/1.1\r\nHost: t\r\n"
            b"Transfer-Encoding: identity, chunked\r\n\r\n0\r\n\r\n",
            b"the only Transfer-Encoding accepted is chunked",
        ),
    ],
)
def test_framing_rfc_9112_forbids_is_refused(
    server: Server, request_bytes: bytes, detail: bytes
) -> None:
    status, headers, body = exchange(server.port, request_bytes)
    assert status == 400
    assert headers["connection"] == "close"
    assert_ecwid_error(body, "WRONG_PARAMETER")
    assert detail in body


def test_http_1_0_without_host_and_plain_chunked_are_served(server: Server) -> None:
    status, _, _ = exchange(server.port, b"GET /api/v3/1003/customers HTTP/1.0\r\n\r\n")
    assert status == 403  # reached the app
    chunked = (
        b"POST /api/v3/1003/customers HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n"
        b"Content-Type: application/json\r\nAuthorization: Bearer " + token_of(server).encode()
        + b"\r\nConnection: close\r\n\r\n13\r\n{\"email\":\"c@x.net\"}\r\n0\r\n\r\n"
    )  # fmt: skip
    status, _, body = exchange(server.port, chunked)
    assert status == 200, body


@pytest.mark.parametrize("chunked", [False, True])
def test_a_body_that_does_not_arrive_in_time_gets_408(server: Server, chunked: bool) -> None:
    token = token_of(server)
    if chunked:  # a byte now and then: each within the head timeout, the whole far too slow
        head = _post_head(token, 0).replace(b"Content-Length: 0", b"Transfer-Encoding: chunked")
        first = b"1\r\n{\r\n"
    else:
        head, first = _post_head(token, 100), b"{"
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as connection:
        connection.sendall(head + first)
        received = b""
        with contextlib.suppress(ConnectionError):
            while chunk := connection.recv(65536):
                received += chunk
                if chunked:
                    with contextlib.suppress(OSError):
                        connection.sendall(b"1\r\n \r\n")
    assert received.startswith(b"HTTP/1.1 408"), received
    assert b"REQUEST_TIMEOUT" in received
    assert time.monotonic() - started < 5
    serving = httpx.get(f"http://127.0.0.1:{server.port}/api/v3/1003/customers")
    assert serving.status_code == 403


def test_an_oversized_body_gets_its_answer_and_the_connection_closes(server: Server) -> None:
    """The 400 arrives although the client is still sending megabytes, every time."""
    token = token_of(server)
    body = b'{"email": "a@x.net", "taxId": "' + b"x" * 3_000_000 + b'"}'
    for _ in range(5):
        with socket.create_connection(("127.0.0.1", server.port), timeout=20) as connection:
            received = b""
            with contextlib.suppress(OSError):  # the server may stop reading: that is the point
                connection.sendall(_post_head(token, len(body)) + body)
            with contextlib.suppress(ConnectionError):
                while chunk := connection.recv(65536):
                    received += chunk
        assert received.startswith(b"HTTP/1.1 400"), received[:200]
        assert b"Request body is too large" in received
        assert b"connection: close" in received.lower()


@contextlib.contextmanager
def _open_idle(port: int, count: int) -> Iterator[list[socket.socket]]:
    held = [socket.create_connection(("127.0.0.1", port), timeout=10) for _ in range(count)]
    try:
        yield held
    finally:
        for each in held:
            each.close()


def test_one_connection_too_many_gets_503_and_the_server_recovers(server: Server) -> None:
    with _open_idle(server.port, 20):
        deadline = time.monotonic() + 10
        while True:  # until the server has accepted all twenty (a busy machine is slower)
            status, headers, body = exchange(server.port, get("/api/v3/1003/customers"))
            if status == 503 or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        assert status == 503
        assert headers["retry-after"] == "1"
        assert_ecwid_error(body, "SERVICE_UNAVAILABLE")
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:  # the held ones are closed: room again
        status, _, _ = exchange(server.port, get("/api/v3/1003/customers"))
        if status == 403:
            break
        time.sleep(0.1)
    assert status == 403
    assert server.output.count("refused 1 connection(s)") >= 1


def test_a_client_that_never_reads_is_dropped(server: Server) -> None:
    token = token_of(server)
    big = {"email": "big@x.net", "privateAdminNotes": "n" * 9000}
    httpx.post(
        f"http://127.0.0.1:{server.port}/api/v3/1003/customers",
        json=big,
        headers={"Authorization": f"Bearer {token}"},
    ).raise_for_status()
    ask = get("/api/v3/1003/customers/1", b"Authorization: Bearer " + token.encode() + b"\r\n")
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as connection:
        connection.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        with contextlib.suppress(OSError):
            for _ in range(3000):  # about 30 MB of answers asked for, none read
                connection.sendall(ask)
        deadline = time.monotonic() + 10  # the write timeout is half a second
        while "dropped a client" not in server.output and time.monotonic() < deadline:
            time.sleep(0.1)
    assert "dropped a client that read nothing" in server.output
    assert httpx.get(f"http://127.0.0.1:{server.port}/api/v3/1003/customers").status_code == 403
