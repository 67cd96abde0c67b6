"""CORS (``serve --cors-origin``): preflights answered without a token, answers readable by an
allowed origin's page, and, when it is off, an ``OPTIONS`` answered in Ecwid's shape."""

from __future__ import annotations

import contextlib
import subprocess
import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import httpx
import pytest

from ecwid_customers.application import serving_app
from ecwid_customers.config import Settings, SettingsError, plan_serving
from ecwid_customers.http.asgi import App
from tests.support import Api, assert_error
from tests.support.servers import Server, stop_cleanly

APP_ORIGIN = "https://app.example.com"
PREFLIGHT = {
    "Origin": APP_ORIGIN,
    "Access-Control-Request-Method": "POST",
    "Access-Control-Request-Headers": "authorization, content-type",
}


@contextlib.asynccontextmanager
async def served(app: App) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


@contextlib.asynccontextmanager
async def with_cors(api: Api, *origins: str) -> AsyncIterator[Api]:
    app = serving_app(api.storage, Settings(cors_origins=origins), api.clock)
    async with served(app) as client:
        yield Api(client, api.storage, api.store_id, api.token, api.clock)


async def test_a_preflight_is_answered_without_a_token(api: Api) -> None:
    async with with_cors(api, APP_ORIGIN) as cors:
        for path in ("customers", "customers/5/contacts", "no/such/path"):
            answer = await cors.client.options(cors.url(path), headers=PREFLIGHT)
            assert answer.status_code == 204, answer.text
            assert answer.content == b""
            assert answer.headers["access-control-allow-origin"] == APP_ORIGIN
            assert answer.headers["access-control-allow-methods"] == "GET, POST, PUT, DELETE"
            assert answer.headers["access-control-allow-headers"] == "Authorization, Content-Type"
            assert int(answer.headers["access-control-max-age"]) > 0
            assert answer.headers["vary"] == "Origin"
            assert "access-control-allow-credentials" not in answer.headers


async def test_answers_to_an_allowed_origin_carry_its_name(api: Api) -> None:
    async with with_cors(api, "https://other.example.org", APP_ORIGIN) as cors:
        created = await cors.client.post(
            cors.url(),
            json={"email": "ann@example.net"},
            headers={**cors.auth(), "Origin": APP_ORIGIN},
        )
        assert created.status_code == 200
        assert created.headers["access-control-allow-origin"] == APP_ORIGIN
        assert "Origin" in created.headers.get_list("vary")
        assert "Accept-Encoding" in created.headers.get_list("vary")  # the app's own, kept
        assert created.headers["access-control-expose-headers"] == "Retry-After"
        # Errors too, so the page can read Ecwid's errorMessage.
        refused = await cors.client.get(cors.url(), headers={"Origin": APP_ORIGIN})
        assert_error(refused, 403, "INVALID_API_TOKEN")
        assert refused.headers["access-control-allow-origin"] == APP_ORIGIN


async def test_another_origin_gets_no_cors_headers(api: Api) -> None:
    async with with_cors(api, APP_ORIGIN) as cors:
        elsewhere = {"Origin": "https://evil.example.net"}
        preflight = await cors.client.options(cors.url(), headers={**PREFLIGHT, **elsewhere})
        assert_error(preflight, 403, "INVALID_API_TOKEN")  # an ordinary call without a token
        assert "access-control-allow-origin" not in preflight.headers
        read = await cors.client.get(cors.url(), headers={**cors.auth(), **elsewhere})
        assert read.status_code == 200
        assert "access-control-allow-origin" not in read.headers
        assert "Origin" in read.headers.get_list("vary")  # a cache must not share it


async def test_any_origin(api: Api) -> None:
    async with with_cors(api, "*") as cors:
        origin = {"Origin": "http://localhost:3000"}
        preflight = await cors.client.options(cors.url(), headers={**PREFLIGHT, **origin})
        assert preflight.status_code == 204
        assert preflight.headers["access-control-allow-origin"] == "*"
        read = await cors.client.get(cors.url(), headers={**cors.auth(), **origin})
        assert read.headers["access-control-allow-origin"] == "*"


async def test_only_the_api_takes_part(api: Api) -> None:
    async with with_cors(api, APP_ORIGIN) as cors:
        health = await cors.client.get("/healthz", headers={"Origin": APP_ORIGIN})
        assert "access-control-allow-origin" not in health.headers
        preflight = await cors.client.options("/openapi.json", headers=PREFLIGHT)
        assert "access-control-allow-origin" not in preflight.headers


async def test_off_by_default_an_options_gets_ecwid_errors(api: Api) -> None:
    async with served(serving_app(api.storage, Settings(), api.clock)) as client:
        preflight = await client.options(api.url(), headers=PREFLIGHT)
        assert_error(preflight, 403, "INVALID_API_TOKEN")
        assert "access-control-allow-origin" not in preflight.headers
        with_token = await client.options(api.url(), headers={**PREFLIGHT, **api.auth()})
        assert_error(with_token, 405, "METHOD_NOT_ALLOWED")
        assert "access-control-allow-origin" not in with_token.headers


@pytest.mark.parametrize(
    "origin", ["app.example.com", "https://app.example.com/", "https://a.example/path", ""]
)
def test_an_origin_must_be_scheme_and_host(origin: str) -> None:
    with pytest.raises(SettingsError, match="--cors-origin"):
        plan_serving("sqlite:///x.db", Settings(cors_origins=(origin,)), workers=1, control=False)


def test_origins_with_ports_and_any_are_accepted() -> None:
    origins = ("http://localhost:3000", "HTTPS://App.Example.com", "*")
    plan = plan_serving("sqlite:///x.db", Settings(cors_origins=origins), workers=1, control=False)
    assert plan.settings.cors_origins == origins


def test_serve_answers_preflights_for_its_origins(
    launch: Callable[..., Server], migrated_sqlite: Path
) -> None:
    server = launch(migrated_sqlite, "--cors-origin", APP_ORIGIN, "--cors-origin", "http://x.test")
    answer = httpx.options(f"{server.base()}/customers", headers=PREFLIGHT)
    assert answer.status_code == 204
    assert answer.headers["access-control-allow-origin"] == APP_ORIGIN
    stop_cleanly(server)


def test_serve_refuses_what_is_not_an_origin(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "ecwid_customers", "serve", "--database",
         f"sqlite:///{tmp_path / 'x.db'}", "--cors-origin", "app.example.com"],
        capture_output=True,
        text=True,
        timeout=60,
    )  # fmt: skip
    assert result.returncode == 2
    assert "--cors-origin" in result.stderr
    assert "scheme://host[:port]" in result.stderr
