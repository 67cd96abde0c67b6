"""The Batch API through the ASGI app, on both engines: a ticket at once, then each request
answered as its direct call would be (routing, scopes, validation, rate limit, webhooks)."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from ecwid_customers import admin
from ecwid_customers.config import Settings
from ecwid_customers.domain.tokens import hash_token
from ecwid_customers.http.app import EcwidApp
from ecwid_customers.scopes import READ_CUSTOMERS
from ecwid_customers.storage.outbox import TokenWebhook
from ecwid_customers.webhooks.dispatcher import Dispatcher
from tests.support import Api, asgi_client, assert_error, count_customers, make_store, make_token
from tests.support.receiver import Receiver, arrived


@pytest.fixture(autouse=True)
async def _batches_stopped(app: EcwidApp) -> AsyncIterator[None]:
    """Whatever a test leaves running stops before its database closes."""
    yield
    await app.batches.stop()


def _create(email: str, request_id: str | None = None) -> dict[str, Any]:
    item: dict[str, Any] = {"path": "/customers", "method": "POST", "body": {"email": email}}
    if request_id is not None:
        item["id"] = request_id
    return item


async def _post(
    api: Api,
    items: Any,
    *,
    token: str | None = None,
    client: httpx.AsyncClient | None = None,
    query: dict[str, str] | None = None,
    **params: str,
) -> httpx.Response:
    return await (client or api.client).post(
        api.url("batch"), json=items, params={**(query or {}), **params}, headers=api.auth(token)
    )


async def _ticket(api: Api, items: Any, **params: str) -> str:
    response = await _post(api, items, query=params)
    assert response.status_code == 200, response.text
    body = response.json()
    assert list(body) == ["ticket"]
    ticket: str = body["ticket"]
    return ticket


async def _read(
    api: Api,
    ticket: str,
    *,
    token: str | None = None,
    client: httpx.AsyncClient | None = None,
    **params: str,
) -> httpx.Response:
    return await (client or api.client).get(
        api.url("batch"), params={"ticket": ticket, **params}, headers=api.auth(token)
    )


async def _finished(
    api: Api, ticket: str, *, client: httpx.AsyncClient | None = None, **params: str
) -> dict[str, Any]:
    """The ticket's status once the batch has completed (polled; the batch runs meanwhile)."""
    for _ in range(2000):
        response = await _read(api, ticket, client=client, **params)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        if body["status"] == "COMPLETED":
            return body
        await asyncio.sleep(0.005)
    raise AssertionError(f"batch {ticket} never completed: {body}")


# -- what a batch answers --------------------------------------------------------------------------


async def test_a_batch_answers_a_ticket_then_every_answer(api: Api) -> None:
    ticket = await _ticket(
        api,
        [
            _create("ann@example.net", "first"),
            _create("bob@example.net", "second"),
            {"id": "read", "path": "/customers?email=bob@example.net", "method": "GET", "body": ""},
        ],
    )
    assert str(uuid.UUID(ticket)) == ticket
    body = await _finished(api, ticket)
    assert list(body) == ["status", "total_requests", "completed_requests", "responses"]
    assert (body["total_requests"], body["completed_requests"]) == (3, 3)
    first, second, read = body["responses"]
    assert [r["id"] for r in body["responses"]] == ["first", "second", "read"]
    assert all(r["status"] == "COMPLETED" for r in body["responses"])
    assert first["http_status_code"] == first["http_code"] == 200
    assert first["http_status_line"] == "OK"
    ann = await api.get_ok(first["http_body"]["id"])
    assert ann["email"] == "ann@example.net"
    assert read["http_body"]["total"] == 1
    assert read["http_body"]["items"][0]["id"] == second["http_body"]["id"]
    assert await count_customers(api.storage, api.store_id) == 2


async def test_escaped_json_gives_each_answer_as_text(api: Api) -> None:
    ticket = await _ticket(api, [_create("ann@example.net")])
    plain = await _finished(api, ticket)
    escaped = (await _read(api, ticket, escapedJson="true")).json()
    (answer,) = escaped["responses"]
    assert "http_body" not in answer
    assert isinstance(answer["escaped_http_body"], str)
    assert json.loads(answer["escaped_http_body"]) == plain["responses"][0]["http_body"]
    assert "id" not in answer  # the request had none


