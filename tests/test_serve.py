"""``ecwid-customers serve`` as a real process on a real socket: first start, restart, races."""

from __future__ import annotations

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
