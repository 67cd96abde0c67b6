"""``ecwid-customers serve`` as a real process on a real socket: first start, restart, races."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from tests.support import full_customer_body
from tests.support.servers import Server, bootstrap_token, stop_cleanly


@pytest.fixture
def database(tmp_path: Path) -> Path:
    return tmp_path / "served.db"


@pytest.fixture
def server(launch: Callable[..., Server], database: Path) -> Server:
    return launch(database)


def test_first_start_creates_store_and_prints_a_working_curl_line(server: Server) -> None:
    token = bootstrap_token(server)
    assert "Store id: 1003" in server.output
    curl = re.search(r"curl -s -X POST (\S+) \\", server.output)
    assert curl
    assert curl[1] == f"{server.base()}/customers"
    assert f"-H 'Authorization: Bearer {token}'" in server.output

    body = re.search(r"-d '(\{.*\})'", server.output)
    assert body
    created = httpx.post(
        curl[1],
        content=body[1],
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    assert created.status_code == 200
    assert created.json() == {"id": 1}
    response = httpx.get(
        f"{server.base()}/customers/1", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.json()["billingPerson"]["name"] == "Ann Smith"
    assert "server" not in response.headers  # no software banner


def test_data_survives_a_restart(launch: Callable[..., Server], database: Path) -> None:
    first = launch(database)
    token = bootstrap_token(first)
    auth = {"Authorization": f"Bearer {token}"}
    body = {**full_customer_body(), "lang": "en"}  # the bootstrap store speaks English only
    created = httpx.post(f"{first.base()}/customers", json=body, headers=auth)
    assert created.status_code == 200
    before = httpx.get(f"{first.base()}/customers/{created.json()['id']}", headers=auth).json()
    stop_cleanly(first)

    second = launch(database)
    assert "Token:" not in second.output  # the store exists: no second bootstrap token
    assert "token create" in second.output
    after = httpx.get(f"{second.base()}/customers/{created.json()['id']}", headers=auth)
    assert after.status_code == 200
    assert after.json() == before
    stop_cleanly(second)


def test_racing_creates_over_real_sockets_store_one_customer(
    server: Server, database: Path
) -> None:
    token = bootstrap_token(server)

    def create(n: int) -> int:
        with httpx.Client() as client:
            return client.post(
                f"{server.base()}/customers",
                json={"email": "race@example.net", "taxId": str(n)},
                headers={"Authorization": f"Bearer {token}"},
            ).status_code

    with ThreadPoolExecutor(max_workers=20) as pool:
        statuses = sorted(pool.map(create, range(20)))
    assert statuses == [200] + [409] * 19
    stores = subprocess.run(
        [sys.executable, "-m", "ecwid_customers", "store", "list", "--database",
         f"sqlite:///{database}"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert stores.splitlines()[1].split() == ["1003", "en", "no", "yes", "no", "1", "1"]


def test_port_in_use_is_reported(server: Server, database: Path) -> None:
    process = subprocess.run(
        [sys.executable, "-m", "ecwid_customers", "serve", "--database",
         f"sqlite:///{database}", "--port", str(server.port)],
        capture_output=True, text=True, timeout=30,
    )  # fmt: skip
    assert process.returncode != 0
    assert "address already in use" in (process.stdout + process.stderr).lower()


def test_no_default_store_leaves_an_empty_database_empty(
    launch: Callable[..., Server], database: Path
) -> None:
    server = launch(database, "--no-default-store")
    assert "Token:" not in server.output
    assert "store create" in server.output  # what to do instead
    stop_cleanly(server)
    stores = subprocess.run(
        [sys.executable, "-m", "ecwid_customers", "store", "list", "--database",
         f"sqlite:///{database}"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert stores.splitlines()[1:] == []


PINNED = "secret_" + "F1xture" * 4 + "Tken"


def _write_fixture(folder: Path, name: str, body: dict[str, object]) -> None:
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(json.dumps({"format": "ecwid-customers/store-fixture@1", **body}))


def test_serve_loads_fixtures_with_their_tokens_at_every_start(
    launch: Callable[..., Server], database: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "fixtures"
    _write_fixture(folder, "shop.json", {
        "store": {"id": 77, "languages": ["en", "fr"]},
        "customers": [{"email": "ann@example.net", "lang": "fr"}],
        "tokens": [{"token": PINNED, "scopes": ["read_customers"]}],
    })  # fmt: skip
    first = launch(database, "--fixtures", str(folder))
    assert "Loaded shop.json: store 77, 1 customer, 1 token." in first.output
    assert "Token:" not in first.output  # the database has a store: no store 1003
    url = f"http://127.0.0.1:{first.port}/api/v3/77/customers"
    auth = {"Authorization": f"Bearer {PINNED}"}
    assert httpx.get(url, headers=auth).json()["items"][0]["email"] == "ann@example.net"
    assert httpx.post(url, headers=auth, json={"email": "b@example.net"}).status_code == 403
    stop_cleanly(first)

    second = launch(database, "--fixtures", str(folder))  # the same token: kept, not an error
    assert "Loaded shop.json" in second.output
    assert (
        httpx.get(url.replace(str(first.port), str(second.port)), headers=auth).json()["total"] == 1
    )
    stop_cleanly(second)


def test_a_bad_fixture_file_stops_the_start_naming_the_file(database: Path, tmp_path: Path) -> None:
    folder = tmp_path / "fixtures"
    _write_fixture(folder, "a_good.json", {"store": {"id": 5}})
    _write_fixture(folder, "b_bad.json", {"store": {"id": 6}, "customers": [{"email": "x"}]})
    done = subprocess.run(
        [sys.executable, "-m", "ecwid_customers", "serve", "--database",
         f"sqlite:///{database}", "--port", "0", "--fixtures", str(folder)],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 1
    assert done.stderr.splitlines() == [done.stderr.strip()]
    assert f"{folder / 'b_bad.json'}: fixture customers[0]" in done.stderr
    assert not database.exists()  # checked whole before anything is stored
