"""The OpenAPI 3.1 document of the API, built from the code it describes.

Paths and methods come from the route table, scopes from its entries, body and response
schemas from the msgspec structs the views decode and encode, the search parameters from the
parsers that read them, and every error response from the constructors of the error catalogue.
What the code cannot tell (a summary, the type of a query parameter, the errors a route adds
to the ones every route can answer) lives in the tables below, keyed by route. Building the
document fails for a route without an entry, and ``tests/http/test_openapi.py`` checks the
other direction, so the document cannot fall behind the code unnoticed.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import msgspec

from ecwid_customers import __version__, errors
from ecwid_customers.domain import inputs, models
from ecwid_customers.domain.addresses import MAX_NAME_LENGTH
from ecwid_customers.domain.catalog import EXTRA_FIELD_TYPES
from ecwid_customers.domain.create import MAX_EMAIL_LENGTH
from ecwid_customers.domain.search import MAX_LIMIT, SORT_VALUES, parse_customer_query, parse_page
from ecwid_customers.http.routes import ROUTES, Route
from ecwid_customers.http.views.common import MAX_ID, MAX_LONG_ID

ErrorConstructor = Callable[..., errors.EcwidError]

_REF = "#/components/schemas/{name}"
_JSON = "application/json"

# -- bodies the views build as dicts: structs here so their schemas are generated too -----------


class _Body(msgspec.Struct, rename="camel", kw_only=True, forbid_unknown_fields=True):
    """Base: camelCase keys, nothing beyond the declared ones."""


class CustomerSearchResult(_Body, kw_only=True):
    total: int
    count: int
    offset: int
    limit: int
    items: list[models.Customer]
    all_customer_count: int


class DeletedCustomersResult(_Body, kw_only=True):
    total: int
    count: int
    offset: int
    limit: int
    items: list[models.DeletedCustomer]


class CustomerGroupsResult(_Body, kw_only=True):
    total: int
    count: int
    offset: int
    limit: int
    items: list[models.CustomerGroup]


class ContactsResult(_Body, kw_only=True):
    items: list[models.Contact]


class ExtraFieldsResult(_Body, kw_only=True):
    items: list[models.ExtraFieldDefinition]


class NewId(_Body, kw_only=True):
    id: int


class NewContact(_Body, kw_only=True):
    create_count: Literal[1]
    id: int


class NewExtraField(_Body, kw_only=True):
    create_count: Literal[1]
    key: str


class UpdateCount(_Body, kw_only=True):
    update_count: Literal[1]


class DeleteCount(_Body, kw_only=True):
    delete_count: Literal[1]


class Error(_Body, kw_only=True):
    error_message: str
    error_code: str


# -- what the code cannot tell, per route ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Operation:
    summary: str
    ok: type  # the struct the 200 body is
    body: type | None = None  # the struct the request body is decoded into
    query: tuple[str, ...] = ()  # query parameters besides responseFields
    errors: tuple[ErrorConstructor, ...] = ()  # errors besides the ones every route can answer
    required: tuple[str, ...] = ()  # body keys the route needs (the struct makes all optional)


def _read_names(parser: Callable[[Callable[[str], str | None]], object]) -> tuple[str, ...]:
    """The query parameters ``parser`` reads, in order: it is run on a query without any."""
    names: list[str] = []

    def absent(name: str) -> None:
        names.append(name)

    parser(absent)
    return tuple(dict.fromkeys(names))


_PAGE = _read_names(parse_page)
_SEARCH = _read_names(parse_customer_query)
_CUSTOMER_WRITE = (errors.languages_not_allowed, errors.customer_group_not_found)
_CUSTOMER_GROUP = (errors.customer_group_not_found,)

OPERATIONS: dict[tuple[str, str], _Operation] = {
    ("GET", "customers"): _Operation("Search customers", CustomerSearchResult, query=_SEARCH),
    ("POST", "customers"): _Operation(
        "Create a customer",
        NewId,
        body=inputs.CustomerInput,
        errors=(*_CUSTOMER_WRITE, errors.email_already_exists),
        required=("email",),
    ),
    ("GET", "customers/deleted"): _Operation(
        "List deleted customers", DeletedCustomersResult, query=(*_PAGE, "from_date", "to_date")
    ),
    ("GET", "customers/{customerId}"): _Operation(
        "Get a customer", models.Customer, errors=(errors.customer_not_found,)
    ),
    ("PUT", "customers/{customerId}"): _Operation(
        "Update a customer",
        UpdateCount,
        body=inputs.CustomerInput,
        errors=(*_CUSTOMER_WRITE, errors.customer_not_found, errors.email_already_exists),
    ),
    ("DELETE", "customers/{customerId}"): _Operation(
        "Delete a customer", DeleteCount, errors=(errors.customer_not_found,)
    ),
    ("GET", "customers/{customerId}/contacts"): _Operation(
        "List a customer's contacts", ContactsResult, errors=(errors.customer_not_found,)
    ),
    ("POST", "customers/{customerId}/contacts"): _Operation(
        "Add a contact to a customer",
        NewContact,
        body=inputs.ContactInput,
        errors=(errors.customer_not_found,),
        required=("contact", "type"),
    ),
    ("GET", "customers/{customerId}/contacts/{contactId}"): _Operation(
        "Get a customer's contact",
        models.Contact,
        errors=(errors.customer_not_found, errors.customer_contact_not_found),
    ),
    ("PUT", "customers/{customerId}/contacts/{contactId}"): _Operation(
        "Update a customer's contact",
        UpdateCount,
        body=inputs.ContactInput,
        errors=(errors.customer_not_found, errors.customer_contact_not_found),
    ),
    ("DELETE", "customers/{customerId}/contacts/{contactId}"): _Operation(
        "Delete a customer's contact",
        DeleteCount,
        errors=(errors.customer_not_found, errors.customer_contact_not_found),
    ),
    ("GET", "customer_groups"): _Operation(
        "Search customer groups",
        CustomerGroupsResult,
        query=(*_PAGE, "keyword", "customerGroupIds", "customerGroupId"),
    ),
    ("POST", "customer_groups"): _Operation(
        "Create a customer group", NewId, body=inputs.CustomerGroupInput, required=("name",)
    ),
    ("GET", "customer_groups/{groupId}"): _Operation(
        "Get a customer group", models.CustomerGroup, errors=_CUSTOMER_GROUP
    ),
    ("PUT", "customer_groups/{groupId}"): _Operation(
        "Rename a customer group",
        UpdateCount,
        body=inputs.CustomerGroupInput,
        errors=_CUSTOMER_GROUP,
    ),
    ("DELETE", "customer_groups/{groupId}"): _Operation(
        "Delete a customer group", DeleteCount, errors=_CUSTOMER_GROUP
    ),
    ("GET", "store_extrafields/customers"): _Operation(
        "List customer extra fields", ExtraFieldsResult
    ),
    ("POST", "store_extrafields/customers"): _Operation(
        "Create a customer extra field", NewExtraField, body=inputs.ExtraFieldDefinitionInput
    ),
    ("GET", "store_extrafields/customers/{key}"): _Operation(
        "Get a customer extra field",
        models.ExtraFieldDefinition,
        errors=(errors.extra_field_not_found,),
    ),
    ("PUT", "store_extrafields/customers/{key}"): _Operation(
        "Update a customer extra field",
        UpdateCount,
        body=inputs.ExtraFieldDefinitionInput,
        errors=(errors.extra_field_not_found,),
    ),
    ("DELETE", "store_extrafields/customers/{key}"): _Operation(
        "Delete a customer extra field", DeleteCount, errors=(errors.extra_field_not_found,)
    ),
}

# What any route can answer before its view runs (app.py's order: store, token, rate, route,
# scope), and a crash.
_EVERY_ROUTE: tuple[ErrorConstructor, ...] = (
    errors.store_not_found,
    errors.resource_not_found,
    errors.invalid_api_token,
    errors.insufficient_scope,
    errors.store_is_suspended,
    errors.rate_limited,
    errors.internal_error,
)

_TAGS = {
    "customers": ("Customers", "Search, read, create, update and delete customers."),
    "contacts": ("Customer contacts", "One contact of a customer at a time."),
    "groups": ("Customer groups", "Only on plans with customer groups; else 402."),
    "extrafields": ("Customer extra fields", "Definitions of the store's extra fields."),
}

_STATUS_TEXT = {
    400: "A parameter, the path or the body is wrong.",
    402: "The store is suspended, or its plan lacks the feature.",
    403: "The token is missing, wrong, or lacks a scope.",
    404: "The store, the path or the record does not exist.",
    409: "Another customer has this email.",
    415: "The body is not declared as JSON.",
    429: "The token's request budget is used up; retry after the given seconds.",
    500: "The server failed; nothing about the cause is disclosed.",
}

_INT = {"type": "integer", "minimum": -(10**18 - 1), "maximum": 10**18 - 1}
_TIME = {
    "type": "string",
    # The shapes parse_ecwid_time reads (a shape with an impossible date is still a 400), or
    # nothing: an empty value is no filter.
    "pattern": (
        r"^(|[0-9]{1,12}|-[0-9]{1,11}"
        r"|[0-9]{4}-[0-9]{2}-[0-9]{2}( [0-9]{2}:[0-9]{2}:[0-9]{2}( [+-][0-9]{4})?)?)$"
    ),
    "description": "UNIX seconds, or a date such as `2024-08-21 07:52:09 +0000` or `2024-08-21`.",
    "examples": ["1704067200", "2024-01-01 00:00:00 +0000"],
}
_BOOL = {"type": "boolean", "description": "Also `yes`/`no`, `on`/`off`, `1`/`0`."}
_ID_LIST = {
    "type": "string",
    "pattern": r"^(|-?[0-9]{1,18}(,-?[0-9]{1,18})*)$",  # empty: no filter
    "description": "Comma-separated ids.",
    "examples": ["1,2,3"],
}


def _text(description: str) -> dict[str, Any]:
    return {"type": "string", "description": description}


QUERY_PARAMETERS: dict[str, dict[str, Any]] = {
    "keyword": _text("Words to find in the name, email and other text fields."),
    "name": _text("Part of the name."),
    "email": _text("Part of the email, or all of it with useExactEmailMatch."),
    "useExactEmailMatch": _BOOL | {"description": "Match `email` exactly."},
    "phone": _text("Part of a phone number."),
    "city": _text("Part of a shipping address's city."),
    "postalCode": _text("Part of a shipping address's postal code."),
    "stateOrProvinceCode": _text("A shipping address's state or province code."),
    "companyName": _text("Part of a shipping address's company name."),
    "countryCodes": _text("Comma-separated ISO 3166 country codes."),
    "acceptMarketing": _BOOL,
    "lang": _text("The customer's language code."),
    "customerGroupIds": _ID_LIST,
    "customerGroupId": _ID_LIST
    | {"description": "The name older docs use; ignored when customerGroupIds is given."},
    "customerGroup": _INT | {"description": "A single customer group id."},
    "minOrderCount": _INT,
    "maxOrderCount": _INT,
    "minSalesValue": {"type": "number"},
    "maxSalesValue": {"type": "number"},
    "purchasedProductIds": _ID_LIST,
    "b2b_b2c": {"enum": ["b2b", "b2c"]},
    "taxExempt": _BOOL,
    "fiscalCode": _text("Exact fiscal code."),
    "electronicInvoicePecEmail": _text("Exact PEC email."),
    "electronicInvoiceSdiCode": _text("Exact SDI code."),
    "createdFrom": _TIME,
    "createdTo": _TIME,
    "updatedFrom": _TIME,
    "updatedTo": _TIME,
    "from_date": _TIME,
    "to_date": _TIME,
    "sortBy": {"enum": list(SORT_VALUES), "default": SORT_VALUES[0]},
    "offset": _INT | {"minimum": 0, "default": 0},
    "limit": _INT
    | {"default": MAX_LIMIT, "description": f"At most {MAX_LIMIT}; 0 or less means {MAX_LIMIT}."},
    "responseFields": _text(
        "Keys to keep, comma-separated, with parentheses for keys inside: "
        "`id,email,billingPerson(name)`. The 200 schema describes the whole body."
    ),
}

PATH_PARAMETERS: dict[str, dict[str, Any]] = {
    "storeId": {"type": "integer", "format": "int64", "minimum": 0, "maximum": 2**63 - 1},
    "customerId": {"type": "integer", "minimum": 0, "maximum": MAX_ID},
    "contactId": {"type": "integer", "format": "int64", "minimum": 0, "maximum": MAX_LONG_ID},
    "groupId": {"type": "integer", "minimum": 0, "maximum": MAX_ID},
    "key": {"type": "string", "minLength": 1, "description": "An extra field's key."},
}
# Rules of the domain on body keys the structs declare as any string: (component, key) -> the
# schema of the key's non-null value.
BODY_RULES: dict[tuple[str, str], dict[str, Any]] = {
    ("CustomerInput", "email"): {
        "type": "string",
        "format": "email",
        "maxLength": MAX_EMAIL_LENGTH,
    },
    ("BillingPersonInput", "name"): {"type": "string", "maxLength": MAX_NAME_LENGTH},
    ("ShippingAddressInput", "name"): {"type": "string", "maxLength": MAX_NAME_LENGTH},
    ("BillingPersonInput", "countryCode"): {
        "type": "string",
        "description": "ISO 3166-1 alpha-2; the name is derived from it.",
    },
    ("ShippingAddressInput", "countryCode"): {
        "type": "string",
        "description": "ISO 3166-1 alpha-2; the name is derived from it.",
    },
    ("CustomerInput", "lang"): {"type": "string", "description": "One of the store's languages."},
    ("ExtraFieldDefinitionInput", "type"): {"enum": list(EXTRA_FIELD_TYPES)},
}

# A path value that is not a number is a 400 before any lookup.
_NUMERIC = frozenset(
    name for name, schema in PATH_PARAMETERS.items() if schema["type"] == "integer"
)


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
    found = list(_EVERY_ROUTE)
    if route.customer_groups:
        found.append(errors.not_available_on_current_plan)
    operation = OPERATIONS[(route.method, route.path)]
    if route.method == "GET" or _NUMERIC.intersection(_path_names(route)):
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
            "description": _STATUS_TEXT[status],
            "content": {_JSON: {"schema": schema}},
        }
        header_names = sorted({name.decode() for e in by_status[status] for name, _ in e.headers})
        if header_names:
            response["headers"] = {
                name.title(): {"schema": {"type": "integer", "minimum": 0}} for name in header_names
            }
        responses[str(status)] = response
    return responses


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


def _parameters(route: Route, operation: _Operation) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = [
        {"name": name, "in": "path", "required": True, "schema": PATH_PARAMETERS[name]}
        for name in ("storeId", *_path_names(route))
    ]
    query = (*operation.query, "responseFields") if route.method == "GET" else operation.query
    found += [{"name": name, "in": "query", "schema": QUERY_PARAMETERS[name]} for name in query]
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
    outputs = sorted({operation.ok for operation in OPERATIONS.values()} | {Error}, key=str)
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
            "tags": [_TAGS[route.view.__module__.rsplit(".", 1)[-1]][0]],
            "parameters": _parameters(route, operation),
            "responses": {
                "200": {
                    "description": "OK",
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
                    "set to null counts as left out."
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
                "is a 405 `METHOD_NOT_ALLOWED`."
            ),
        },
        "tags": [{"name": name, "description": text} for name, text in _TAGS.values()],
        "security": [{"bearerAuth": []}],
        "paths": paths,
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
