"""The Batch API in a real ``serve`` process over a real socket: the batch runs on the
server's own event loop after the ticket is answered, and a restart forgets its tickets, as
docs/compatibility.md says."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from tests.support.servers import Server, bootstrap_token, stop_cleanly


def _finished(server: Server, auth: dict[str, str], ticket: str) -> dict[str, Any]:
    for _ in range(1000):
        response = httpx.get(f"{server.base()}/batch", params={"ticket": ticket}, headers=auth)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        if body["status"] == "COMPLETED":
            return body
        time.sleep(0.01)
    raise AssertionError(body)


def test_a_served_batch_runs_and_a_restart_forgets_its_ticket(
    launch: Callable[..., Server], tmp_path: Path
) -> None:
    database = tmp_path / "served.db"
    first = launch(database)
    auth = {"Authorization": f"Bearer {bootstrap_token(first)}"}
    items = [
        {"id": str(n), "path": "/customers", "method": "POST", "body": {"email": f"c{n}@x.net"}}
        for n in range(20)
    ]
    posted = httpx.post(f"{first.base()}/batch", json=items, headers=auth)
    assert posted.status_code == 200, posted.text
    ticket = posted.json()["ticket"]
    body = _finished(first, auth, ticket)
    assert [r["status"] for r in body["responses"]] == ["COMPLETED"] * 20
    stop_cleanly(first)

    second = launch(database)
    listed = httpx.get(f"{second.base()}/customers", headers=auth)
    assert listed.json()["total"] == 20  # what the batch did is stored...
    forgotten = httpx.get(f"{second.base()}/batch", params={"ticket": ticket}, headers=auth)
    assert forgotten.status_code == 404  # ...but its ticket was only in the first process
    assert forgotten.json()["errorCode"] == "BATCH_NOT_FOUND"
    stop_cleanly(second)
