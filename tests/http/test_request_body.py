"""Request bodies: content type (415), JSON syntax (400), size limit (Q26), streaming."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import httpx
import pytest

from ecwid_customers.config import Settings
from ecwid_customers.domain import limits
from tests.support import Api, assert_error, count_customers

VALID = b'{"email": "a@example.net"}'


async def _post(
    api: Api, body: bytes, content_type: str | None = "application/json"
) -> httpx.Response:
    headers = api.auth()
    if content_type is not None:
        headers["Content-Type"] = content_type
    return await api.client.post(api.url(), content=body, headers=headers)


@pytest.mark.parametrize(
    "content_type",
    [
        "application/json",
        "application/json;charset=utf-8",
        "application/json; charset=UTF-8",
        "Application/JSON",
        "text/json",
    ],
)
async def test_json_content_types_are_accepted(api: Api, content_type: str) -> None:
    response = await _post(api, VALID, content_type)
    assert response.status_code == 200, response.text


@pytest.mark.parametrize(
    "content_type",
    [None, "text/plain", "application/x-www-form-urlencoded", "multipart/form-data", "json"],
)
async def test_other_content_types_are_415(api: Api, content_type: str | None) -> None:
    response = await _post(api, VALID, content_type)
    assert_error(response, 415, "UNSUPPORTED_MEDIA_TYPE")
    assert await count_customers(api.storage, api.store_id) == 0


@pytest.mark.parametrize(
    "body", [b"", b"{", b'{"email": "a@example.net",}', b"\xff\xfe", b'{"email": "a"} trailing']
)
async def test_unparsable_body_is_400(api: Api, body: bytes) -> None:
    response = await _post(api, body)
    assert_error(response, 400, "WRONG_PARAMETER", "Cannot parse request body")


async def test_invalid_utf8_inside_a_string_is_400(api: Api) -> None:
    response = await _post(api, b'{"email": "\xff@example.net"}')
    assert_error(response, 400, "WRONG_PARAMETER", "Cannot parse request body")


async def test_absurdly_deep_nesting_is_400(api: Api) -> None:
    depth = 100_000
    body = b'{"email": "a@example.net", "junk": ' + b"[" * depth + b"]" * depth + b"}"
    response = await _post(api, body)
    assert_error(response, 400, "WRONG_PARAMETER", "Cannot parse request body")
    assert await count_customers(api.storage, api.store_id) == 0


@pytest.mark.parametrize("body", [b"[]", b'"a@example.net"', b"null", b"42"])
async def test_body_that_is_not_an_object_is_400(api: Api, body: bytes) -> None:
    response = await _post(api, body)
    assert_error(response, 400, "WRONG_PARAMETER", "Request body must be a JSON object")


@pytest.fixture
async def small_limit_api(api: Api) -> AsyncIterator[Api]:
    async with api.with_settings(Settings(max_body_size=100)) as limited:
        yield limited


async def test_body_over_the_limit_is_400(small_limit_api: Api) -> None:
    body = b'{"email": "a@example.net", "privateAdminNotes": "' + b"x" * 200 + b'"}'
    response = await _post(small_limit_api, body)
    assert_error(
        response, 400, "WRONG_PARAMETER", "Request body is too large: the limit is 100 bytes"
    )
    assert await count_customers(small_limit_api.storage, small_limit_api.store_id) == 0


async def test_streamed_body_over_the_limit_is_400(small_limit_api: Api) -> None:
    async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: chunked upload
        yield b'{"email": "a@example.net", "privateAdminNotes": "'
        for _ in range(10):
            yield b"x" * 20
        yield b'"}'

    response = await small_limit_api.client.post(
        small_limit_api.url(),
        content=chunks(),
        headers={**small_limit_api.auth(), "Content-Type": "application/json"},
    )
    assert_error(response, 400, "WRONG_PARAMETER")
    assert await count_customers(small_limit_api.storage, small_limit_api.store_id) == 0


async def test_body_at_the_limit_is_accepted(small_limit_api: Api) -> None:
    body = b'{"email": "a@example.net", "taxId": "'
    body += b"x" * (100 - len(body) - 2) + b'"}'
    assert len(body) == 100
    response = await _post(small_limit_api, body)
    assert response.status_code == 200, response.text


async def test_default_limit_accepts_a_large_real_body(api: Api) -> None:
    # About 440 KB, every list and text at or near its limit (domain/limits.py).
    addresses = [
        {"street": f"{number} " + "s" * 990, "note": "n" * 1000, "city": "c" * 255}
        for number in range(limits.MAX_SHIPPING_ADDRESSES)
    ]
    contacts = [
        {"contact": f"https://example.net/{number}/" + "u" * 970, "type": "URL", "note": "n" * 1000}
        for number in range(limits.MAX_CONTACTS)
    ]
    body = {"email": "a@example.net", "shippingAddresses": addresses, "contacts": contacts}
    body["privateAdminNotes"] = "p" * limits.NOTES_TEXT
    assert len(json.dumps(body)) > 400_000
    response = await api.create(body)
    assert response.status_code == 200, response.text
    stored = await api.get_ok(response.json()["id"])
    assert [address["street"] for address in stored["shippingAddresses"]] == [
        address["street"] for address in addresses
    ]
    assert stored["privateAdminNotes"] == body["privateAdminNotes"]


async def test_utf8_text_round_trips(api: Api) -> None:
    body = {"email": "zoë@example.net", "billingPerson": {"name": "Zoë Łukasz 山田"}}
    customer = await api.get_ok(await api.create_ok(body))
    assert customer["email"] == "zoë@example.net"
    assert customer["billingPerson"]["lastName"] == "Łukasz 山田"


@pytest.mark.parametrize(
    "body",
    [
        b'{"email": "a@example.net", "taxId": "x\\u0000y"}',
        b'{"email": "a@example.net", "billingPerson": {"name": "\\\\\\u0000"}}',
    ],
)
async def test_nul_characters_are_refused_on_every_engine(api: Api, body: bytes) -> None:
    response = await _post(api, body)
    assert_error(response, 400, "WRONG_PARAMETER", "Text in the request body must not contain NUL")
    assert await count_customers(api.storage, api.store_id) == 0


async def test_an_escaped_backslash_before_u0000_is_plain_text(api: Api) -> None:
    customer_id = await api.create_ok({"email": "a@example.net", "taxId": "\\u0000"})
    assert (await api.get_ok(customer_id))["taxId"] == "\\u0000"


async def test_nul_in_query_or_path_is_refused(api: Api) -> None:
    response = await api.client.get(api.url(), params={"keyword": "a\x00b"}, headers=api.auth())
    assert_error(response, 400, "WRONG_PARAMETER")
    assert "'keyword'" in response.json()["errorMessage"]
    field = await api.client.get(api.url("store_extrafields/customers/a%00b"), headers=api.auth())
    assert_error(field, 404, "RESOURCE_NOT_FOUND")
