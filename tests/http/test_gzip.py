"""gzip: answers compressed for clients that accept it, gzip request bodies within the limit."""

from __future__ import annotations

import gzip
import json

import pytest

from ecwid_customers.config import Settings
from ecwid_customers.http.encoding import accepts_gzip
from tests.support import Api, assert_error, count_customers, full_customer_body


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, False),
        ("", False),
        ("gzip", True),
        ("gzip, deflate, br", True),
        ("GZIP;q=0.5", True),
        ("gzip;q=0", False),
        ("deflate", False),
        ("*", True),
        ("*;q=0", False),
        ("*, gzip;q=0", False),
        ("br, *;q=0.1", True),
        ("gzip;q=oops", False),
    ],
)
def test_accept_encoding_is_read_as_rfc_9110_says(header: str | None, expected: bool) -> None:
    assert accepts_gzip(header) is expected


async def test_a_big_answer_is_gzip_for_a_client_that_accepts_it(api: Api) -> None:
    customer_id = await api.create_ok(full_customer_body())
    url, auth = api.url(f"customers/{customer_id}"), api.auth()
    plain = await api.client.get(url, headers={**auth, "Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers
    assert plain.headers["vary"] == "Accept-Encoding"
    zipped = await api.client.get(url, headers={**auth, "Accept-Encoding": "gzip"})
    assert zipped.headers["content-encoding"] == "gzip"
    assert zipped.headers["vary"] == "Accept-Encoding"
    assert int(zipped.headers["content-length"]) < len(plain.content)
    assert zipped.json() == plain.json()  # httpx undoes the gzip


async def test_a_small_answer_stays_plain(api: Api) -> None:
    answer = await api.client.post(
        api.url(), json={"email": "a@x.net"}, headers={**api.auth(), "Accept-Encoding": "gzip"}
    )
    assert answer.status_code == 200
    assert "content-encoding" not in answer.headers
    assert answer.headers["vary"] == "Accept-Encoding"


async def test_a_gzip_body_is_taken(api: Api) -> None:
    body = gzip.compress(json.dumps(full_customer_body()).encode())
    headers = {**api.auth(), "Content-Type": "application/json", "Content-Encoding": "gzip"}
    answer = await api.client.post(api.url(), content=body, headers=headers)
    assert answer.status_code == 200, answer.text
    stored = await api.get_ok(answer.json()["id"])
    assert stored["email"] == full_customer_body()["email"]


async def test_a_gzip_bomb_is_refused_at_the_limit(api: Api) -> None:
    async with api.with_settings(Settings(max_body_size=10_000)) as small:
        inflated = b'{"email": "a@x.net", "privateAdminNotes": "' + b"n" * 50_000 + b'"}'
        body = gzip.compress(inflated)
        assert len(body) < 10_000  # small on the wire, too big inflated
        headers = {**api.auth(), "Content-Type": "application/json", "Content-Encoding": "gzip"}
        answer = await small.client.post(api.url(), content=body, headers=headers)
        assert_error(
            answer, 400, "WRONG_PARAMETER", "Request body is too large: the limit is 10000 bytes"
        )
    assert await count_customers(api.storage, api.store_id) == 0


@pytest.mark.parametrize(("coding", "body"), [("gzip", b"not gzip at all"), ("br", b"{}")])
async def test_a_body_in_an_unknown_or_broken_coding_is_refused(
    api: Api, coding: str, body: bytes
) -> None:
    headers = {**api.auth(), "Content-Type": "application/json", "Content-Encoding": coding}
    answer = await api.client.post(api.url(), content=body, headers=headers)
    assert answer.status_code == (400 if coding == "gzip" else 415)
    assert await count_customers(api.storage, api.store_id) == 0
