"""Every error path, walked once: Ecwid's shape, JSON content type, nothing stored, no leaks.

The walk must reach every code in the error catalogue, so a new error without a path here
fails this test.
"""

from __future__ import annotations

import inspect
from typing import Any

import httpx

from ecwid_customers import errors
from ecwid_customers.config import Settings
from ecwid_customers.scopes import READ_CUSTOMERS
from tests.support import (
    Api,
    assert_error,
    count_customers,
    make_store,
    make_token,
    stored_value,
)

JSON = {"Content-Type": "application/json"}


# The control plane's errors are walked in tests/control; the connection's (answered before the
# app sees a request) over a real socket in tests/http/test_protocol.py.
NOT_WALKED_HERE = ("_", "control_", "connection_", "sample")


def catalogue_codes() -> set[str]:
    """Every errorCode the Ecwid API can produce."""
    codes = set()
    for name, function in inspect.getmembers(errors, inspect.isfunction):
        if (
            name.startswith(("_", "control_", "connection_", "sample"))
            or function.__module__ != errors.__name__
        ):
            continue  # control-plane and connection errors: tests/control, test_protocol.py
        arguments = [
            1 if "int" in str(parameter.annotation) else "x"
            for parameter in inspect.signature(function).parameters.values()
            if parameter.default is inspect.Parameter.empty
        ]
        error = function(*arguments)
        assert isinstance(error, errors.EcwidError)
        codes.add(error.code)
    return codes


