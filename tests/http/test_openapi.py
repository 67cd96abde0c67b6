"""The OpenAPI document and the docs page: in step with the route table, the views and the error
catalogue; valid OpenAPI 3.1; served, with the page's every file, by this server alone."""

from __future__ import annotations

import copy
import re
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import jsonschema_rs
import msgspec
import pytest
import schemathesis

from ecwid_customers.domain.webhooks import EVENT_SCOPES, WebhookBody
from ecwid_customers.http import openapi_tables
from ecwid_customers.http.app import EcwidApp
from ecwid_customers.http.openapi import error_catalogue, openapi_document
from ecwid_customers.http.request import Request
from ecwid_customers.http.routes import ROUTES, Route
from ecwid_customers.storage.sqlite.storage import SQLiteStorage
from tests.support import Api, asgi_client, assert_error, full_customer_body

API = "/api/v3/{storeId}/"


def _operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in document["paths"].items():
        for method, operation in item.items():
            yield method.upper(), path, operation


def _documented(route: Route) -> dict[str, Any]:
    operation: dict[str, Any] = openapi_document()["paths"][API + route.path][route.method.lower()]
    return operation


# -- in step with the code ------------------------------------------------------------------------


def test_the_document_has_every_route_and_nothing_else() -> None:
    documented = {(method, path) for method, path, _ in _operations(openapi_document())}
    assert documented == {(route.method, API + route.path) for route in ROUTES}
    assert set(openapi_tables.OPERATIONS) == {(route.method, route.path) for route in ROUTES}


