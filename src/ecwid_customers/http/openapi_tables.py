"""What the OpenAPI document says that the code cannot tell by itself, keyed by route.

A summary, the struct of each body, the errors a route adds to those every route can answer,
the type of each query parameter, the domain's rules on body keys. :mod:`openapi` builds the
document from these tables and the code; ``tests/http/test_openapi.py`` keeps them in step.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import msgspec

from ecwid_customers import errors
from ecwid_customers.domain import inputs, models
from ecwid_customers.domain.addresses import MAX_NAME_LENGTH
from ecwid_customers.domain.batch import MAX_REQUESTS, PARALLEL_REQUESTS, BatchRequestInput
from ecwid_customers.domain.catalog import EXTRA_FIELD_TYPES
from ecwid_customers.domain.create import MAX_EMAIL_LENGTH
from ecwid_customers.domain.ids import MAX_ID, MAX_LONG_ID, MAX_STORE_ID
from ecwid_customers.domain.search import MAX_LIMIT, SORT_VALUES, parse_customer_query, parse_page

ErrorConstructor = Callable[..., errors.EcwidError]

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


class UpdateCountOf(_Body, kw_only=True):
    update_count: int


class DeleteCount(_Body, kw_only=True):
    delete_count: Literal[1]


class Error(_Body, kw_only=True):
    error_message: str
    error_code: str


class BatchTicket(_Body, kw_only=True):
    ticket: str


class _SnakeBody(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Base of the Batch API's answers, whose keys Ecwid spells in snake_case."""


class BatchResponse(_SnakeBody, kw_only=True):
    id: str | None = None  # only when the request had one
    status: Literal["COMPLETED", "FAILED", "NOT_EXECUTED"]
    # The request's answer (when it ran): http_body, or with escapedJson=true escaped_http_body.
    http_body: dict[str, Any] | None = None
    escaped_http_body: str | None = None
    http_status_line: str | None = None
    http_status_code: int | None = None
    http_code: int | None = None  # the same number, as the docs' format sketch names it


class BatchStatusResult(_SnakeBody, kw_only=True):
    status: Literal["QUEUED", "IN_PROGRESS", "COMPLETED"]
    total_requests: int
    completed_requests: int
    responses: list[BatchResponse]


# -- what the code cannot tell, per route ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Operation:
    summary: str
    ok: type  # the struct the 200 body is
    body: type | None = None  # the struct the request body is decoded into
    query: tuple[str, ...] = ()  # query parameters besides responseFields
    errors: tuple[ErrorConstructor, ...] = ()  # errors besides the ones every route can answer
    required: tuple[str, ...] = ()  # body keys the route needs (the struct makes all optional)
    required_query: tuple[str, ...] = ()  # query parameters without which it is a 400


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

OPERATIONS: dict[tuple[str, str], Operation] = {
    ("GET", "customers"): Operation("Search customers", CustomerSearchResult, query=_SEARCH),
    ("POST", "customers"): Operation(
        "Create a customer",
        NewId,
        body=inputs.CustomerInput,
        errors=(*_CUSTOMER_WRITE, errors.email_already_exists),
        required=("email",),
    ),
    ("GET", "customers/deleted"): Operation(
        "List deleted customers", DeletedCustomersResult, query=(*_PAGE, "from_date", "to_date")
    ),
    ("GET", "customers/{customerId}"): Operation(
        "Get a customer", models.Customer, errors=(errors.customer_not_found,)
    ),
    ("PUT", "customers/{customerId}"): Operation(
        "Update a customer",
        UpdateCount,
        body=inputs.CustomerInput,
        errors=(*_CUSTOMER_WRITE, errors.customer_not_found, errors.email_already_exists),
    ),
    ("DELETE", "customers/{customerId}"): Operation(
        "Delete a customer", DeleteCount, errors=(errors.customer_not_found,)
    ),
    ("GET", "customers/{customerId}/contacts"): Operation(
        "List a customer's contacts", ContactsResult, errors=(errors.customer_not_found,)
    ),
    ("POST", "customers/{customerId}/contacts"): Operation(
        "Add a contact to a customer",
        NewContact,
        body=inputs.ContactInput,
        errors=(errors.customer_not_found,),
        required=("contact", "type"),
    ),
    ("GET", "customers/{customerId}/contacts/{contactId}"): Operation(
        "Get a customer's contact",
        models.Contact,
        errors=(errors.customer_not_found, errors.customer_contact_not_found),
    ),
    ("PUT", "customers/{customerId}/contacts/{contactId}"): Operation(
        "Update a customer's contact",
        UpdateCount,
        body=inputs.ContactInput,
        errors=(errors.customer_not_found, errors.customer_contact_not_found),
    ),
    ("DELETE", "customers/{customerId}/contacts/{contactId}"): Operation(
        "Delete a customer's contact",
        DeleteCount,
        errors=(
            errors.customer_not_found,
            errors.customer_contact_not_found,
            errors.email_contact_cannot_be_deleted,
        ),
    ),
    ("GET", "customer_groups"): Operation(
        "Search customer groups",
        CustomerGroupsResult,
        query=(*_PAGE, "keyword", "customerGroupIds", "customerGroupId"),
    ),
    ("POST", "customer_groups"): Operation(
        "Create a customer group", NewId, body=inputs.CustomerGroupInput, required=("name",)
    ),
    ("GET", "customer_groups/{groupId}"): Operation(
        "Get a customer group", models.CustomerGroup, errors=_CUSTOMER_GROUP
    ),
    ("PUT", "customer_groups/{groupId}"): Operation(
        "Rename a customer group",
        UpdateCount,
        body=inputs.CustomerGroupInput,
        errors=_CUSTOMER_GROUP,
    ),
    ("DELETE", "customer_groups/{groupId}"): Operation(
        "Delete a customer group", DeleteCount, errors=_CUSTOMER_GROUP
    ),
    ("GET", "store_extrafields/customers"): Operation(
        "List customer extra fields", ExtraFieldsResult
    ),
    ("POST", "store_extrafields/customers"): Operation(
        "Create a customer extra field", NewExtraField, body=inputs.ExtraFieldDefinitionInput
    ),
    ("GET", "store_extrafields/customers/{key}"): Operation(
        "Get a customer extra field",
        models.ExtraFieldDefinition,
        errors=(errors.extra_field_not_found,),
    ),
    ("PUT", "store_extrafields/customers/{key}"): Operation(
        "Update a customer extra field",
        UpdateCount,
        body=inputs.ExtraFieldDefinitionInput,
        errors=(errors.extra_field_not_found,),
    ),
    ("DELETE", "store_extrafields/customers/{key}"): Operation(
        "Delete a customer extra field", DeleteCount, errors=(errors.extra_field_not_found,)
    ),
    ("POST", "batch"): Operation(
        f"Queue a batch of up to {MAX_REQUESTS} requests",
        BatchTicket,
        body=list[BatchRequestInput],
        query=("stopOnFirstFailure", "allowParallelMode", "groupId"),
        errors=(errors.batch_body_invalid, errors.batches_queued),
    ),
    ("GET", "batch"): Operation(
        "Get a batch's progress and answers",
        BatchStatusResult,
        query=("ticket", "escapedJson"),
        errors=(errors.batch_not_found,),
        required_query=("ticket",),
    ),
    ("POST", "batch/cancel-group"): Operation(
        "Cancel the unfinished batches of a group",
        UpdateCountOf,
        query=("groupId",),
        errors=(errors.wrong_parameter,),
        required_query=("groupId",),
    ),
}

