"""Every CLI error is one line on standard error with a documented exit status, and no
database password is printed: real PostgreSQL refusals, a closed port, missing SQLite files."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from ecwid_customers.cli.failures import EXIT_DATABASE, EXIT_FAILED, EXIT_USAGE

PASSWORD = "not-the-password-42"


def ecwid(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """The command as a user runs it: its own process, so what reaches the terminal is real."""
    return subprocess.run(
        [sys.executable, "-m", "ecwid_customers", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def assert_one_line_error(done: subprocess.CompletedProcess[str], status: int, words: str) -> str:
    assert done.returncode == status, done.stderr
    assert done.stdout == ""
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("Error: ")
    assert words in lines[0]
    assert "Traceback" not in done.stderr
    return lines[0]


def with_parts(
    url: str, *, password: str | None = None, port: int | None = None, db: str = ""
) -> str:
    parts = urlsplit(url)
    user = parts.username or ""
    host = parts.hostname or "127.0.0.1"
    netloc = f"{user}:{password if password is not None else parts.password}@{host}:"
    netloc += str(port if port is not None else parts.port or 5432)
    return urlunsplit((parts.scheme, netloc, db or parts.path, "", ""))


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])  # closed again when the block ends


@pytest.fixture(params=["wrong password", "missing database", "refused connection"])
def unreachable(request: pytest.FixtureRequest, postgres_server: str) -> tuple[str, str]:
    """A PostgreSQL URL that cannot be opened, with ``PASSWORD`` in it, and the reason."""
    if request.param == "wrong password":
        return with_parts(postgres_server, password=PASSWORD), "password authentication failed"
    if request.param == "missing database":
        # The right password: the server names a missing database only to a user it knows.
        return with_parts(postgres_server, db="/no_such_database_x"), "does not exist"
    return with_parts(postgres_server, password=PASSWORD, port=closed_port()), "refused"


@pytest.mark.parametrize(
    "command",
    [("store", "list"), ("token", "list"), ("db", "current"), ("db", "upgrade")],
    ids=" ".join,
)
def test_an_unreachable_postgres_is_one_line_without_the_password(
    unreachable: tuple[str, str], command: tuple[str, ...]
) -> None:
    url, reason = unreachable
    line = assert_one_line_error(ecwid(*command, "--database", url), EXIT_DATABASE, reason)
    assert PASSWORD not in line
    right = urlsplit(url).password
    assert right is not None
    assert f":{right}@" not in line
    assert ":***@" in line


def test_serve_on_an_unreachable_postgres_is_one_line(
    unreachable: tuple[str, str],
) -> None:
    url, reason = unreachable
    done = ecwid("serve", "--database", url, "--port", "0")
    line = assert_one_line_error(done, EXIT_DATABASE, reason)
    assert PASSWORD not in line


def test_the_port_taken_is_one_line_and_creates_nothing(tmp_path: Path) -> None:
    database = tmp_path / "new.db"
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        done = ecwid("serve", "--database", f"sqlite:///{database}", "--port", str(port))
    assert_one_line_error(done, EXIT_FAILED, f"cannot listen on 127.0.0.1:{port}")
    assert "address already in use" in done.stderr
    assert not database.exists()  # no store 1003, no token nobody saw


@pytest.mark.parametrize(
    "command",
    [
        ("store", "list"),
        ("store", "export", "1"),
        ("store", "reset", "1"),
        ("token", "list"),
        ("token", "create", "--store", "1", "--scopes", "read_customers"),
        ("webhooks", "list", "--store", "1"),
        ("db", "current"),
    ],
    ids=" ".join,
)
def test_commands_that_make_no_store_never_create_a_database(
    tmp_path: Path, command: tuple[str, ...]
) -> None:
    database = tmp_path / "no" / "such" / "dir" / "x.db"
    done = ecwid(*command, "--database", f"sqlite:///{database}")
    assert_one_line_error(done, EXIT_DATABASE, f"no database at {database}")
    assert list(tmp_path.iterdir()) == []  # not even the directories


def test_usage_errors_are_one_line_with_status_2(tmp_path: Path) -> None:
    done = ecwid("store", "list", "--database", f"mysql://root:{PASSWORD}@db/x")
    line = assert_one_line_error(done, EXIT_USAGE, "unsupported database URL")
    assert PASSWORD not in line
    assert "--help" in line  # where to read more, on the same line
    assert_one_line_error(ecwid("store", "create"), EXIT_USAGE, "Missing option '--id'")
    assert_one_line_error(ecwid("no-such-command"), EXIT_USAGE, "No such command")


@pytest.mark.parametrize(
    "value",
    ["secret_short", "secret_" + "a" * 31, "secret_" + "a" * 33, "public_" + "a" * 31 + "-"],
)
def test_token_create_wants_ecwids_token_format(tmp_path: Path, value: str) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    assert ecwid("store", "create", "--database", url, "--id", "5").returncode == 0
    done = ecwid("token", "create", "--database", url, "--store", "5", "--scopes",
                 "read_customers", "--token", value)  # fmt: skip
    assert_one_line_error(done, EXIT_USAGE, "32 of them")
    assert ecwid("token", "list", "--database", url).stdout.count("\n") == 1  # headings only


def test_a_group_alone_prints_its_help() -> None:
    done = ecwid("store")
    assert done.returncode == EXIT_USAGE  # click's own status for it
    assert done.stderr.startswith("Usage: ")
    assert " store [OPTIONS] COMMAND [ARGS]..." in done.stderr.splitlines()[0]
    assert "seed" in done.stderr
