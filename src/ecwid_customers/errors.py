"""The one catalogue of errors the API can answer with.

Every error leaves the server as ``{"errorMessage": ..., "errorCode": ...}`` with the status
below (spec section 3). Code anywhere in the package raises :class:`EcwidError` through one of
the constructors here, so a status, code or wording lives in exactly one place; the HTTP layer
renders whatever it catches.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class EcwidError(Exception):
    """An error with Ecwid's status, ``errorCode`` and ``errorMessage``."""

    status: int
    code: str
    message: str
    headers: tuple[tuple[bytes, bytes], ...] = ()

    def __str__(self) -> str:
        return f"{self.status} {self.code}: {self.message}"


# -- 400 ---------------------------------------------------------------------------------------


def wrong_parameter(name: str, detail: str | None = None) -> EcwidError:
    """A value of the wrong type or outside its allowed set (spec Q25)."""
    message = f"Wrong parameter '{name}' value"
    if detail:
        message = f"{message}: {detail}"
    return EcwidError(400, "WRONG_PARAMETER", message)


def field_absent(entity_field: str) -> EcwidError:
    """A required field is missing; Ecwid words it ``Field CustomerMembership.name is absent``."""
    return EcwidError(400, "WRONG_PARAMETER", f"Field {entity_field} is absent")


def nul_in_body() -> EcwidError:
    return EcwidError(400, "WRONG_PARAMETER", "Text in the request body must not contain NUL")


def unparsable_body() -> EcwidError:
    return EcwidError(400, "WRONG_PARAMETER", "Cannot parse request body")


def body_not_object() -> EcwidError:
    return EcwidError(400, "WRONG_PARAMETER", "Request body must be a JSON object")


def body_too_large(limit: int) -> EcwidError:
    # Spec Q26: Ecwid never documents 413, so an oversized body is a 400.
    # The connection closes after this answer (lingering, so the answer arrives): what is
    # left of the body is not read and thrown away on a connection kept open for more.
    return EcwidError(
        400,
        "WRONG_PARAMETER",
        f"Request body is too large: the limit is {limit} bytes",
        headers=((b"connection", b"close"),),
    )


def languages_not_allowed() -> EcwidError:
    return EcwidError(400, "LANGUAGES_NOT_ALLOWED", "Specified languages are disabled in the store")


def general_group_is_fixed() -> EcwidError:
    # Spec Q31: group 0 always exists with its fixed name.
    return EcwidError(400, "WRONG_PARAMETER", "General customer group cannot be changed")


def batch_body_invalid(position: str) -> EcwidError:
    """A batch element that cannot be run; worded as Ecwid's documented example."""
    return EcwidError(
        400,
        "WRONG_PARAMETER",
        f"Can't create batch. Batch request body is invalid. Path {position} contains bad value",
    )


def batch_empty() -> EcwidError:
    return EcwidError(400, "WRONG_PARAMETER", "Can't create batch. The batch has no requests")


def batch_too_large(limit: int) -> EcwidError:
    return EcwidError(
        400,
        "WRONG_PARAMETER",
        f"Can't create batch. Max amount of API requests for one batch request is {limit}",
    )


def batch_nested() -> EcwidError:
    """A batch's request for the batch endpoint itself: batches do not nest."""
    return EcwidError(400, "WRONG_PARAMETER", "A batch request cannot call the Batch API")


def email_contact_cannot_be_deleted() -> EcwidError:
    # Spec 5.4: a customer always has an EMAIL contact of its email; it goes with the email.
    return EcwidError(
        400,
        "WRONG_PARAMETER",
        "The contact of the customer's email cannot be deleted: it follows the customer's email",
    )


# -- 402 ---------------------------------------------------------------------------------------


def store_is_suspended() -> EcwidError:
    return EcwidError(402, "STORE_IS_SUSPENDED", "Store is suspended")


def not_available_on_current_plan() -> EcwidError:
    return EcwidError(
        402, "NOT_AVAILABLE_ON_CURRENT_PLAN", "This feature is not available on the store's plan"
    )


# -- 429 ---------------------------------------------------------------------------------------


def rate_limited(retry_after: int) -> EcwidError:
    return EcwidError(
        429,
        "RATE_LIMITED",
        "Too many requests: the token's limit is used up",
        headers=((b"retry-after", str(retry_after).encode()),),
    )


def batches_queued(retry_after: int) -> EcwidError:
    """The store has as many batches waiting or running as it may."""
    return EcwidError(
        429,
        "RATE_LIMITED",
        "Too many batches are queued or running for this store",
        headers=((b"retry-after", str(retry_after).encode()),),
    )


# -- 403 ---------------------------------------------------------------------------------------


def invalid_api_token() -> EcwidError:
    return EcwidError(403, "INVALID_API_TOKEN", "Invalid access token in the request")


def insufficient_scope(scope: str) -> EcwidError:
    return EcwidError(403, "INSUFFICIENT_APP_SCOPE", f"Access token doesn't have {scope} scope")


# -- 404 ---------------------------------------------------------------------------------------


def store_not_found() -> EcwidError:
    return EcwidError(404, "STORE_NOT_FOUND", "Store not found")


def customer_not_found(customer_id: int | str) -> EcwidError:
    return EcwidError(404, "CUSTOMER_NOT_FOUND", f"Customer #{customer_id} not found")


def customer_group_not_found(group_id: int | str) -> EcwidError:
    return EcwidError(404, "CUSTOMER_GROUP_NOT_FOUND", f"Customer group #{group_id} not found")


