"""The OpenAPI 3.1 document of the API, built from the code it describes.

Paths and methods come from the route table, scopes from its entries, body and response
schemas from the msgspec structs the views decode and encode, the search parameters from the
parsers that read them, and every error response from the constructors of the error catalogue.
What the code cannot tell lives in :mod:`openapi_tables`, keyed by route. Building the document
fails for a route without an entry there, and ``tests/http/test_openapi.py`` checks the other
direction, so the document cannot fall behind the code unnoticed.
"""

from __future__ import annotations

import functools
import inspect
from typing import Any

import msgspec

from ecwid_customers import __version__, errors
from ecwid_customers.domain.webhooks import WebhookBody
from ecwid_customers.http.openapi_tables import (
    BODY_RULES,
    EVERY_ROUTE,
    NUMERIC_PATH_PARAMETERS,
    OPERATIONS,
    PATH_PARAMETERS,
    QUERY_PARAMETERS,
    STATUS_TEXT,
    TAGS,
    Error,
    ErrorConstructor,
    Operation,
)
from ecwid_customers.http.openapi_webhooks import webhooks_section
from ecwid_customers.http.routes import ROUTES, Route

_REF = "#/components/schemas/{name}"
_JSON = "application/json"


# -- building the document ------------------------------------------------------------------------


def sample_error(make: ErrorConstructor) -> errors.EcwidError:
    """The error ``make`` builds, with placeholder arguments: its status, code and headers do
    not depend on them."""
    arguments = [
        0 if str(parameter.annotation).startswith("int") else "x"
        for parameter in inspect.signature(make).parameters.values()
        if parameter.default is inspect.Parameter.empty
    ]
    return make(*arguments)


def error_catalogue() -> dict[str, int]:
    """Every ``errorCode`` the constructors in :mod:`ecwid_customers.errors` make, with its
    status. A code made with two statuses is a fault of the catalogue: ``ValueError``."""
    found: dict[str, int] = {}
    for name, make in vars(errors).items():
        if (
            name.startswith("_")
            or not inspect.isfunction(make)
            or make.__module__ != errors.__name__
        ):
            continue
        if inspect.signature(make).return_annotation != "EcwidError":
            continue  # helpers that look errors up rather than make one
        error = sample_error(make)
        if found.setdefault(error.code, error.status) != error.status:
            raise ValueError(
                f"{error.code} is made with statuses {found[error.code]} and {error.status}"
            )
    return found


def route_errors(route: Route) -> tuple[ErrorConstructor, ...]:
    """Every error ``route`` can answer with, as the constructors that make them."""
    found = list(EVERY_ROUTE)
    if route.customer_groups:
        found.append(errors.not_available_on_current_plan)
    operation = OPERATIONS[(route.method, route.path)]
    if route.method == "GET" or NUMERIC_PATH_PARAMETERS.intersection(_path_names(route)):
        found.append(errors.wrong_parameter)  # responseFields, NUL in the query, a bad id
    if operation.body is not None:
        found += [errors.wrong_parameter, errors.unsupported_media_type]
    found += operation.errors
    return tuple(dict.fromkeys(found))


def _path_names(route: Route) -> list[str]:
    return [segment[1:-1] for segment in route.segments if segment.startswith("{")]


def _schemas(
    types: list[type], *, closed: bool
) -> tuple[tuple[dict[str, Any], ...], dict[str, Any]]:
    refs, components = msgspec.json.schema_components(types, ref_template=_REF)
    for component in components.values():
        # Docstrings describe the code, not the wire.
        component.pop("description", None)
        for schema in component.get("properties", {}).values():
            if "default" in schema and schema["default"] is None:
                # Leaving a key out is what null means in a body, so there is no default to
                # show; and a response leaves an empty key out (omit_defaults), never null.
                del schema["default"]
                if closed:
                    kinds = [kind for kind in schema.pop("anyOf") if kind != {"type": "null"}]
                    schema.update(kinds[0] if len(kinds) == 1 else {"anyOf": kinds})
        if closed and component.get("type") == "object":
            component["additionalProperties"] = False  # the server writes no other key
    return refs, components


def _apply_rules(components: dict[str, Any]) -> None:
    for (name, key), rule in BODY_RULES.items():
        schema = components[name]["properties"][key]
        # msgspec writes an optional key as anyOf [the type, null]; the rule is the first.
        kinds = schema["anyOf"]
        assert kinds[-1] == {"type": "null"}, (name, key, schema)
        kinds[0] = rule


def _error_responses(found: tuple[ErrorConstructor, ...]) -> dict[str, Any]:
    by_status: dict[int, list[errors.EcwidError]] = {}
    for make in found:
        error = sample_error(make)
        by_status.setdefault(error.status, []).append(error)
    responses: dict[str, Any] = {}
    for status in sorted(by_status):
        codes = sorted({error.code for error in by_status[status]})
        schema = {
            "allOf": [{"$ref": _REF.format(name="Error")}],
            "properties": {"errorCode": {"enum": codes}},
        }
        response: dict[str, Any] = {
            "description": STATUS_TEXT[status],
            "content": {_JSON: {"schema": schema}},
        }
        header_names = sorted({name.decode() for e in by_status[status] for name, _ in e.headers})
        if header_names:
            response["headers"] = {
                name.title(): {"schema": {"type": "integer", "minimum": 0}} for name in header_names
            }
        responses[str(status)] = response
    return responses


