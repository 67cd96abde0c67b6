"""``config``: the one check of a server's settings, and the one way a URL is printed."""

from __future__ import annotations

from pathlib import Path

import pytest

from ecwid_customers.application import build_app
from ecwid_customers.config import Settings, plan_serving, redact_url
from ecwid_customers.storage.sqlite.storage import SQLiteStorage
from tests.support import asgi_client


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("postgresql://ecwid:s3cr%40t@db:5432/x", "postgresql://ecwid:***@db:5432/x"),
        ("postgresql+asyncpg://u:p:q@h/x?sslmode=require", "postgresql+asyncpg://u:***@h/x?sslmode=require"),
        ("cannot open postgres://a:b@h/x: refused", "cannot open postgres://a:***@h/x: refused"),
        ("two: postgresql://a:1@h/x and postgresql://b:2@h/y", "two: postgresql://a:***@h/x and postgresql://b:***@h/y"),
        ("postgresql://ecwid@db/x?password=s3cr&sslmode=require", "postgresql://ecwid@db/x?password=***&sslmode=require"),
        ("postgresql://ecwid@db/x?sslmode=require&PASSWORD=s3cr", "postgresql://ecwid@db/x?sslmode=require&PASSWORD=***"),
        ("postgresql://ecwid@db/x", "postgresql://ecwid@db/x"),  # no password to hide
        ("postgresql://db:5432/x", "postgresql://db:5432/x"),  # a port is no password
        ("sqlite:////var/lib/x.db", "sqlite:////var/lib/x.db"),
    ],
)  # fmt: skip
def test_redact_url_hides_every_password(text: str, shown: str) -> None:
    assert redact_url(text) == shown


def test_several_workers_turn_the_control_plane_off_and_say_why() -> None:
    plan = plan_serving("postgresql://h/x", Settings(), workers=2, control=True)
    assert plan.settings.admin_token is None
    assert plan.notes == ("The control plane is off (--workers 2: it needs a single process).",)
    assert plan.settings.control_off_reason == "--workers 2: it needs a single process"
    assert "--no-control" not in " ".join(plan.notes)


@pytest.mark.parametrize(
    ("workers", "control", "reason"),
    [(2, True, "--workers 2: it needs a single process"), (1, False, "--no-control")],
)
async def test_control_disabled_names_the_real_cause(
    migrated_sqlite: Path, workers: int, control: bool, reason: str
) -> None:
    # The settings a worker is given; its app answers /_control/ with the cause.
    settings = plan_serving("postgresql://h/x", Settings(), workers=workers, control=control)
    storage = SQLiteStorage(migrated_sqlite)
    await storage.open()
    try:
        async with asgi_client(build_app(storage, settings.settings)) as client:
            response = await client.get("/_control/stores")
    finally:
        await storage.close()
    assert response.status_code == 404
    assert response.json() == {
        "errorMessage": f"The control plane is disabled on this server ({reason})",
        "errorCode": "CONTROL_DISABLED",
    }
