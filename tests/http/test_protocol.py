"""The connection-level guards (http/protocol.py) and log hygiene, over a real socket.

Refusals happen before the app sees a request, so these tests talk raw HTTP to a real
``serve`` process: oversized heads, overlong URLs, garbage, clients that stall, and what the
server prints while it handles secrets.
"""

from __future__ import annotations

import contextlib
import json
import signal
import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from tests.support.servers import Server

SECRET_PASSWORD = "Pa55word-that-must-never-be-logged"


def exchange(port: int, request: bytes, timeout: float = 20.0) -> tuple[int, dict[str, str], bytes]:
    """Send raw bytes; the status, headers and body of the answer (read until close)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as connection:
        connection.sendall(request)
        received = b""
        while chunk := connection.recv(65536):
            received += chunk
            if b"\r\n\r\n" in received:
                head, _, body = received.partition(b"\r\n\r\n")
                length = next(
                    (int(line.split(b":")[1]) for line in head.split(b"\r\n")
                     if line.lower().startswith(b"content-length:")),
                    None,
                )  # fmt: skip
                if length is not None and len(body) >= length:
                    break
    head, _, body = received.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines)}
    return int(status_line.split()[1]), headers, body


def get(path: str, *headers: bytes) -> bytes:
    return b"GET " + path.encode() + b" HTTP/1.1\r\nHost: test\r\n" + b"".join(headers) + b"\r\n"


@pytest.fixture
def server(launch: Callable[..., Server], tmp_path: Path) -> Server:
    return launch(tmp_path / "customers.db", "--head-timeout", "1")


def token_of(server: Server) -> str:
    return next(w for w in server.output.split() if w.startswith("secret_"))


def assert_ecwid_error(body: bytes, code: str) -> None:
    error = json.loads(body)
    assert set(error) == {"errorMessage", "errorCode"}
    assert error["errorCode"] == code


ADMIN = "admin_" + "p" * 32


@pytest.fixture
def launch_controlled(
    launch: Callable[..., Server], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Callable[..., Server]:
    """Starts a server with the control plane on (its admin token ``ADMIN``)."""
    monkeypatch.setenv("ECWID_CUSTOMERS_ADMIN_TOKEN", ADMIN)
    return lambda *args: launch(tmp_path / "customers.db", *args)


def add_fault(server: Server, rule: dict[str, object]) -> None:
    answer = httpx.post(f"http://127.0.0.1:{server.port}/_control/faults", json=rule,
                        headers={"Authorization": f"Bearer {ADMIN}"})  # fmt: skip
    answer.raise_for_status()


def test_a_head_within_the_limits_is_served(server: Server) -> None:
    padding = b"X-Padding: " + b"p" * 30_000 + b"\r\n"
    status, _, body = exchange(server.port, get("/api/v3/1003/customers?" + "x" * 8000, padding))
    assert status == 403  # reached the app, which wants a token
    assert_ecwid_error(body, "INVALID_API_TOKEN")


@pytest.mark.parametrize("size", [40_000, 2_000_000])
def test_oversized_headers_get_431(server: Server, size: int) -> None:
    big = b"X-Big: " + b"b" * size + b"\r\n"
    status, headers, body = exchange(server.port, get("/api/v3/1003/customers", big))
    assert status == 431
    assert headers["connection"] == "close"
    assert headers["content-type"].startswith("application/json")
    assert_ecwid_error(body, "REQUEST_HEADERS_TOO_LARGE")


@pytest.mark.parametrize("size", [9_000, 1_000_000])
def test_overlong_urls_get_414(server: Server, size: int) -> None:
    status, _, body = exchange(server.port, get("/api/v3/1003/customers?" + "q" * size))
    assert status == 414
    assert_ecwid_error(body, "URI_TOO_LONG")


def test_garbage_gets_ecwids_400(server: Server) -> None:
    status, _, body = exchange(server.port, b"\x00\x01 not http at all\r\n\r\n")
    assert status == 400
    assert_ecwid_error(body, "WRONG_PARAMETER")


def test_a_stalled_head_gets_408_and_others_are_served_meanwhile(server: Server) -> None:
    answers: list[tuple[int, dict[str, str], bytes]] = []
    # Half a request line, then nothing: the server must cut it off after --head-timeout.
    stalled = threading.Thread(
        target=lambda: answers.append(exchange(server.port, b"GET /api/v3/1003/cust"))
    )
    stalled.start()
    token = token_of(server)
    with httpx.Client(headers={"Authorization": f"Bearer {token}"}) as client:
        for number in range(20):
            created = client.post(f"{server.base()}/customers", json={"email": f"{number}@x.io"})
            assert created.status_code == 200
    assert stalled.is_alive()  # still waiting while the others were served
    stalled.join(timeout=15)
    status, _, body = answers[0]
    assert status == 408
    assert_ecwid_error(body, "REQUEST_TIMEOUT")


def test_a_slow_body_does_not_hold_up_others(server: Server) -> None:
    token = token_of(server).encode()
    with socket.create_connection(("127.0.0.1", server.port), timeout=20) as slow:
        # Headers complete, body promised but only partly sent.
        slow.sendall(
            b"POST /api/v3/1003/customers HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer " + token
            + b"\r\nContent-Type: application/json\r\nContent-Length: 40\r\n\r\n{\"email\""
        )  # fmt: skip
        with httpx.Client(headers={"Authorization": f"Bearer {token.decode()}"}) as client:
            for number in range(10):
                created = client.post(
                    f"{server.base()}/customers", json={"email": f"{number}@s.io"}
                )
                assert created.status_code == 200
        slow.sendall(b': "slow@example.net"}'.ljust(40 - 8))
        answer = slow.recv(4096)
    assert answer.startswith(b"HTTP/1.1 200")


def test_a_body_still_coming_at_shutdown_gets_a_retryable_503(
    server: Server,
) -> None:
    token = token_of(server).encode()
    with httpx.Client(headers={"Authorization": f"Bearer {token.decode()}"}) as client:
        created = client.post(f"{server.base()}/customers", json={"email": "stays@s.io"})
        customer_id = created.json()["id"]
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as stalled:
        stalled.sendall(
            b"PUT /api/v3/1003/customers/%d HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer %s"
            b'\r\nContent-Type: application/json\r\nContent-Length: 40\r\n\r\n{"email"'
            % (customer_id, token)
        )  # the rest of the body never comes
        time.sleep(0.3)  # the app is waiting for it
        server.process.send_signal(signal.SIGTERM)
        received = b""
        while chunk := stalled.recv(65536):
            received += chunk
    head, _, body = received.partition(b"\r\n\r\n")
    # Before the fix uvicorn's graceful shutdown cancelled the request and sent a plain 500.
    assert head.startswith(b"HTTP/1.1 503"), received
    assert b"retry-after: 1" in head.lower()
    assert_ecwid_error(body, "SERVICE_UNAVAILABLE")
    assert server.stop() in (0, -signal.SIGTERM)
    assert "Traceback" not in server.output
    assert "timeout graceful shutdown exceeded" not in server.output


def test_a_body_still_coming_at_shutdown_is_refused_after_the_answers_owed_before_it(
    launch_controlled: Callable[..., Server],
) -> None:
    server = launch_controlled()
    token = token_of(server)
    with httpx.Client(headers={"Authorization": f"Bearer {token}"}) as client:
        created = client.post(f"{server.base()}/customers", json={"email": "was@s.io"})
        customer_id = created.json()["id"]
        # The PUT is still running when the grace for the body queued behind it runs out.
        slow = {"storeId": 1003, "route": "customers/{customerId}", "method": "PUT",
                "latencyMs": 7000, "times": 1}  # fmt: skip
        add_fault(server, slow)
    auth = b"Authorization: Bearer " + token.encode() + b"\r\n"
    body = b'{"email": "now@s.io"}'
    put = (
        b"PUT /api/v3/1003/customers/%d HTTP/1.1\r\nHost: t\r\n%sContent-Type: application/json"
        b"\r\nContent-Length: %d\r\n\r\n%s" % (customer_id, auth, len(body), body)
    )
    stalled = (
        b"POST /api/v3/1003/customers HTTP/1.1\r\nHost: t\r\n" + auth
        + b'Content-Type: application/json\r\nContent-Length: 40\r\n\r\n{"email"'
    )  # fmt: skip
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as connection:
        connection.sendall(get(f"/api/v3/1003/customers/{customer_id}", auth) + put + stalled)
        time.sleep(0.3)  # the GET is answered, the PUT is running, the POST waits for its body
        server.process.send_signal(signal.SIGTERM)
        received = read_until_closed(connection)
    # Before the fix the 503 went out at the end of the grace, in the PUT's place, though
    # the PUT was applied.
    assert statuses(received) == [b"200", b"200", b"503"], received
    assert b'"updateCount":1' in received.split(b"HTTP/1.1 ")[2]  # the PUT, applied
    refusal_head, _, refusal_body = received.split(b"HTTP/1.1 503")[1].partition(b"\r\n\r\n")
    assert b"retry-after: 1" in refusal_head.lower()
    assert_ecwid_error(refusal_body, "SERVICE_UNAVAILABLE")
    assert server.stop() in (0, -signal.SIGTERM)
    assert "Traceback" not in server.output


def test_a_broken_body_of_a_queued_request_is_refused_after_the_answer_before_it(
    launch_controlled: Callable[..., Server],
) -> None:
    server = launch_controlled()
    auth = b"Authorization: Bearer " + token_of(server).encode() + b"\r\n"
    add_fault(server, {"storeId": 1003, "route": "customers", "latencyMs": 300, "times": 1})
    broken = (
        b"POST /api/v3/1003/customers HTTP/1.1\r\nHost: t\r\n" + auth
        + b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
        + b'5\r\n{"ema\r\nZZZ\r\n\r\n'
    )  # fmt: skip
    with socket.create_connection(("127.0.0.1", server.port), timeout=20) as connection:
        connection.sendall(get("/api/v3/1003/customers", auth) + broken)
        assert statuses(read_until_closed(connection)) == [b"200", b"400"]


def test_no_server_software_or_version_is_revealed(server: Server) -> None:
    _, headers, _ = exchange(server.port, get("/api/v3/1003/customers"))
    assert "server" not in headers
    assert "x-powered-by" not in headers
    for value in headers.values():
        assert "uvicorn" not in value.lower()
        assert "python" not in value.lower()


def test_logs_hold_no_tokens_passwords_or_bodies(
    launch: Callable[..., Server], tmp_path: Path
) -> None:
    server = launch(tmp_path / "customers.db", "--access-log", "--log-level", "debug",
                    "--allow-query-token")  # fmt: skip
    token = token_of(server)
    body = {"email": "logged@example.net", "password": SECRET_PASSWORD, "taxId": "DISTINCT-TAX"}
    with httpx.Client() as client:
        auth = {"Authorization": f"Bearer {token}"}
        assert client.post(f"{server.base()}/customers", json=body, headers=auth).status_code == 200
        assert client.get(f"{server.base()}/customers?token={token}").status_code == 200
        assert client.get(f"{server.base()}/customers?tok%65n={token}").status_code == 200
        assert client.get(f"{server.base()}/customers/1", headers=auth).status_code == 200
        client.post(f"{server.base()}/customers", content=b"{broken", headers=auth)

    server.stop()
    # The bootstrap banner prints the new token once, by design: look only at what follows it.
    after_start = server.output.split("Application startup complete", 1)[1]
    assert "POST /api/v3/1003/customers" in after_start  # the access log is on
    assert "token=***" in after_start
    assert "tok%65n=***" in after_start
    assert token not in after_start
    assert SECRET_PASSWORD not in server.output
    assert "DISTINCT-TAX" not in server.output
    assert "logged@example.net" not in server.output


def test_a_pipelined_request_after_a_large_body_is_not_refused(server: Server) -> None:
    token = token_of(server).encode()
    addresses = b",".join(b'{"street": "%d %s"}' % (n, b"s" * 990) for n in range(60))
    body = b'{"email": "big@example.net", "shippingAddresses": [' + addresses + b"]}"
    post = (
        b"POST /api/v3/1003/customers HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer " + token
        + b"\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(body)
        + body
    )  # fmt: skip
    get_created = get("/api/v3/1003/customers/1", b"Authorization: Bearer " + token + b"\r\n")
    with socket.create_connection(("127.0.0.1", server.port), timeout=20) as connection:
        # The body, then the next request's first bytes in the same chunk, then the rest.
        connection.sendall(post + get_created[:10])
        connection.sendall(get_created[10:])
        received = b""
        while received.count(b"HTTP/1.1 ") < 2 or not received.endswith(b"}"):
            chunk = connection.recv(65536)
            assert chunk, received
            received += chunk
    assert received.startswith(b"HTTP/1.1 200")
    assert received.count(b"HTTP/1.1 200") == 2
    assert b"big@example.net" in received


def test_a_refusal_waits_for_the_answer_owed_to_an_earlier_request(
    launch_controlled: Callable[..., Server],
) -> None:
    server = launch_controlled()
    token = token_of(server).encode()
    add_fault(server, {"storeId": 1003, "route": "customers", "latencyMs": 300, "times": 1})
    first = get("/api/v3/1003/customers", b"Authorization: Bearer " + token + b"\r\n")
    second = get("/api/v3/1003/customers", b"X-Big: " + b"b" * 40_000 + b"\r\n")
    with socket.create_connection(("127.0.0.1", server.port), timeout=20) as connection:
        connection.sendall(first + second)
        received = b""
        while chunk := connection.recv(65536):
            received += chunk
    answers = received.split(b"HTTP/1.1 ")[1:]
    assert [answer[:3] for answer in answers] == [b"200", b"431"]


def test_an_upgrade_request_is_answered_as_plain_http(server: Server) -> None:
    upgrade = b"Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n"
    status, _, body = exchange(server.port, get("/api/v3/1003/customers", upgrade), timeout=5)
    assert status == 403
    assert_ecwid_error(body, "INVALID_API_TOKEN")


def read_until_closed(connection: socket.socket) -> bytes:
    received = b""
    with contextlib.suppress(ConnectionResetError):
        while chunk := connection.recv(65536):
            received += chunk
    return received


def statuses(received: bytes) -> list[bytes]:
    return [answer[:3] for answer in received.split(b"HTTP/1.1 ")[1:]]


def test_garbage_after_pipelined_requests_is_refused_after_their_answers(server: Server) -> None:
    auth = b"Authorization: Bearer " + token_of(server).encode() + b"\r\n"
    with socket.create_connection(("127.0.0.1", server.port), timeout=20) as connection:
        connection.sendall(get("/api/v3/1003/customers", auth) * 2 + b"GARBAGE\r\n\r\n")
        assert statuses(read_until_closed(connection)) == [b"200", b"200", b"400"]


def test_a_broken_chunked_body_is_refused_at_once(server: Server) -> None:
    auth = b"Authorization: Bearer " + token_of(server).encode() + b"\r\n"
    head = b"POST /api/v3/1003/customers HTTP/1.1\r\nHost: t\r\n" + auth
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as connection:
        broken = b'5\r\n{"ema\r\nZZZ\r\n\r\n'
        connection.sendall(
            head + b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n" + broken
        )
        assert statuses(read_until_closed(connection)) == [b"400"]


def test_an_upgrade_request_cannot_smuggle_a_request_in_its_body(server: Server) -> None:
    token = token_of(server)
    with httpx.Client(headers={"Authorization": f"Bearer {token}"}) as client:
        assert client.post(f"{server.base()}/customers", json={"email": "kept@x.io"}).is_success
    smuggled = get("/api/v3/1003/customers/1", b"Authorization: Bearer " + token.encode() + b"\r\n")
    smuggled = smuggled.replace(b"GET ", b"DELETE ", 1)
    head = (
        b"POST /api/v3/1003/customers HTTP/1.1\r\nHost: t\r\nConnection: Upgrade\r\n"
        b"Upgrade: h2c\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n"
        % len(smuggled)
    )
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as connection:
        connection.sendall(head)
        time.sleep(0.2)  # the "body" in a segment of its own
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            connection.sendall(smuggled)
        assert statuses(read_until_closed(connection)) == [b"400"]
    with httpx.Client(headers={"Authorization": f"Bearer {token}"}) as client:
        assert client.get(f"{server.base()}/customers/1").status_code == 200  # not deleted


def test_endless_trailers_are_cut_off(server: Server) -> None:
    auth = b"Authorization: Bearer " + token_of(server).encode() + b"\r\n"
    head = b"POST /api/v3/1003/customers HTTP/1.1\r\nHost: t\r\n" + auth
    trailers = (b"X-T: " + b"a" * 100 + b"\r\n") * 1000
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as connection:
        connection.sendall(head + b"Content-Type: application/json\r\n"
                           b"Transfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n")  # fmt: skip
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            for _ in range(50):  # 5 MB of trailers: far past the limit
                connection.sendall(trailers)
        answer = read_until_closed(connection)
    assert statuses(answer) in ([b"431"], [])  # answered, or reset while still sending


def test_a_pipelined_head_held_up_by_the_server_is_not_timed_out(
    launch_controlled: Callable[..., Server],
) -> None:
    server = launch_controlled("--head-timeout", "1")
    auth = b"Authorization: Bearer " + token_of(server).encode() + b"\r\n"
    add_fault(server, {"storeId": 1003, "route": "customers", "latencyMs": 2500, "times": 1})
    request = get("/api/v3/1003/customers", auth)
    with socket.create_connection(("127.0.0.1", server.port), timeout=20) as connection:
        # A slow answer, a request queued behind it, and part of a third: the server reads
        # nothing more until it has answered, so the third's head cannot be late.
        connection.sendall(request + request + request[:20])
        time.sleep(0.2)
        connection.sendall(
            request[20:] + b"GET /x HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"
        )
        assert statuses(read_until_closed(connection)) == [b"200", b"200", b"200", b"404"]