async def test_every_error_path_has_ecwid_shape(api: Api) -> None:
    await make_store(api.storage, 2002)
    other_store = await make_token(api.storage, 2002)
    await make_store(api.storage, 3003, customer_groups_enabled=False)
    no_groups = await make_token(api.storage, 3003)
    await make_store(api.storage, 4004)
    suspended = await make_token(api.storage, 4004)
    assert await api.storage.set_store_suspended(4004, True)
    await make_store(api.storage, 5005)
    limited = await make_token(api.storage, 5005)
    assert await api.storage.set_store_rate_limit(5005, 1)
    await api.client.get(api.url("customers", store_id=5005), headers=api.auth(limited))
    read_only = await make_token(api.storage, api.store_id, (READ_CUSTOMERS,))
    public = await make_token(api.storage, api.store_id, token="public_" + "p" * 32)
    existing = await api.create_ok({"email": "taken@example.net"})
    auth = api.auth()

    paths: list[tuple[str, str, str, dict[str, Any], int, str]] = [
        # (what, method, path, request kwargs, status, errorCode)
        ("unknown store", "POST", api.url(store_id=9), {"json": {}}, 404, "STORE_NOT_FOUND"),
        ("no token", "POST", api.url(), {"json": {}}, 403, "INVALID_API_TOKEN"),
        ("other store's token", "GET", api.url("customers/1"),
         {"headers": api.auth(other_store)}, 403, "INVALID_API_TOKEN"),
        ("missing scope", "POST", api.url(), {"json": {}, "headers": api.auth(read_only)},
         403, "INSUFFICIENT_APP_SCOPE"),
        ("public token", "GET", api.url("customers/1"), {"headers": api.auth(public)},
         403, "INSUFFICIENT_APP_SCOPE"),
        ("wrong method", "PATCH", api.url("customers/1"), {"headers": auth},
         405, "METHOD_NOT_ALLOWED"),
        ("unknown path", "GET", "/api/v3/1003/nothing", {"headers": auth},
         404, "RESOURCE_NOT_FOUND"),
        ("not JSON", "POST", api.url(), {"content": b"{}", "headers": auth},
         415, "UNSUPPORTED_MEDIA_TYPE"),
        ("bad JSON", "POST", api.url(), {"content": b"{", "headers": {**auth, **JSON}},
         400, "WRONG_PARAMETER"),
        ("not an object", "POST", api.url(), {"content": b"[]", "headers": {**auth, **JSON}},
         400, "WRONG_PARAMETER"),
        ("wrong type", "POST", api.url(), {"json": {"email": 1}, "headers": auth},
         400, "WRONG_PARAMETER"),
        ("no email", "POST", api.url(), {"json": {}, "headers": auth}, 400, "WRONG_PARAMETER"),
        ("bad country", "POST", api.url(),
         {"json": {"email": "a@b.c", "billingPerson": {"countryCode": "ZZ"}}, "headers": auth},
         400, "WRONG_PARAMETER"),
        ("bad language", "POST", api.url(), {"json": {"email": "a@b.c", "lang": "xx"},
         "headers": auth}, 400, "LANGUAGES_NOT_ALLOWED"),
        ("unknown group", "POST", api.url(),
         {"json": {"email": "a@b.c", "customerGroupId": 5}, "headers": auth},
         404, "CUSTOMER_GROUP_NOT_FOUND"),
        ("duplicate email", "POST", api.url(), {"json": {"email": "TAKEN@example.net"},
         "headers": auth}, 409, "CONSTRAINT_VIOLATION"),
        ("unknown customer", "GET", api.url("customers/777"), {"headers": auth},
         404, "CUSTOMER_NOT_FOUND"),
        ("bad customer id", "GET", api.url("customers/x"), {"headers": auth},
         400, "WRONG_PARAMETER"),
        ("bad responseFields", "GET", api.url(f"customers/{existing}"),
         {"params": {"responseFields": "a("}, "headers": auth}, 400, "WRONG_PARAMETER"),
        ("bad sortBy", "GET", api.url(), {"params": {"sortBy": "x"}, "headers": auth},
         400, "WRONG_PARAMETER"),
        ("rate limited", "GET", api.url("customers", store_id=5005),
         {"headers": api.auth(limited)}, 429, "RATE_LIMITED"),
        ("suspended store", "GET", api.url("customers", store_id=4004),
         {"headers": api.auth(suspended)}, 402, "STORE_IS_SUSPENDED"),
        ("plan without groups", "GET", api.url("customer_groups", store_id=3003),
         {"headers": api.auth(no_groups)}, 402, "NOT_AVAILABLE_ON_CURRENT_PLAN"),
        ("unknown contact", "GET", api.url(f"customers/{existing}/contacts/999"),
         {"headers": auth}, 404, "CUSTOMER_CONTACT_NOT_FOUND"),
        ("unknown extra field", "GET", api.url("store_extrafields/customers/nope"),
         {"headers": auth}, 404, "EXTRAFIELD_NOT_FOUND"),
        ("change General", "DELETE", api.url("customer_groups/0"), {"headers": auth},
         400, "WRONG_PARAMETER"),
        ("unknown group", "GET", api.url("customer_groups/77"), {"headers": auth},
         404, "CUSTOMER_GROUP_NOT_FOUND"),
        ("unknown batch", "GET", api.url("batch"), {"params": {"ticket": "x"}, "headers": auth},
         404, "BATCH_NOT_FOUND"),
        ("batch too big", "POST", api.url("batch"),
         {"json": [{"path": "/customers", "method": "GET"}] * 501, "headers": auth},
         400, "WRONG_PARAMETER"),
    ]  # fmt: skip

    seen: set[str] = set()
    for what, method, path, kwargs, status, code in paths:
        response = await api.client.request(method, path, **kwargs)
        _check(response, status, code, what)
        seen.add(code)

    async with api.with_settings(Settings(max_body_size=10)) as small:
        response = await small.client.post(api.url(), json={"email": "a@b.c"}, headers=auth)
        _check(response, 400, "WRONG_PARAMETER", "body too large")

    # A server-side failure: the store has run out of customer ids.
    await stored_value(
        api.storage, "UPDATE stores SET next_customer_id = 2147483648 WHERE id = 1003"
    )
    response = await api.client.post(api.url(), json={"email": "late@example.net"}, headers=auth)
    _check(response, 500, "INTERNAL_ERROR", "internal error")
    seen.add("INTERNAL_ERROR")

    assert await count_customers(api.storage, api.store_id) == 1  # only the one made above

    # The database unavailable: here closed, as while a server shuts down.
    await api.storage.close()
    response = await api.client.get(api.url("customers/1"), headers=auth)
    _check(response, 503, "SERVICE_UNAVAILABLE", "database unavailable")
    assert response.headers["retry-after"] == "5"
    seen.add("SERVICE_UNAVAILABLE")
    await api.storage.open()

    assert seen == catalogue_codes()


def _check(response: httpx.Response, status: int, code: str, what: str) -> None:
    assert_error(response, status, code)
    text = response.text
    for leak in ("Traceback", 'File "', "sqlite", "Error(", "uvicorn"):
        assert leak not in text, f"{what}: {text}"
