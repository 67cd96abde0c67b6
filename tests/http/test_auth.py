"""Authentication and authorisation, in Ecwid's order (spec 2.4): store, token, scope."""

from __future__ import annotations

import pytest

from ecwid_customers.config import Settings
from ecwid_customers.scopes import CREATE_CUSTOMERS, READ_CUSTOMERS, UPDATE_CUSTOMERS
from tests.support import Api, assert_error, count_customers, make_store, make_token

BODY = {"email": "a@example.net"}


async def test_unknown_store_is_404_before_any_token_check(api: Api) -> None:
    response = await api.client.post(api.url(store_id=999), json=BODY)  # no token at all
    assert_error(response, 404, "STORE_NOT_FOUND", "Store not found")


@pytest.mark.parametrize("store", ["abc", "-1", "1.5", "99999999999999999999999", "1" * 5000])
async def test_malformed_store_id_is_store_not_found(api: Api, store: str) -> None:
    response = await api.client.get(f"/api/v3/{store}/customers/1", headers=api.auth())
    assert_error(response, 404, "STORE_NOT_FOUND")


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": ""},
        {"Authorization": "Bearer"},
        {"Authorization": "Bearer "},
        {"Authorization": "Basic dXNlcjpwYXNz"},
        {"Authorization": "Bearer secret_unknownunknownunknownunknown00"},
    ],
)
async def test_missing_or_unknown_token_is_403(api: Api, headers: dict[str, str]) -> None:
    response = await api.client.post(api.url(), json=BODY, headers=headers)
    assert_error(response, 403, "INVALID_API_TOKEN", "Invalid access token in the request")
    assert await count_customers(api.storage, api.store_id) == 0


async def test_bearer_scheme_is_case_insensitive(api: Api) -> None:
    response = await api.client.post(
        api.url(), json=BODY, headers={"Authorization": f"bearer {api.token}"}
    )
    assert response.status_code == 200


async def test_token_of_another_store_is_403(api: Api) -> None:
    await make_store(api.storage, 2002)
    other = await make_token(api.storage, 2002)
    response = await api.create(BODY, token=other)
    assert_error(response, 403, "INVALID_API_TOKEN")
    assert await count_customers(api.storage, api.store_id) == 0


async def test_revoked_token_stops_working_at_once(api: Api) -> None:
    assert (await api.create(BODY)).status_code == 200
    (info,) = await api.storage.list_tokens(api.store_id)
    assert await api.storage.revoke_token(info.id, now=1_800_000_000)
    assert_error(await api.create({"email": "b@example.net"}), 403, "INVALID_API_TOKEN")
    assert_error(await api.get(1), 403, "INVALID_API_TOKEN")


async def test_query_string_token_is_rejected_by_default(api: Api) -> None:
    response = await api.client.post(api.url(), json=BODY, params={"token": api.token})
    assert_error(response, 403, "INVALID_API_TOKEN")


async def test_query_string_token_works_when_allowed(api: Api) -> None:
    async with api.with_settings(Settings(allow_query_token=True)) as legacy:
        response = await legacy.client.post(api.url(), json=BODY, params={"token": api.token})
        assert response.status_code == 200
        # The header still wins when both are sent.
        response = await legacy.client.get(
            api.url("customers/1"),
            params={"token": "secret_wrong"},
            headers=api.auth(),
        )
        assert response.status_code == 200


@pytest.mark.parametrize("method", ["PUT", "DELETE"])
async def test_update_scope_only_setting_follows_the_older_docs(api: Api, method: str) -> None:
    customer_id = await api.create_ok(BODY)
    update_only = await make_token(api.storage, api.store_id, (UPDATE_CUSTOMERS,))
    url, body, headers = api.url(f"customers/{customer_id}"), {"taxId": "1"}, api.auth(update_only)
    refused = await api.client.request(method, url, json=body, headers=headers)
    assert_error(
        refused, 403, "INSUFFICIENT_APP_SCOPE", "Access token doesn't have read_customers scope"
    )
    async with api.with_settings(Settings(update_scope_only=True)) as legacy:
        accepted = await legacy.client.request(method, url, json=body, headers=headers)
        assert accepted.status_code == 200, accepted.text
        # Only PUT/DELETE customer change: reading still needs read_customers.
        read = await legacy.client.get(url, headers=headers)
        assert_error(read, 403, "INSUFFICIENT_APP_SCOPE")