# An answer's compression, as every JSON answer may carry it (http/encoding.py).
_COMPRESSION_HEADERS: dict[str, Any] = {
    "Content-Encoding": {
        "description": "`gzip` when the answer is compressed (1 KiB or more, and the "
        "request's `Accept-Encoding` allows gzip); absent otherwise.",
        "schema": {"type": "string", "enum": ["gzip"]},
    },
    "Vary": {
        "description": "`Accept-Encoding`: the answer depends on it.",
        "schema": {"type": "string"},
    },
}


def _scopes_text(route: Route) -> str:
    parts = []
    if route.scopes:
        parts.append("Scopes: " + ", ".join(f"`{scope}`" for scope in route.scopes) + ".")
    if route.any_of:
        parts.append("Any one of: " + ", ".join(f"`{scope}`" for scope in route.any_of) + ".")
    if route.legacy_scopes is not None:
        legacy = ", ".join(f"`{scope}`" for scope in route.legacy_scopes)
        parts.append(f"With `--update-scope-only`: {legacy}.")
    if route.customer_groups:
        parts.append("Only on plans with customer groups.")
    return " ".join(parts)


def _parameters(route: Route, operation: Operation) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = [
        {"name": name, "in": "path", "required": True, "schema": PATH_PARAMETERS[name]}
        for name in ("storeId", *_path_names(route))
    ]
    query = (*operation.query, "responseFields") if route.method == "GET" else operation.query
    found += [
        {"name": name, "in": "query", "schema": QUERY_PARAMETERS[name]}
        | ({"required": True} if name in operation.required_query else {})
        for name in query
    ]
    return found


def _operation_id(route: Route) -> str:
    first, *rest = route.view.__name__.split("_")
    return first + "".join(word.title() for word in rest)


@functools.cache
def openapi_document() -> dict[str, Any]:
    """The document (built once; treat it as read-only, or copy it)."""
    missing = [(r.method, r.path) for r in ROUTES if (r.method, r.path) not in OPERATIONS]
    if missing:
        raise LookupError(f"routes without an entry in OPERATIONS: {missing}")
    outputs = sorted(
        {operation.ok for operation in OPERATIONS.values()} | {Error, WebhookBody}, key=str
    )
    bodies = sorted({op.body for op in OPERATIONS.values() if op.body is not None}, key=str)
    out_refs, out_components = _schemas(outputs, closed=True)
    in_refs, in_components = _schemas(bodies, closed=False)
    _apply_rules(in_components)
    assert not out_components.keys() & in_components.keys(), "one name for two schemas"
    ref_of = dict(zip(outputs, out_refs, strict=True)) | dict(zip(bodies, in_refs, strict=True))

    paths: dict[str, dict[str, Any]] = {}
    for route in ROUTES:
        operation = OPERATIONS[(route.method, route.path)]
        entry: dict[str, Any] = {
            "operationId": _operation_id(route),
            "summary": operation.summary,
            "description": _scopes_text(route),
            "tags": [TAGS[route.view.__module__.rsplit(".", 1)[-1]][0]],
            "parameters": _parameters(route, operation),
            "responses": {
                "200": {
                    "description": "OK",
                    "headers": _COMPRESSION_HEADERS,
                    "content": {_JSON: {"schema": ref_of[operation.ok]}},
                },
                **_error_responses(route_errors(route)),
            },
        }
        if operation.body is not None:
            body_schema = ref_of[operation.body]
            if operation.required:
                body_schema = {"allOf": [body_schema], "required": list(operation.required)}
            entry["requestBody"] = {
                "required": True,
                "description": (
                    "JSON (`text/json` is accepted too). Unknown keys are ignored, and a key "
                    "set to null counts as left out. It may be sent gzip-compressed "
                    "(`Content-Encoding: gzip`); the size limit applies after decompression."
                ),
                "content": {_JSON: {"schema": body_schema}},
            }
        paths.setdefault(f"/api/v3/{{storeId}}/{route.path}", {})[route.method.lower()] = entry

    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Ecwid Customers API (v3)",
            "version": __version__,
            "description": (
                "Ecwid's Customers REST API as this server implements it. Every error is "
                '`{"errorMessage": ..., "errorCode": ...}`; a method a path does not serve '
                "is a 405 `METHOD_NOT_ALLOWED`. Answers of 1 KiB or more are gzip-compressed "
                "when the request's `Accept-Encoding` allows gzip, and say so in "
                "`Content-Encoding` (with `Vary: Accept-Encoding`); request bodies may be sent "
                "gzip-compressed too."
            ),
        },
        "tags": [{"name": name, "description": text} for name, text in TAGS.values()],
        "security": [{"bearerAuth": []}],
        "paths": paths,
        "webhooks": webhooks_section(ref_of[WebhookBody]),
        "components": {
            "securitySchemes": {
                "bearerAuth": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A store's token: `Authorization: Bearer secret_...`.",
                }
            },
            "schemas": dict(sorted((out_components | in_components).items())),
        },
    }


@functools.cache
def openapi_json() -> bytes:
    """The document as the server sends it."""
    return msgspec.json.encode(openapi_document())