async def test_the_first_failure_stops_the_batch_by_default(api: Api) -> None:
    items = [_create("ann@example.net", "a"), _create("not an email", "b"), _create("c@x.net", "c")]
    body = await _finished(api, await _ticket(api, items))
    assert [r["status"] for r in body["responses"]] == ["COMPLETED", "FAILED", "NOT_EXECUTED"]
    assert (body["total_requests"], body["completed_requests"]) == (3, 2)
    failed, skipped = body["responses"][1], body["responses"][2]
    assert failed["http_status_code"] == 400
    assert failed["http_status_line"] == "Bad Request"
    assert set(failed["http_body"]) == {"errorMessage", "errorCode"}
    assert failed["http_body"]["errorCode"] == "WRONG_PARAMETER"
    assert skipped == {"id": "c", "status": "NOT_EXECUTED"}
    assert await count_customers(api.storage, api.store_id) == 1


async def test_without_stop_on_first_failure_every_request_runs(api: Api) -> None:
    items = [_create("ann@example.net"), _create("ann@example.net"), _create("c@x.net")]
    body = await _finished(api, await _ticket(api, items, stopOnFirstFailure="false"))
    assert [r["status"] for r in body["responses"]] == ["COMPLETED", "FAILED", "COMPLETED"]
    assert body["responses"][1]["http_status_code"] == 409  # the same email, as a direct call
    assert body["completed_requests"] == 3
    assert await count_customers(api.storage, api.store_id) == 2


async def test_parallel_mode_runs_every_request(api: Api) -> None:
    items = [_create(f"c{n}@example.net", str(n)) for n in range(30)]
    body = await _finished(api, await _ticket(api, items, allowParallelMode="true"))
    assert [r["id"] for r in body["responses"]] == [str(n) for n in range(30)]
    assert all(r["status"] == "COMPLETED" for r in body["responses"])
    ids = {r["http_body"]["id"] for r in body["responses"]}
    assert len(ids) == 30
    assert await count_customers(api.storage, api.store_id) == 30


async def test_five_hundred_requests_are_accepted(api: Api) -> None:
    items = [{"path": f"/customers/{n}", "method": "GET"} for n in range(1, 501)]
    body = await _finished(api, await _ticket(api, items))
    assert body["total_requests"] == 500
    assert body["completed_requests"] == 1  # customer 1 does not exist: the batch stops
    assert body["responses"][0]["http_body"]["errorCode"] == "CUSTOMER_NOT_FOUND"
    assert {r["status"] for r in body["responses"][1:]} == {"NOT_EXECUTED"}


async def test_paths_the_server_does_not_serve_fail_as_direct_calls(api: Api) -> None:
    items = [
        {"id": "products", "path": "/products?limit=1", "method": "GET"},
        {"id": "profile", "path": "profile", "method": "GET"},
        {"id": "method", "path": "/customers", "method": "DELETE"},
        {"id": "nested", "path": "/batch", "method": "POST", "body": []},
        # Spelt in percent-encoding, as it is read once decoded: still the batch endpoint.
        {"id": "nested, encoded", "path": "/%62atch", "method": "POST", "body": []},
    ]
    body = await _finished(api, await _ticket(api, items, stopOnFirstFailure="false"))
    answers = {
        r["id"]: (r["http_status_code"], r["http_body"]["errorCode"]) for r in body["responses"]
    }
    for path in ("products?limit=1", "profile"):
        direct = await api.client.get(api.url(path), headers=api.auth())
        assert direct.status_code == 404
    assert answers == {
        "products": (404, "RESOURCE_NOT_FOUND"),
        "profile": (404, "RESOURCE_NOT_FOUND"),
        "method": (405, "METHOD_NOT_ALLOWED"),
        "nested": (400, "WRONG_PARAMETER"),
        "nested, encoded": (400, "WRONG_PARAMETER"),
    }


# -- what is checked per request ------------------------------------------------------------------


async def test_scopes_are_checked_per_request(api: Api) -> None:
    reader = await make_token(api.storage, api.store_id, (READ_CUSTOMERS,))
    items = [_create("ann@example.net"), {"path": "/customers", "method": "GET"}]
    response = await _post(api, items, token=reader, stopOnFirstFailure="false")
    assert response.status_code == 200, response.text
    body = await _finished_as(api, response.json()["ticket"], reader)
    refused, listed = body["responses"]
    assert refused["status"] == "FAILED"
    assert refused["http_status_code"] == 403
    assert refused["http_body"] == {
        "errorMessage": "Access token doesn't have create_customers scope",
        "errorCode": "INSUFFICIENT_APP_SCOPE",
    }
    assert listed["status"] == "COMPLETED"
    assert await count_customers(api.storage, api.store_id) == 0


async def _finished_as(api: Api, ticket: str, token: str) -> dict[str, Any]:
    for _ in range(2000):
        body: dict[str, Any] = (await _read(api, ticket, token=token)).json()
        if body.get("status") == "COMPLETED":
            return body
        await asyncio.sleep(0.005)
    raise AssertionError(body)


