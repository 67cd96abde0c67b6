"""The OpenAPI document's ``webhooks``: what the server POSTs to an app for each event."""

from __future__ import annotations

from typing import Any

from ecwid_customers.domain.webhooks import ACKNOWLEDGED, EVENT_SCOPES, SIGNATURE_HEADER

_WHAT = {
    "customer.created": "A customer was created.",
    "customer.updated": "A customer, or one of its contacts, changed.",
    "customer.deleted": "A customer was deleted.",
    "customer_group.created": "A customer group was created (no `data`).",
    "customer_group.updated": "A customer group was renamed (no `data`).",
    "customer_group.deleted": "A customer group was deleted (no `data`).",
}


def webhooks_section(body_schema: dict[str, Any]) -> dict[str, Any]:
    acknowledged = ", ".join(str(status) for status in sorted(ACKNOWLEDGED))
    section: dict[str, Any] = {}
    for event_type, scope in EVENT_SCOPES.items():
        what = _WHAT.get(event_type, "A shopper asked for their personal data (no `data`).")
        section[event_type] = {
            "post": {
                "summary": event_type,
                "description": (
                    f"{what} Sent to the webhook URL of every app (token) with `{scope}` that "
                    "subscribed to it, with `?eventtype=` added to the URL's query. "
                    "`X-Ecwid-Webhook-Signature` is Base64(HMAC-SHA256(client secret, "
                    '"<eventCreated>.<eventId>")).'
                ),
                "parameters": [
                    {
                        "name": "eventtype",
                        "in": "query",
                        "required": True,
                        "schema": {"type": "string", "const": event_type},
                    },
                    {
                        "name": SIGNATURE_HEADER,
                        "in": "header",
                        "required": True,
                        "schema": {"type": "string", "contentEncoding": "base64"},
                    },
                ],
                "requestBody": {
                    "required": True,
                    "content": {"application/json; charset=UTF-8": {"schema": body_schema}},
                },
                "responses": {
                    "200": {
                        "description": (
                            f"Acknowledged ({acknowledged} all are). Anything else, a redirect "
                            "or a timeout (3 s to connect, 10 s to answer) is retried 15, 30, "
                            "45 minutes and then hourly up to 24 hours after the event."
                        )
                    }
                },
            }
        }
    return section