def test_a_route_without_an_entry_stops_the_build(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(openapi_tables.OPERATIONS, ("GET", "customers"))
    openapi_document.cache_clear()
    try:
        with pytest.raises(LookupError, match="'GET', 'customers'"):
            openapi_document()
    finally:
        openapi_document.cache_clear()  # the next caller builds the whole document again


def test_every_documented_error_code_is_in_the_catalogue_with_its_status() -> None:
    catalogue = error_catalogue()
    assert catalogue["CUSTOMER_NOT_FOUND"] == 404  # the catalogue is really read
    for method, path, operation in _operations(openapi_document()):
        for status, response in operation["responses"].items():
            if int(status) < 400:
                continue
            schema = response["content"]["application/json"]["schema"]
            assert schema["allOf"] == [{"$ref": "#/components/schemas/Error"}]
            codes = schema["properties"]["errorCode"]["enum"]
            assert codes, (method, path, status)
            for code in codes:
                assert catalogue.get(code) == int(status), (method, path, status, code)


def test_every_route_documents_the_errors_every_route_can_answer() -> None:
    def codes(responses: dict[str, Any], status: int) -> list[str]:
        found: list[str] = responses[str(status)]["content"]["application/json"]["schema"][
            "properties"
        ]["errorCode"]["enum"]
        return found

    for route in ROUTES:
        responses = _documented(route)["responses"]
        assert "INVALID_API_TOKEN" in codes(responses, 403), route
        assert "STORE_NOT_FOUND" in codes(responses, 404), route
        assert "STORE_IS_SUSPENDED" in codes(responses, 402), route
        assert codes(responses, 500) == ["INTERNAL_ERROR"], route
        plan_402 = "NOT_AVAILABLE_ON_CURRENT_PLAN" in codes(responses, 402)
        assert plan_402 is route.customer_groups, route
        assert "Retry-After" in responses["429"]["headers"], route


def test_the_error_body_is_exactly_message_and_code() -> None:
    error = openapi_document()["components"]["schemas"]["Error"]
    assert error["required"] == ["errorMessage", "errorCode"]
    assert error["additionalProperties"] is False
    assert set(error["properties"]) == {"errorMessage", "errorCode"}


def test_security_is_a_bearer_token() -> None:
    document = openapi_document()
    assert document["security"] == [{"bearerAuth": []}]
    scheme = document["components"]["securitySchemes"]["bearerAuth"]
    assert (scheme["type"], scheme["scheme"]) == ("http", "bearer")


# Bodies that succeed, for the views to run to the end (and read every parameter they read).
_BODIES: dict[tuple[str, str], Any] = {
    ("POST", "customers"): {"email": "new@example.net"},
    ("PUT", "customers/{customerId}"): {"taxId": "GB123"},
    ("POST", "customers/{customerId}/contacts"): {"contact": "@ann", "type": "TELEGRAM"},
    ("PUT", "customers/{customerId}/contacts/{contactId}"): {"note": "evenings"},
    ("POST", "customer_groups"): {"name": "Retail"},
    ("PUT", "customer_groups/{groupId}"): {"name": "Wholesale EU"},
    ("POST", "store_extrafields/customers"): {"title": "Source"},
    ("PUT", "store_extrafields/customers/{key}"): {"title": "Referrer"},
    ("POST", "batch"): [{"path": "/customers", "method": "GET"}],
}


async def _records(api: Api) -> tuple[dict[str, str], dict[str, str]]:
    """Path values for the routes to succeed with: records to read and change, and others to
    delete."""

    async def created(path: str, body: dict[str, Any], field: str = "id") -> str:
        response = await api.client.post(api.url(path), json=body, headers=api.auth())
        assert response.status_code == 200, response.text
        return str(response.json()[field])

    contacts = [{"contact": "+1555", "type": "PHONE"}, {"contact": "ann", "type": "OTHER"}]
    kept = {
        "customerId": await created("customers", {"email": "a@example.net", "contacts": contacts}),
        "groupId": await created("customer_groups", {"name": "Wholesale"}),
        "key": await created("store_extrafields/customers", {"title": "Channel"}, "key"),
    }
    gone = {
        "customerId": await created("customers", {"email": "b@example.net"}),
        "groupId": await created("customer_groups", {"name": "Former"}),
        "key": await created("store_extrafields/customers", {"title": "Old"}, "key"),
    }
    listed = await api.client.get(
        api.url(f"customers/{kept['customerId']}/contacts"), headers=api.auth()
    )
    first, second, *_ = (str(item["id"]) for item in listed.json()["items"])
    kept["contactId"], gone["contactId"] = first, second
    return kept, gone


async def test_the_views_read_exactly_the_documented_query_parameters(
    api: Api, app: EcwidApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    kept, gone = await _records(api)
    read: list[str] = []
    query: Callable[[Request, str], str | None] = Request.query

    def recording(request: Request, name: str) -> str | None:
        read.append(name)
        return query(request, name)

    monkeypatch.setattr(Request, "query", recording)
    # What routes need in the query to succeed: the Batch API's ticket and group.
    needed: dict[tuple[str, str], dict[str, str]] = {
        ("POST", "batch/cancel-group"): {"groupId": "g"}
    }
    for route in ROUTES:
        values = dict(kept)
        if route.method == "DELETE":  # its last path value names the record it deletes
            deleted = re.findall(r"\{(\w+)\}", route.path)[-1]
            values[deleted] = gone[deleted]
        path = route.path.format(**values)
        read.clear()
        response = await api.client.request(
            route.method,
            api.url(path),
            json=_BODIES.get((route.method, route.path)),
            params=needed.get((route.method, route.path)),
            headers=api.auth(),
        )
        assert response.status_code == 200, (route, response.text)
        if (route.method, route.path) == ("POST", "batch"):
            needed["GET", "batch"] = {"ticket": response.json()["ticket"]}
        documented = [p["name"] for p in _documented(route)["parameters"] if p["in"] == "query"]
        assert sorted(set(read)) == sorted(documented), route
    await app.batches.drain()  # the batch posted above, before its database closes


def test_path_parameters_are_the_routes() -> None:
    for route in ROUTES:
        names = [p["name"] for p in _documented(route)["parameters"] if p["in"] == "path"]
        assert names == ["storeId", *re.findall(r"\{(\w+)\}", route.path)], route


# -- valid OpenAPI 3.1 --------------------------------------------------------------------------


def test_the_document_is_valid_openapi_3_1() -> None:
    document = openapi_document()
    assert document["openapi"] == "3.1.0"
    schemathesis.openapi.from_dict(copy.deepcopy(document)).validate()
    # The validator above does reject what OpenAPI forbids.
    broken = copy.deepcopy(document)
    broken["paths"][API + "customers"]["get"]["parameters"][0]["in"] = "body"
    with pytest.raises(jsonschema_rs.ValidationError):
        schemathesis.openapi.from_dict(broken).validate()


def test_every_schema_is_valid_json_schema_and_its_references_resolve() -> None:
    document = openapi_document()
    components = document["components"]
    for name, schema in components["schemas"].items():
        jsonschema_rs.meta.validate(schema)
        # Compiling resolves every $ref reachable from the schema; a dangling one raises.
        jsonschema_rs.Draft202012Validator(
            {"$ref": f"#/components/schemas/{name}", "components": components}
        )
    references = list(_references(document))
    assert references
    for reference in references:
        assert reference.removeprefix("#/components/schemas/") in components["schemas"]


def _references(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "$ref":
                yield item
            else:
                yield from _references(item)
    elif isinstance(value, list):
        for item in value:
            yield from _references(item)


# -- served --------------------------------------------------------------------------------------


@pytest.fixture
async def docs_client(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    """The documentation never touches storage, so this app's is never even opened."""
    async with asgi_client(EcwidApp(SQLiteStorage(tmp_path / "unused.db"))) as client:
        yield client


async def test_the_document_is_served(docs_client: httpx.AsyncClient) -> None:
    response = await docs_client.get("/openapi.json")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert response.json() == openapi_document()


_TYPES = {".js": "text/javascript", ".css": "text/css", ".png": "image/png"}


async def test_the_docs_page_loads_everything_from_this_server(
    docs_client: httpx.AsyncClient,
) -> None:
    page = await docs_client.get("/docs")
    assert page.status_code == 200
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert not re.search(r"(https?:)?//", page.text)
    scripts = re.findall(r'<script src="([^"]+)"', page.text)
    styles = re.findall(r'<link rel="stylesheet" href="([^"]+)"', page.text)
    icons = re.findall(r'<link rel="icon"[^>]* href="([^"]+)"', page.text)
    assert [Path(url).name for url in scripts] == ["swagger-ui-bundle.js", "docs.js"]
    assert [Path(url).name for url in styles] == ["swagger-ui.css"]
    for url in [*scripts, *styles, *icons]:
        assert url.startswith("/docs/static/"), url
        response = await docs_client.get(url)
        assert response.status_code == 200, url
        expected = _TYPES[Path(url).suffix]
        assert response.headers["content-type"].split(";")[0] == expected, url
        assert response.content, url
    bundle = await docs_client.get(scripts[0])
    assert b"SwaggerUIBundle" in bundle.content
    start = await docs_client.get(scripts[1])
    assert 'url: "/openapi.json"' in start.text
    assert "validatorUrl: null" in start.text  # no badge fetched from a public service
    assert not re.search(r"(https?:)?//", start.text)


async def test_the_docs_page_answers_head_and_with_a_trailing_slash(
    docs_client: httpx.AsyncClient,
) -> None:
    for method, path in (("HEAD", "/docs"), ("GET", "/docs/"), ("HEAD", "/openapi.json")):
        response = await docs_client.request(method, path)
        assert response.status_code == 200, (method, path)


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH"])
@pytest.mark.parametrize("path", ["/openapi.json", "/docs", "/docs/static/swagger-ui.css"])
async def test_the_documentation_is_read_only(
    docs_client: httpx.AsyncClient, method: str, path: str
) -> None:
    response = await docs_client.request(method, path)
    assert_error(response, 405, "METHOD_NOT_ALLOWED")
    assert response.headers["allow"] == "GET, HEAD"


@pytest.mark.parametrize(
    "path",
    [
        "/docs/static/swagger-ui.js.map",  # in the package, but the page does not load it
        "/docs/static/",
        "/docs/static/../../../../etc/passwd",
        "/docs/static/%2e%2e/openapi.py",
        "/docs/index.html",
        "/openapi.yaml",
    ],
)
async def test_other_paths_are_ecwids_404(docs_client: httpx.AsyncClient, path: str) -> None:
    response = await docs_client.get(path)
    assert_error(response, 404, "RESOURCE_NOT_FOUND")


def test_the_webhooks_are_documented_with_the_body_the_server_sends() -> None:
    document = openapi_document()
    assert set(document["webhooks"]) == set(EVENT_SCOPES)
    components = document["components"]
    post = document["webhooks"]["customer.created"]["post"]
    schema = post["requestBody"]["content"]["application/json; charset=UTF-8"]["schema"]
    validator = jsonschema_rs.Draft202012Validator({**schema, "components": components})
    body = WebhookBody(
        event_id="3f6c1a52-8d0e-4b7c-9a61-2f4e5d6c7b8a",
        event_created=1746522611,
        store_id=1003,
        entity_id=5,
        event_type="customer.created",
        data={"customerEmail": "ann@example.net"},
    )
    assert validator.is_valid(msgspec.to_builtins(body))
    assert not validator.is_valid({**msgspec.to_builtins(body), "entityId": "5"})
    assert [p["name"] for p in post["parameters"]] == ["eventtype", "X-Ecwid-Webhook-Signature"]


async def test_compression_is_documented_as_the_server_does_it(api: Api) -> None:
    """The document says answers may be gzip (headers on every 200, a word in the info), and
    what a real compressed answer carries fits the headers it declares."""
    document = openapi_document()
    assert "gzip" in document["info"]["description"]
    for _method, _path, operation in _operations(document):
        headers = operation["responses"]["200"]["headers"]
        assert set(headers) == {"Content-Encoding", "Vary"}
        if "requestBody" in operation:
            assert "Content-Encoding: gzip" in operation["requestBody"]["description"]
    customer_id = await api.create_ok(full_customer_body())
    answer = await api.client.get(
        api.url(f"customers/{customer_id}"), headers={**api.auth(), "Accept-Encoding": "gzip"}
    )
    declared = _documented(
        next(r for r in ROUTES if r.path == "customers/{customerId}" and r.method == "GET")
    )
    declared_headers = declared["responses"]["200"]["headers"]
    for name in ("Content-Encoding", "Vary"):
        validator = jsonschema_rs.validator_for(declared_headers[name]["schema"])
        assert validator.is_valid(answer.headers[name])