async def test_each_request_counts_against_the_rate_limit(api: Api) -> None:
    limited = EcwidApp(api.storage, Settings(rate_limit=3), clock=api.clock)
    async with asgi_client(limited) as client:
        items = [{"id": str(n), "path": "/customers", "method": "GET"} for n in range(3)]
        response = await _post(api, items, client=client, stopOnFirstFailure="false")
        assert response.status_code == 200, response.text  # the batch's own call: 1 of 3
        await limited.batches.drain()
        # Read from the book: a GET of the ticket would meet the spent budget too.
        found = limited.batches.find(api.store_id, hash_token(api.token), response.json()["ticket"])
        assert found is not None
        answers = found.progress.status_body(escaped_json=False)["responses"]
        assert [r["http_status_code"] for r in answers] == [200, 200, 429]
        assert answers[2]["http_body"]["errorCode"] == "RATE_LIMITED"
        assert_error(await _read(api, found.id, client=client), 429, "RATE_LIMITED")


async def test_an_old_style_query_token_is_carried_to_each_request(api: Api) -> None:
    old_style = EcwidApp(api.storage, Settings(allow_query_token=True), clock=api.clock)
    async with asgi_client(old_style) as client:
        items = [{"path": "/customers?limit=1", "method": "GET"}]
        response = await client.post(api.url("batch"), json=items, params={"token": api.token})
        assert response.status_code == 200, response.text
        await old_style.batches.drain()
        read = await client.get(
            api.url("batch"), params={"ticket": response.json()["ticket"], "token": api.token}
        )
    assert read.status_code == 200, read.text
    (answer,) = read.json()["responses"]
    assert (answer["status"], answer["http_body"]["limit"]) == ("COMPLETED", 1)


async def test_sub_request_creates_send_their_webhooks(api: Api) -> None:
    receiver = Receiver()
    receiver.start()
    dispatcher = Dispatcher(api.storage, connect_timeout=2.0, response_timeout=2.0)
    try:
        webhook = TokenWebhook(url=receiver.url, client_secret=receiver.secret)
        await admin.issue_token(api.storage, api.store_id, (READ_CUSTOMERS,), webhook=webhook)
        await dispatcher.start()
        body = await _finished(api, await _ticket(api, [_create("ann@example.net")]))
        customer_id = body["responses"][0]["http_body"]["id"]
        (got,) = await arrived(receiver, 1)
    finally:
        await dispatcher.stop()
        receiver.close()
    assert got.json["eventType"] == "customer.created"
    assert got.json["entityId"] == customer_id
    assert got.json["data"] == {"customerEmail": "ann@example.net"}
    assert got.signed_with(receiver.secret)


# -- what the batch endpoints refuse --------------------------------------------------------------


async def test_more_than_five_hundred_requests_are_refused(api: Api) -> None:
    items = [_create(f"c{n}@example.net") for n in range(501)]
    response = await _post(api, items)
    assert_error(
        response,
        400,
        "WRONG_PARAMETER",
        "Can't create batch. Max amount of API requests for one batch request is 500",
    )
    assert await count_customers(api.storage, api.store_id) == 0


@pytest.mark.parametrize(
    ("content", "where"),
    [
        (b'{"path": "/customers", "method": "GET"}', "$"),
        (b'[{"path": "/customers", "method": "GET", "id": 5}]', "$[0].id"),
        (b'[{"method": "GET"}]', "$[0]"),
        (b'[{"path": "/customers", "method": "PATCH"}]', "$[0].method"),
        (b'[{"path": "", "method": "GET"}]', "$[0].path"),
        (b'[{"path": "/customers", "method": "GET"}, 7]', "$[1]"),
    ],
)
async def test_a_malformed_batch_is_an_ecwid_400(api: Api, content: bytes, where: str) -> None:
    response = await api.client.post(
        api.url("batch"),
        content=content,
        headers={**api.auth(), "Content-Type": "application/json"},
    )
    assert_error(
        response,
        400,
        "WRONG_PARAMETER",
        f"Can't create batch. Batch request body is invalid. Path {where} contains bad value",
    )


@pytest.mark.parametrize("content", [b"[", b"", b"not json"])
async def test_a_batch_that_is_not_json_is_an_ecwid_400(api: Api, content: bytes) -> None:
    response = await api.client.post(
        api.url("batch"),
        content=content,
        headers={**api.auth(), "Content-Type": "application/json"},
    )
    assert_error(response, 400, "WRONG_PARAMETER", "Cannot parse request body")


