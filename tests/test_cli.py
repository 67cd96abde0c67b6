"""The ecwid-customers command line, against a real SQLite file."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from ecwid_customers.cli import main
from ecwid_customers.domain.tokens import hash_token
from ecwid_customers.storage import migrate
from ecwid_customers.storage.sqlite.storage import SQLiteStorage


@pytest.fixture
def url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'cli.db'}"


def run(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)


def test_store_create_and_list(url: str) -> None:
    result = run("store", "create", "--database", url, "--id", "42", "--languages", "en, fr,en")
    assert result.exit_code == 0, result.output
    assert "Created store 42 (languages: en,fr)" in result.output
    run("store", "create", "--database", url, "--id", "7", "--legacy-sign-in")

    listing = run("store", "list", "--database", url)
    lines = listing.output.splitlines()
    assert lines[0].split() == [
        "STORE", "LANGUAGES", "LEGACY", "SIGN-IN", "GROUPS", "SUSPENDED", "CUSTOMERS", "TOKENS"
    ]  # fmt: skip
    assert lines[1].split() == ["7", "en", "yes", "yes", "no", "0", "0"]
    assert lines[2].split() == ["42", "en,fr", "no", "yes", "no", "0", "0"]


def test_duplicate_store_is_an_error(url: str) -> None:
    run("store", "create", "--database", url, "--id", "42")
    result = run("store", "create", "--database", url, "--id", "42")
    assert result.exit_code == 1
    assert "store 42 already exists" in result.output


def test_database_url_from_environment(tmp_path: Path) -> None:
    env = {"ECWID_CUSTOMERS_DATABASE_URL": f"sqlite:///{tmp_path / 'env.db'}"}
    assert run("store", "create", "--id", "5", env=env).exit_code == 0
    assert (tmp_path / "env.db").exists()


def test_serve_explains_a_bad_database_url_before_listening(tmp_path: Path) -> None:
    result = run("serve", "--database", str(tmp_path / "plain-path.db"), "--port", "0")
    assert result.exit_code == 2
    assert "Invalid value for --database: unsupported database URL" in result.output
    assert "unexpected" not in result.output
    assert not (tmp_path / "plain-path.db").exists()


def test_bad_database_url_is_explained(tmp_path: Path) -> None:
    result = run("store", "list", "--database", "mysql://nowhere")
    assert result.exit_code == 2
    assert "unsupported database URL" in result.output


def _token_works(url: str, store_id: int, token: str) -> bool:
    async def check() -> bool:
        storage = SQLiteStorage(Path(url.removeprefix("sqlite:///")))
        await storage.open()
        try:
            return (await storage.access(store_id, hash_token(token))).grant is not None
        finally:
            await storage.close()

    return asyncio.run(check())


def test_token_create_prints_a_working_token_and_keeps_only_its_hash(url: str) -> None:
    run("store", "create", "--database", url, "--id", "42")
    result = run(
        "token", "create", "--database", url, "--store", "42", "--scopes",
        "read_customers,create_customers",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    token = result.output.strip()
    assert token.startswith("secret_")
    assert len(token) == len("secret_") + 32
    assert _token_works(url, 42, token)
    database = Path(url.removeprefix("sqlite:///"))
    with sqlite3.connect(database) as connection:
        dump = "\n".join(connection.iterdump())
    assert token not in dump
    assert token[7:] not in dump


def test_token_create_with_pinned_value(url: str) -> None:
    run("store", "create", "--database", url, "--id", "42")
    pinned = "public_" + "Ab1" * 10 + "xy"
    result = run(
        "token", "create", "--database", url, "--store", "42", "--scopes", "read_customers",
        "--token", pinned,
    )  # fmt: skip
    assert result.output.strip() == pinned
    listing = run("token", "list", "--database", url).output
    assert "public_Ab***xy" in listing
    assert pinned not in listing


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--scopes", "read_everything"), "unknown scope(s): read_everything"),
        (("--scopes", " , "), "at least one scope"),
        (("--scopes", "read_customers", "--token", "token123"), "starts with secret_ or public_"),
        (("--scopes", "read_customers", "--token", "secret_a-b"), "only letters and digits"),
    ],
)
def test_token_create_rejects_bad_input(url: str, args: tuple[str, ...], message: str) -> None:
    run("store", "create", "--database", url, "--id", "42")
    result = run("token", "create", "--database", url, "--store", "42", *args)
    assert result.exit_code == 2
    assert message in result.output


def test_token_for_unknown_store_is_an_error(url: str) -> None:
    run("store", "create", "--database", url, "--id", "8")
    result = run("token", "create", "--database", url, "--store", "9", "--scopes", "read_customers")
    assert result.exit_code == 1
    assert "store 9 does not exist" in result.output


def test_token_list_and_revoke(url: str) -> None:
    run("store", "create", "--database", url, "--id", "42")
    run("store", "create", "--database", url, "--id", "43")
    token = run(
        "token", "create", "--database", url, "--store", "42", "--scopes", "read_customers"
    ).output.strip()
    run("token", "create", "--database", url, "--store", "43", "--scopes", "create_customers")

    only_42 = run("token", "list", "--database", url, "--store", "42").output.splitlines()
    assert len(only_42) == 2
    token_id = only_42[1].split()[0]
    assert only_42[1].split()[1:4] == [
        "42",
        f"secret_{token[7:9]}***{token[-2:]}",
        "read_customers",
    ]
    assert only_42[1].split()[-1] == "-"

    result = run("token", "revoke", "--database", url, token_id)
    assert result.exit_code == 0
    assert f"Revoked token {token_id}." in result.output
    assert not _token_works(url, 42, token)
    assert (
        run("token", "list", "--database", url, "--store", "42").output.splitlines()[1].split()[-1]
        != "-"
    )

    again = run("token", "revoke", "--database", url, token_id)
    assert again.exit_code == 1
    assert f"no live token has id {token_id}" in again.output


def test_help_lists_every_command() -> None:
    result = run("--help")
    for command in ("serve", "store", "token"):
        assert command in result.output
    assert "ecwid-customers, version" in run("--version").output


def test_suspend_and_resume(url: str) -> None:
    run("store", "create", "--database", url, "--id", "42")
    assert "Suspended store 42." in run("store", "suspend", "--database", url, "42").output
    assert run("store", "list", "--database", url).output.splitlines()[1].split()[4] == "yes"
    assert "Resumed store 42." in run("store", "resume", "--database", url, "42").output
    assert run("store", "list", "--database", url).output.splitlines()[1].split()[4] == "no"
    missing = run("store", "suspend", "--database", url, "9")
    assert missing.exit_code == 1
    assert "store 9 does not exist" in missing.output


def test_db_upgrade_and_current(url: str) -> None:
    missing = run("db", "current", "--database", url)
    assert (missing.exit_code, missing.output.strip()) == (3, f"Error: no database at {url[10:]}")
    sqlite3.connect(url.removeprefix("sqlite:///")).close()  # an empty file: no schema yet
    head = migrate.HEAD
    assert run("db", "current", "--database", url).output.strip() == f"empty (newest is {head})"
    first = run("db", "upgrade", "--database", url)
    assert first.exit_code == 0, first.output
    assert f"Upgraded the schema from nothing to {head}." in first.output
    again = run("db", "upgrade", "--database", url).output
    assert f"Already at the newest schema ({head})." in again
    assert run("db", "current", "--database", url).output.strip() == f"{head} (newest)"


def test_store_rate_limit(url: str) -> None:
    run("store", "create", "--database", url, "--id", "42")
    assert (
        "Store 42: rate limit 10."
        in run("store", "rate-limit", "--database", url, "42", "10").output
    )
    assert run("store", "rate-limit", "--database", url, "42", "off").exit_code == 0
    assert run("store", "rate-limit", "--database", url, "42", "server").exit_code == 0
    assert run("store", "rate-limit", "--database", url, "42", "-3").exit_code == 2
    assert run("store", "rate-limit", "--database", url, "42", "\u00b2").exit_code == 2
    assert run("store", "rate-limit", "--database", url, "42", "9" * 20).exit_code == 2
    assert run("store", "rate-limit", "--database", url, "9", "10").exit_code == 1


def _fixture(customers: list[dict[str, object]], store_id: int = 1) -> str:
    return json.dumps(
        {"format": "ecwid-customers/store-fixture@1", "store": {"id": store_id},
         "customers": customers}
    )  # fmt: skip


def test_store_export_import_round_trip(url: str, tmp_path: Path) -> None:
    hand_written = tmp_path / "hand.json"
    hand_written.write_text(
        _fixture([{"email": "ann@example.net", "billingPerson": {"name": "Ann Smith"},
                   "stats": {"numberOfOrders": 2, "salesValue": 25,
                             "lastOrderDate": "2024-03-10 09:00:00 +0000"},
                   "purchasedProductIds": [9, 4]},
                  {"email": "bob@example.net"}])
    )  # fmt: skip
    result = run("store", "import", "--database", url, "--id", "12", str(hand_written))
    assert result.exit_code == 0, result.output
    assert "Imported 2 customers into store 12" in result.output

    first = tmp_path / "first.json"
    assert run("store", "export", "--database", url, "12", "-o", str(first)).exit_code == 0
    exported = json.loads(first.read_text())
    assert [c["id"] for c in exported["customers"]] == [1, 2]
    assert exported["customers"][0]["billingPerson"]["firstName"] == "Ann"
    # The order-history stand-in comes back out, averageOrderValue derived.
    assert exported["customers"][0]["stats"] == {
        "numberOfOrders": 2,
        "salesValue": 25,
        "averageOrderValue": 12.5,
        "lastOrderDate": "2024-03-10 09:00:00 +0000",
    }
    assert exported["customers"][0]["purchasedProductIds"] == [4, 9]
    assert "purchasedProductIds" not in exported["customers"][1]
    assert exported["nextIds"]["customer"] == 3

    # Into another database and back out: the same bytes, so fixtures diff cleanly.
    other = f"sqlite:///{tmp_path / 'other.db'}"
    assert run("store", "import", "--database", other, str(first)).exit_code == 0
    again = run("store", "export", "--database", other, "12")
    assert again.output == first.read_text()


def test_store_import_refuses_a_bad_fixture_and_keeps_the_store(url: str, tmp_path: Path) -> None:
    good = tmp_path / "good.json"
    good.write_text(_fixture([{"email": "kept@example.net"}], store_id=3))
    assert run("store", "import", "--database", url, str(good)).exit_code == 0
    bad = tmp_path / "bad.json"
    bad.write_text(_fixture([{"email": "new@example.net"}, {"email": "no at sign"}], store_id=3))

    result = run("store", "import", "--database", url, str(bad))

    assert result.exit_code == 1
    assert "customers[1]" in result.output
    exported = json.loads(run("store", "export", "--database", url, "3").output)
    assert [c["email"] for c in exported["customers"]] == ["kept@example.net"]


def test_store_reset_and_delete(url: str, tmp_path: Path) -> None:
    fixture = tmp_path / "f.json"
    fixture.write_text(_fixture([{"email": "a@example.net"}], store_id=8))
    run("store", "import", "--database", url, str(fixture))
    run("token", "create", "--database", url, "--store", "8", "--scopes", "read_customers")

    assert run("store", "reset", "--database", url, "8").exit_code == 0
    listing = run("store", "list", "--database", url).output.splitlines()
    assert listing[1].split() == ["8", "en", "no", "yes", "no", "0", "1"]  # token kept

    assert run("store", "delete", "--database", url, "8", "--yes").exit_code == 0
    assert len(run("store", "list", "--database", url).output.splitlines()) == 1
    missing = run("store", "reset", "--database", url, "8")
    assert missing.exit_code == 1
    assert "store 8 does not exist" in missing.output


@pytest.mark.parametrize("value", ["secret_" + "a" * 32, "admin_", "admin_short"])
def test_serve_refuses_a_weak_or_misnamed_admin_token(url: str, value: str) -> None:
    result = CliRunner().invoke(main, ["serve", "--database", url, "--admin-token", value])
    assert result.exit_code == 2
    assert "--admin-token" in result.output


def test_counts_are_singular_or_plural(url: str, tmp_path: Path) -> None:
    one = tmp_path / "one.json"
    one.write_text(_fixture([{"email": "ann@example.net"}], store_id=4))
    assert "Imported 1 customer into store 4." in run("store", "import", "--database", url,
                                                      str(one)).output  # fmt: skip
    exported = run("store", "export", "--database", url, "4", "-o", str(tmp_path / "out.json"))
    assert "Exported store 4 (1 customer) to" in exported.output
    none = tmp_path / "none.json"
    none.write_text(_fixture([], store_id=4))
    assert "Imported 0 customers into store 4." in run("store", "import", "--database", url,
                                                       str(none)).output  # fmt: skip


def test_store_import_makes_the_fixtures_tokens(url: str, tmp_path: Path) -> None:
    pinned = "secret_" + "Im" * 16
    fixture = tmp_path / "tokens.json"
    fixture.write_text(json.dumps({"format": "ecwid-customers/store-fixture@1",
                                   "store": {"id": 4}, "tokens": [{"token": pinned}]}))  # fmt: skip
    for _ in range(2):
        assert run("store", "import", "--database", url, str(fixture)).exit_code == 0
    assert _token_works(url, 4, pinned)
    assert len(run("token", "list", "--database", url).output.splitlines()) == 2  # one token
