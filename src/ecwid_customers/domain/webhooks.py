"""Ecwid's webhooks as rules: event names and the scope each needs, the body, the signature,
what counts as acknowledged, and the retry schedule (spec section 7, Q15, Q16).

Nothing here sends anything: ``webhooks/`` delivers, storage queues.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Literal
from urllib.parse import urlsplit

import msgspec

from ecwid_customers.scopes import READ_CUSTOMERS, READ_STORE_PROFILE

CUSTOMER_CREATED = "customer.created"
CUSTOMER_UPDATED = "customer.updated"
CUSTOMER_DELETED = "customer.deleted"
GROUP_CREATED = "customer_group.created"
GROUP_UPDATED = "customer_group.updated"
GROUP_DELETED = "customer_group.deleted"

# The personal-data (GDPR) requests a shopper raises. Spec Q15: the camelCase spelling by
# default (a third-party client's, matching Ecwid's documented camelCase names), the official
# client's snake_case one when the server is told so.
GDPR_EVENTS = {
    "camel": ("customer.personalDataExportRequest", "customer.personalDataRemovalRequest"),
    "snake": ("customer.personal_data_export_request", "customer.personal_data_removal_request"),
}
GdprNames = Literal["camel", "snake"]
PersonalDataKind = Literal["export", "removal"]

# Every event name a token may subscribe to, and the scope it needs (spec section 2).
EVENT_SCOPES: dict[str, str] = {
    CUSTOMER_CREATED: READ_CUSTOMERS,
    CUSTOMER_UPDATED: READ_CUSTOMERS,
    CUSTOMER_DELETED: READ_CUSTOMERS,
    GROUP_CREATED: READ_CUSTOMERS,
    GROUP_UPDATED: READ_CUSTOMERS,
    GROUP_DELETED: READ_CUSTOMERS,
    **{name: READ_STORE_PROFILE for names in GDPR_EVENTS.values() for name in names},
}

# Statuses Ecwid counts as delivered; every other answer (203, 208, other 2xx, any 3xx) fails.
ACKNOWLEDGED = frozenset({200, 201, 202, 204, 209})

CONNECT_TIMEOUT = 3.0
RESPONSE_TIMEOUT = 10.0


def acknowledged(status: int | None, error: str | None) -> bool:
    """Whether an attempt delivered: an acknowledging status, read through without an error
    (an answer cut off half-way is not an acknowledgement)."""
    return status in ACKNOWLEDGED and error is None


# Retries, in seconds after the event: 15, 30 and 45 minutes, then every hour up to 24 hours.
# That is Ecwid's "up to 27 attempts within 24 h" read as 27 retries after the first attempt.
RETRY_OFFSETS: tuple[int, ...] = (900, 1800, 2700, *(hour * 3600 for hour in range(1, 25)))
MAX_ATTEMPTS = 1 + len(RETRY_OFFSETS)

Signature = Literal["valid", "invalid", "missing"]
SIGNATURE_HEADER = "X-Ecwid-Webhook-Signature"
MAX_URL_LENGTH = 2048
MAX_SECRET_LENGTH = 256


class WebhookEvent(msgspec.Struct, frozen=True, kw_only=True):
    """A change as a webhook announces it."""

    type: str  # eventType
    entity_id: int
    data: dict[str, str] | None = None
    scope: str  # what a token needs to receive it


def customer_event(event_type: str, customer_id: int, email: str) -> WebhookEvent:
    return WebhookEvent(
        type=event_type,
        entity_id=customer_id,
        data={"customerEmail": email},
        scope=EVENT_SCOPES[event_type],
    )


def group_event(event_type: str, group_id: int) -> WebhookEvent:
    # Group events carry no data (spec section 7).
    return WebhookEvent(type=event_type, entity_id=group_id, scope=EVENT_SCOPES[event_type])


def event_by_hand(
    event_type: str, entity_id: int, data: dict[str, str] | None = None
) -> WebhookEvent:
    """An event fired from the control plane or the CLI (a shopper's GDPR request, a test's
    own); ``ValueError`` for an unknown name."""
    if event_type not in EVENT_SCOPES:
        raise ValueError(f"unknown webhook event {event_type!r}; events: {', '.join(EVENT_SCOPES)}")
    return WebhookEvent(
        type=event_type, entity_id=entity_id, data=data, scope=EVENT_SCOPES[event_type]
    )


def personal_data_event(kind: PersonalDataKind, names: GdprNames, customer_id: int) -> WebhookEvent:
    """A shopper's request to export or remove their data, under the spelling ``names``."""
    export, removal = GDPR_EVENTS[names]
    return event_by_hand(export if kind == "export" else removal, customer_id)


class WebhookBody(msgspec.Struct, rename="camel", kw_only=True, omit_defaults=True):
    """What Ecwid posts, in its order; ``data`` is left out where an event has none."""

    event_id: str
    event_created: int
    store_id: int
    entity_id: int
    event_type: str
    data: dict[str, str] | None = None


def sign(client_secret: str, event_created: int, event_id: str) -> str:
    """``X-Ecwid-Webhook-Signature``: Base64(HMAC-SHA256(client secret, "created.id"))."""
    message = f"{event_created}.{event_id}".encode()
    digest = hmac.new(client_secret.encode(), message, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def next_attempt_offset(attempts: int) -> int | None:
    """Seconds after the event for the attempt after ``attempts`` failed ones; ``None`` when
    there is none left."""
    return RETRY_OFFSETS[attempts - 1] if 0 < attempts <= len(RETRY_OFFSETS) else None


def check_webhook_url(url: str) -> str:
    """``url`` if it is an absolute http(s) URL with a host; ``ValueError`` saying why not."""
    if len(url) > MAX_URL_LENGTH:
        raise ValueError(f"a webhook URL has at most {MAX_URL_LENGTH} characters")
    try:
        parts = urlsplit(url)
        port = parts.port  # reading it checks it
    except ValueError:
        raise ValueError(f"{url!r} is not a URL") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"a webhook URL is an absolute http:// or https:// URL, not {url!r}")
    if port == 0 or any(ch.isspace() or not ch.isprintable() for ch in url):
        raise ValueError(f"{url!r} is not a URL a webhook can be sent to")
    return url


def check_client_secret(secret: str) -> str:
    if not secret.strip():
        raise ValueError("a client secret cannot be empty")
    if len(secret) > MAX_SECRET_LENGTH or not secret.isprintable():
        raise ValueError(f"a client secret is printable text of at most {MAX_SECRET_LENGTH} chars")
    return secret


def parse_events(names: str | list[str] | None) -> tuple[str, ...] | None:
    """Subscribed event names (comma-separated or a list); ``None`` (or empty) means all."""
    if names is None:
        return None
    parts = names.split(",") if isinstance(names, str) else names
    wanted = tuple(dict.fromkeys(part.strip() for part in parts if part.strip()))
    unknown = [name for name in wanted if name not in EVENT_SCOPES]
    if unknown:
        known = ", ".join(EVENT_SCOPES)
        raise ValueError(f"unknown webhook event {unknown[0]!r}; events: {known}")
    return wanted or None


def secret_hint(secret: str) -> str:
    """What listings show of a client secret: never more than its ends."""
    return f"{secret[:2]}***{secret[-2:]}" if len(secret) >= 8 else "***"