async def test_an_empty_batch_and_other_bad_parameters_are_refused(api: Api) -> None:
    assert_error(await _post(api, []), 400, "WRONG_PARAMETER")
    assert_error(
        await _post(api, [_create("a@x.net")], stopOnFirstFailure="maybe"), 400, "WRONG_PARAMETER"
    )
    response = await api.client.post(
        api.url("batch"), content=b"[]", headers={**api.auth(), "Content-Type": "text/plain"}
    )
    assert_error(response, 415, "UNSUPPORTED_MEDIA_TYPE")
    missing = await api.client.get(api.url("batch"), headers=api.auth())
    assert_error(missing, 400, "WRONG_PARAMETER")
    assert await count_customers(api.storage, api.store_id) == 0


async def test_an_unknown_ticket_is_404(api: Api) -> None:
    response = await _read(api, "11d140a2-966f-4a9f-b4e6-fc451bc78979")
    assert_error(
        response, 404, "BATCH_NOT_FOUND", "Batch #11d140a2-966f-4a9f-b4e6-fc451bc78979 not found"
    )


async def test_a_ticket_is_read_only_by_the_token_that_made_it(api: Api) -> None:
    ticket = await _ticket(api, [_create("ann@example.net")])
    await _finished(api, ticket)
    await make_store(api.storage, 2002)
    stranger = await make_token(api.storage, 2002)
    # Another store's token: refused at this store's URL, and its own store has no such ticket.
    assert_error(await _read(api, ticket, token=stranger), 403, "INVALID_API_TOKEN")
    elsewhere = await api.client.get(
        api.url("batch", store_id=2002), params={"ticket": ticket}, headers=api.auth(stranger)
    )
    assert_error(elsewhere, 404, "BATCH_NOT_FOUND")
    # Another app's token of the same store does not see it either.
    neighbour = await make_token(api.storage, api.store_id)
    assert_error(await _read(api, ticket, token=neighbour), 404, "BATCH_NOT_FOUND")
    assert (await _read(api, ticket)).status_code == 200


async def test_tokens_that_no_customer_route_admits_cannot_batch(api: Api) -> None:
    public = await make_token(api.storage, api.store_id, token="public_" + "p" * 32)
    scopeless = await make_token(api.storage, api.store_id, ())
    for token in (public, scopeless):
        refused = await _post(api, [_create("a@x.net")], token=token)
        assert_error(
            refused, 403, "INSUFFICIENT_APP_SCOPE", "Access token doesn't have read_customers scope"
        )
    assert await count_customers(api.storage, api.store_id) == 0


async def test_a_batch_reaches_only_its_own_store(api: Api) -> None:
    await make_store(api.storage, 2002)
    theirs = await make_token(api.storage, 2002)
    response = await api.client.post(
        api.url(store_id=2002),
        json={"email": "quintessa@store-b.example"},
        headers=api.auth(theirs),
    )
    their_id = response.json()["id"]
    items = [
        {"path": f"/customers/{their_id}", "method": "GET"},
        {"path": f"/customers/{their_id}", "method": "PUT", "body": {"taxId": "CHANGED"}},
        {"path": "/customers?email=quintessa@store-b.example", "method": "GET"},
    ]
    ticket = await _ticket(api, items, stopOnFirstFailure="false")
    body = await _finished(api, ticket)
    assert [r["http_status_code"] for r in body["responses"]] == [404, 404, 200]
    assert body["responses"][2]["http_body"]["total"] == 0
    assert b"quintessa" not in (await _read(api, ticket)).content  # nothing of store 2002
    theirs_now = await api.client.get(
        api.url(f"customers/{their_id}", store_id=2002), headers=api.auth(theirs)
    )
    assert theirs_now.json()["taxId"] == ""


async def test_batch_calls_need_a_token(api: Api) -> None:
    response = await api.client.post(api.url("batch"), json=[_create("a@x.net")])
    assert_error(response, 403, "INVALID_API_TOKEN")
    assert await count_customers(api.storage, api.store_id) == 0


async def test_cancel_group_needs_a_group_and_counts_what_it_cancelled(api: Api) -> None:
    url = api.url("batch/cancel-group")
    assert_error(await api.client.post(url, headers=api.auth()), 400, "WRONG_PARAMETER")
    ticket = await _ticket(api, [_create("ann@example.net")], groupId="import")
    await _finished(api, ticket)
    done = await api.client.post(url, params={"groupId": "import"}, headers=api.auth())
    assert done.status_code == 200, done.text
    assert done.json() == {"updateCount": 0}  # nothing unfinished was left to cancel