async def test_extra_query_token_is_ignored_when_header_is_sent(api: Api) -> None:
    response = await api.client.post(
        api.url(), json=BODY, params={"token": "whatever"}, headers=api.auth()
    )
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("scopes", "method", "path", "missing"),
    [
        ((READ_CUSTOMERS,), "POST", "customers", CREATE_CUSTOMERS),
        ((CREATE_CUSTOMERS,), "GET", "customers/1", READ_CUSTOMERS),
    ],
)
async def test_missing_scope_is_403_naming_it(
    api: Api, scopes: tuple[str, ...], method: str, path: str, missing: str
) -> None:
    token = await make_token(api.storage, api.store_id, scopes)
    response = await api.client.request(method, api.url(path), json=BODY, headers=api.auth(token))
    assert_error(
        response, 403, "INSUFFICIENT_APP_SCOPE", f"Access token doesn't have {missing} scope"
    )
    assert await count_customers(api.storage, api.store_id) == 0


@pytest.mark.parametrize(("method", "path"), [("POST", "customers"), ("GET", "customers/1")])
async def test_public_token_never_reaches_customers(api: Api, method: str, path: str) -> None:
    await api.create_ok(BODY)
    public = await make_token(api.storage, api.store_id, token="public_" + "a" * 32)
    response = await api.client.request(
        method, api.url(path), json={"email": "b@example.net"}, headers=api.auth(public)
    )
    assert_error(response, 403, "INSUFFICIENT_APP_SCOPE")
    assert "a@example.net" not in response.text
    assert await count_customers(api.storage, api.store_id) == 1


async def test_scope_is_checked_before_the_body(api: Api) -> None:
    token = await make_token(api.storage, api.store_id, (READ_CUSTOMERS,))
    response = await api.client.post(
        api.url(), content=b"not json", headers={**api.auth(token), "Content-Type": "text/plain"}
    )
    assert_error(response, 403, "INSUFFICIENT_APP_SCOPE")


async def test_token_is_checked_before_the_body(api: Api) -> None:
    response = await api.client.post(
        api.url(), content=b"{", headers={"Content-Type": "application/json"}
    )
    assert_error(response, 403, "INVALID_API_TOKEN")


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("PATCH", "customers/1"),
        ("DELETE", "customers"),
        ("PUT", "customers"),
        ("POST", "customers/1"),
    ],
)
async def test_unsupported_method_is_405(api: Api, method: str, path: str) -> None:
    response = await api.client.request(method, api.url(path), headers=api.auth())
    assert_error(response, 405, "METHOD_NOT_ALLOWED")


@pytest.mark.parametrize(
    ("method", "path"), [("DELETE", "customers/1"), ("GET", "nothing"), ("GET", "customers/1/x")]
)
async def test_routes_are_not_revealed_before_authentication(
    api: Api, method: str, path: str
) -> None:
    assert_error(await api.client.request(method, api.url(path)), 403, "INVALID_API_TOKEN")
    unknown_store = await api.client.request(method, api.url(path, store_id=9), headers=api.auth())
    assert_error(unknown_store, 404, "STORE_NOT_FOUND")


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/api/v3/1003",
        "/api/v3/1003/orders",
        "/api/v2/1003/customers",
        "/api/v3/1003/customers/1/x",
    ],
)
async def test_paths_outside_the_api_are_404(api: Api, path: str) -> None:
    response = await api.client.get(path, headers=api.auth())
    assert_error(response, 404, "RESOURCE_NOT_FOUND")


async def test_trailing_slash_is_tolerated(api: Api) -> None:
    response = await api.client.post(api.url() + "/", json=BODY, headers=api.auth())
    assert response.status_code == 200
