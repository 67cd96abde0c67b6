"""Ecwid access scopes that concern customers (spec section 2.3)."""

from __future__ import annotations

READ_CUSTOMERS = "read_customers"
CREATE_CUSTOMERS = "create_customers"
UPDATE_CUSTOMERS = "update_customers"
READ_CUSTOMERS_EXTRAFIELDS = "read_customers_extrafields"
UPDATE_CUSTOMERS_EXTRAFIELDS = "update_customers_extrafields"
DELETE_CUSTOMERS_EXTRAFIELDS = "delete_customers_extrafields"
READ_STORE_PROFILE = "read_store_profile"

# Every scope a token may carry here, in the order Ecwid's docs list them.
CUSTOMER_SCOPES: tuple[str, ...] = (
    READ_CUSTOMERS,
    CREATE_CUSTOMERS,
    UPDATE_CUSTOMERS,
    READ_CUSTOMERS_EXTRAFIELDS,
    UPDATE_CUSTOMERS_EXTRAFIELDS,
    DELETE_CUSTOMERS_EXTRAFIELDS,
    READ_STORE_PROFILE,
)


def parse_scopes(text: str) -> tuple[str, ...]:
    """Parse a comma-separated scope list, rejecting names Ecwid does not define for customers."""
    scopes = tuple(dict.fromkeys(part.strip() for part in text.split(",") if part.strip()))
    unknown = [scope for scope in scopes if scope not in CUSTOMER_SCOPES]
    if unknown:
        raise ValueError(
            f"unknown scope(s): {', '.join(unknown)}; known: {', '.join(CUSTOMER_SCOPES)}"
        )
    if not scopes:
        raise ValueError("at least one scope is required")
    return scopes