def customer_contact_not_found(contact_id: int | str) -> EcwidError:
    return EcwidError(
        404, "CUSTOMER_CONTACT_NOT_FOUND", f"Customer contact #{contact_id} not found"
    )


def extra_field_not_found(key: str) -> EcwidError:
    return EcwidError(404, "EXTRAFIELD_NOT_FOUND", f"ExtraField #{key} not found")


def batch_not_found(ticket: str) -> EcwidError:
    """An unknown ticket, one of another store or token, or one kept past its time."""
    return EcwidError(404, "BATCH_NOT_FOUND", f"Batch #{ticket[:64]} not found")


def resource_not_found() -> EcwidError:
    """A URL outside the API's URL space."""
    return EcwidError(404, "RESOURCE_NOT_FOUND", "Requested resource is not found")


# -- 405, 409, 415, 500 ------------------------------------------------------------------------


def method_not_allowed(method: str) -> EcwidError:
    return EcwidError(
        405, "METHOD_NOT_ALLOWED", f"HTTP method {method} is not supported for this resource"
    )


def email_already_exists() -> EcwidError:
    return EcwidError(
        409, "CONSTRAINT_VIOLATION", "The customer with the given email already exists"
    )


def unsupported_media_type() -> EcwidError:
    return EcwidError(
        415,
        "UNSUPPORTED_MEDIA_TYPE",
        "Unsupported content-type: expected application/json or text/json",
    )


def unsupported_content_encoding(coding: str) -> EcwidError:
    # RFC 9110 section 15.5.16: an unsupported content coding is a 415.
    return EcwidError(
        415,
        "UNSUPPORTED_MEDIA_TYPE",
        f"Unsupported content-encoding {coding[:40]!r}: expected gzip or none",
    )


def internal_error() -> EcwidError:
    return EcwidError(500, "INTERNAL_ERROR", "Internal server error")


def _retry_later(message: str, retry_after: int) -> EcwidError:
    return EcwidError(
        503,
        "SERVICE_UNAVAILABLE",
        message,
        headers=((b"retry-after", str(retry_after).encode()),),
    )


def service_unavailable(retry_after: int = 5) -> EcwidError:
    """The database cannot serve the call now (a full disk, a read-only file, no server).
    Ecwid documents no 503; a retryable answer is more use to a client than a 500."""
    return _retry_later("The service is temporarily unavailable; try again shortly", retry_after)


# -- the connection (answered by http/protocol.py before the app sees a request) ------------


def connection_unparsable() -> EcwidError:
    return EcwidError(400, "WRONG_PARAMETER", "Invalid HTTP request")


def connection_bad_framing(detail: str) -> EcwidError:
    return EcwidError(400, "WRONG_PARAMETER", f"Invalid HTTP request: {detail}")


def connection_limit_reached() -> EcwidError:
    return _retry_later("The server has too many open connections; try again shortly", 1)


def server_shutting_down() -> EcwidError:
    return _retry_later("The server is shutting down; try again shortly", 1)


def connection_timeout() -> EcwidError:
    return EcwidError(408, "REQUEST_TIMEOUT", "The request was not sent in time")


def connection_uri_too_long(limit: int) -> EcwidError:
    return EcwidError(
        414, "URI_TOO_LONG", f"The request line is too long: the limit is {limit} bytes"
    )


def connection_headers_too_large(limit: int) -> EcwidError:
    return EcwidError(
        431,
        "REQUEST_HEADERS_TOO_LARGE",
        f"The request headers are too large: the limit is {limit} bytes",
    )


# -- the catalogue by code ---------------------------------------------------------------------


def sample(code: str) -> EcwidError | None:
    """An error of the catalogue with this ``errorCode``, as the API would answer it: what a
    fault rule names when it asks for "Ecwid's 409" (``CONSTRAINT_VIOLATION``)."""
    return _SAMPLES.get(code)


def sample_codes() -> tuple[str, ...]:
    return tuple(_SAMPLES)


_SAMPLES = {
    error.code: error
    for error in (
        wrong_parameter("email"),
        languages_not_allowed(),
        store_is_suspended(),
        not_available_on_current_plan(),
        rate_limited(60),
        invalid_api_token(),
        insufficient_scope("read_customers"),
        store_not_found(),
        customer_not_found(1),
        batch_not_found("x"),
        customer_group_not_found(1),
        customer_contact_not_found(1),
        extra_field_not_found("key"),
        resource_not_found(),
        method_not_allowed("PATCH"),
        email_already_exists(),
        unsupported_media_type(),
        internal_error(),
        service_unavailable(),
    )
}


# -- the control plane (not Ecwid's: our own endpoints under /_control/) ------------------------


def control_unauthorised() -> EcwidError:
    return EcwidError(
        401,
        "CONTROL_UNAUTHORISED",
        "The control plane needs the admin token: Authorization: Bearer <admin token>",
    )


def control_disabled(reason: str = "--no-control") -> EcwidError:
    return EcwidError(
        404, "CONTROL_DISABLED", f"The control plane is disabled on this server ({reason})"
    )


def control_bad_request(detail: str) -> EcwidError:
    return EcwidError(400, "CONTROL_BAD_REQUEST", detail)


def control_not_found(what: str) -> EcwidError:
    return EcwidError(404, "CONTROL_NOT_FOUND", f"{what} not found")


def control_conflict(detail: str) -> EcwidError:
    return EcwidError(409, "CONTROL_CONFLICT", detail)
