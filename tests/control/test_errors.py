"""The control plane's own errors (``control_*`` in errors.py), each reached once through HTTP,
and the catalogue fault rules draw from (``errors.sample``)."""

from __future__ import annotations

import inspect
from typing import Any

import httpx

from ecwid_customers import errors
from ecwid_customers.application import build_app
from ecwid_customers.config import Settings
from ecwid_customers.domain.clock import ManualClock
from ecwid_customers.storage.base import Storage
from tests.control.conftest import Kit
from tests.http.test_error_shape import catalogue_codes
from tests.support import asgi_client, assert_error


def control_codes() -> dict[str, int]:
    """Every errorCode of the control plane, with its status."""
    codes = {}
    for name, function in inspect.getmembers(errors, inspect.isfunction):
        if not name.startswith("control_"):
            continue
        arguments = ["x" for parameter in inspect.signature(function).parameters.values()]
        error = function(*arguments)
        assert isinstance(error, errors.EcwidError)
        assert error.code.startswith("CONTROL_"), name
        codes[error.code] = error.status
    return codes


async def test_every_control_error_is_reached(
    kit: Kit, storage: Storage, clock: ManualClock
) -> None:
    store = await kit.new_store(id=10)
    paths: list[tuple[str, str, dict[str, Any], str]] = [
        ("no token", "/stores", {"token": None}, "CONTROL_UNAUTHORISED"),
        ("store token", "/stores", {"token": store.token}, "CONTROL_UNAUTHORISED"),
        ("bad body", "/stores", {"method": "POST", "content": b"{"}, "CONTROL_BAD_REQUEST"),
        ("bad fault", "/faults", {"method": "POST", "json": {}}, "CONTROL_BAD_REQUEST"),
        ("bad fixture", "/stores/10/import", {"method": "POST", "content": b"[]"},
         "CONTROL_BAD_REQUEST"),
        ("unknown store", "/stores/11", {}, "CONTROL_NOT_FOUND"),
        ("unknown fault", "/faults/3", {}, "CONTROL_NOT_FOUND"),
        ("unknown endpoint", "/nowhere", {}, "CONTROL_NOT_FOUND"),
        ("taken id", "/stores", {"method": "POST", "json": {"id": 10}}, "CONTROL_CONFLICT"),
    ]  # fmt: skip
    statuses = control_codes()
    seen = set()
    for what, path, options, code in paths:
        method = options.pop("method", "GET")
        response = await kit.control(method, path, **options)
        assert_error(response, statuses[code], code)
        _no_leak(response, what)
        seen.add(code)

    async with asgi_client(build_app(storage, Settings(), clock)) as client:
        response = await client.get("/_control/stores")
    assert_error(response, statuses["CONTROL_DISABLED"], "CONTROL_DISABLED")
    seen.add("CONTROL_DISABLED")

    assert seen == set(statuses)
    assert statuses == {
        "CONTROL_UNAUTHORISED": 401,
        "CONTROL_DISABLED": 404,
        "CONTROL_BAD_REQUEST": 400,
        "CONTROL_NOT_FOUND": 404,
        "CONTROL_CONFLICT": 409,
    }


def _no_leak(response: httpx.Response, what: str) -> None:
    for leak in ("Traceback", 'File "', "sqlite", "asyncpg", "uvicorn", "admin_"):
        assert leak not in response.text, f"{what}: {response.text}"


def test_sample_codes_are_the_ecwid_catalogue() -> None:
    """Fault rules can name every Ecwid error the API produces, and only those."""
    assert set(errors.sample_codes()) == catalogue_codes()
    assert len(errors.sample_codes()) == len(set(errors.sample_codes()))


def test_each_sample_has_its_code_and_an_error_status() -> None:
    for code in errors.sample_codes():
        error = errors.sample(code)
        assert error is not None
        assert error.code == code
        assert 400 <= error.status <= 599
        assert error.message


def test_sample_of_an_unknown_or_control_code_is_none() -> None:
    for code in ("NOPE", "", "wrong_parameter", *control_codes()):
        assert errors.sample(code) is None


def test_rate_limited_sample_says_when_to_retry() -> None:
    error = errors.sample("RATE_LIMITED")
    assert error is not None
    assert (error.status, dict(error.headers)) == (429, {b"retry-after": b"60"})
