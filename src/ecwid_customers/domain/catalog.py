"""Customer groups (spec 6) and customer extra-field definitions (spec 4.8): their rules."""

from __future__ import annotations

import secrets
import string

import msgspec

from ecwid_customers import errors
from ecwid_customers.domain.clock import format_ecwid_time
from ecwid_customers.domain.inputs import CustomerGroupInput, ExtraFieldDefinitionInput
from ecwid_customers.domain.models import GENERAL_GROUP_ID, ExtraFieldDefinition

EXTRA_FIELD_TYPES = (
    "TEXT",
    "SELECT",
    "DATETIME",
    "TOGGLE_BUTTON_GROUP",
    "TEXTAREA",
    "CHECKBOX",
    "RADIO_BUTTONS",
)
_KEY_ALPHABET = string.ascii_letters + string.digits


def new_group_name(sent: CustomerGroupInput) -> str:
    if sent.name is None or not sent.name.strip():
        # Ecwid's own wording for this case (legacy docs).
        raise errors.field_absent("CustomerMembership.name")
    return sent.name.strip()


def changed_group_name(group_id: int, sent: CustomerGroupInput) -> str | None:
    if group_id == GENERAL_GROUP_ID:
        raise errors.general_group_is_fixed()
    if sent.name is not None and not sent.name.strip():
        raise errors.wrong_parameter("name", "must not be empty")
    return sent.name.strip() if sent.name is not None else None


def _field_type(text: str | None, default: str | None) -> str:
    if text is None:
        if default is None:
            raise errors.field_absent("ExtraField.type")
        return default
    upper = text.strip().upper()
    if upper not in EXTRA_FIELD_TYPES:
        raise errors.wrong_parameter("type", f"expected one of {', '.join(EXTRA_FIELD_TYPES)}")
    return upper


def new_extra_field_key() -> str:
    """A server-made key, shaped like Ecwid's (``6r0fUGw``)."""
    return "".join(secrets.choice(_KEY_ALPHABET) for _ in range(7))


def new_extra_field(sent: ExtraFieldDefinitionInput, *, key: str, now: int) -> ExtraFieldDefinition:
    timestamp = format_ecwid_time(now)
    return ExtraFieldDefinition(
        key=key,
        title=sent.title,
        type=_field_type(sent.type, "TEXT"),
        shown_on_order_details=bool(sent.shown_on_order_details),
        entity_types=["CUSTOMERS"],
        linked_with_checkout_field=False,
        created_date=timestamp,
        last_modified_date=timestamp,
    )


def changed_extra_field(
    current: ExtraFieldDefinition, sent: ExtraFieldDefinitionInput, *, now: int
) -> ExtraFieldDefinition:
    return msgspec.structs.replace(
        current,
        title=sent.title if sent.title is not None else current.title,
        type=_field_type(sent.type, current.type),
        shown_on_order_details=(
            sent.shown_on_order_details
            if sent.shown_on_order_details is not None
            else current.shown_on_order_details
        ),
        last_modified_date=format_ecwid_time(now),
    )