# What any route can answer before its view runs (app.py's order: store, token, rate, route,
# scope), and a crash.
EVERY_ROUTE: tuple[ErrorConstructor, ...] = (
    errors.store_not_found,
    errors.resource_not_found,
    errors.invalid_api_token,
    errors.insufficient_scope,
    errors.store_is_suspended,
    errors.rate_limited,
    errors.internal_error,
)

TAGS = {
    "customers": ("Customers", "Search, read, create, update and delete customers."),
    "contacts": (
        "Customer contacts",
        "One contact of a customer at a time. The EMAIL contact of the customer's email follows "
        "that email: it is the default EMAIL contact and cannot be deleted, retyped or given "
        "another address here (400). Each type keeps one default.",
    ),
    "groups": ("Customer groups", "Only on plans with customer groups; else 402."),
    "extrafields": ("Customer extra fields", "Definitions of the store's extra fields."),
    "batch": (
        "Batch requests",
        "Up to 500 requests in one call, run in the background; each request is authorised "
        "and answered as its direct call would be.",
    ),
}

STATUS_TEXT = {
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


_ORDERS_TEXT = (
    "{}. This server has no orders: order filters and sorts follow the stats and purchased "
    "products a fixture or `PUT /_control/stores/{{storeId}}/customers/{{customerId}}/"
    "order-history` gave the customer (no orders until then)."
)
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
    # The order-history stand-in: fixtures and the control plane set what these filter on.
    "minOrderCount": _INT | {"description": _ORDERS_TEXT.format("At least this many orders")},
    "maxOrderCount": _INT | {"description": _ORDERS_TEXT.format("At most this many orders")},
    "minSalesValue": {
        "type": "number",
        "description": _ORDERS_TEXT.format("Spent at least this much"),
    },
    "maxSalesValue": {
        "type": "number",
        "description": _ORDERS_TEXT.format("Spent at most this much"),
    },
    "purchasedProductIds": _ID_LIST
    | {
        "description": _ORDERS_TEXT.format(
            "Bought at least one of these products (comma-separated ids)"
        )
    },
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
    "sortBy": {
        "enum": list(SORT_VALUES),
        "default": SORT_VALUES[0],
        "description": (
            "Ties go by id, in the same direction. The order sorts follow the order-history "
            "stand-in (see minOrderCount); customers without orders have no order dates and "
            "sort as the earliest ones."
        ),
    },
    "offset": _INT | {"minimum": 0, "default": 0},
    "limit": _INT
    | {"default": MAX_LIMIT, "description": f"At most {MAX_LIMIT}; 0 or less means {MAX_LIMIT}."},
    "stopOnFirstFailure": _BOOL
    | {"default": True, "description": "Skip the rest after the first answer that is not 200."},
    "allowParallelMode": _BOOL
    | {"default": False, "description": f"Run up to {PARALLEL_REQUESTS} requests at once."},
    "groupId": _text("A name for batches that `POST /batch/cancel-group` cancels together."),
    "ticket": _text("The ticket `POST /batch` answered.") | {"format": "uuid"},
    "escapedJson": _BOOL
    | {"default": False, "description": "Each answer as a string (`escaped_http_body`)."},
    "responseFields": _text(
        "Keys to keep, comma-separated, with parentheses for keys inside: "
        "`id,email,billingPerson(name)`. The 200 schema describes the whole body."
    ),
}

PATH_PARAMETERS: dict[str, dict[str, Any]] = {
    "storeId": {"type": "integer", "format": "int64", "minimum": 0, "maximum": MAX_STORE_ID},
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
NUMERIC_PATH_PARAMETERS = frozenset(
    name for name, schema in PATH_PARAMETERS.items() if schema["type"] == "integer"
)
