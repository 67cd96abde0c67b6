"""What a client may send in a customer body (spec sections 4.3 and 5).

Only writable keys are declared: unknown and read-only keys (``id``, ``name``, ``registered``,
``customerGroupName``, ``stats``...) are ignored, as Ecwid's own examples rely on (spec Q8).
Every field is optional and ``null`` means "not sent" (spec Q24); required-ness is checked by
the rules in :mod:`ecwid_customers.domain.create`, which also word the errors. Types are strict:
``"taxExempt": "yes"`` is a ``WRONG_PARAMETER``, not a truthy string.
"""

from __future__ import annotations

from typing import Annotated

import msgspec

from ecwid_customers.domain import limits
from ecwid_customers.domain.ids import MAX_LONG_ID
from ecwid_customers.domain.models import B2bB2c, ContactType

Int64 = Annotated[int, msgspec.Meta(ge=0, le=MAX_LONG_ID)]
SmallInt = Annotated[int, msgspec.Meta(ge=-(2**31), le=2**31 - 1)]
# Text bounded at decode time (domain/limits.py): a longer value is a 400 naming its field.
Short = Annotated[str, msgspec.Meta(max_length=limits.SHORT_TEXT)]
Long = Annotated[str, msgspec.Meta(max_length=limits.LONG_TEXT)]
Notes = Annotated[str, msgspec.Meta(max_length=limits.NOTES_TEXT)]


class _Input(msgspec.Struct, rename="camel", kw_only=True):
    """Base: camelCase keys, unknown keys ignored."""


class BillingPersonInput(_Input, kw_only=True):
    name: Short | None = None
    company_name: Short | None = None
    street: Long | None = None
    city: Short | None = None
    country_code: Short | None = None
    country_name: Short | None = None
    postal_code: Short | None = None
    state_or_province_code: Short | None = None
    state_or_province_name: Short | None = None
    phone: Short | None = None


class ShippingAddressInput(BillingPersonInput, kw_only=True):
    id: Int64 | None = None
    note: Long | None = None
    default_address: bool | None = None
    order_by: SmallInt | None = None


class ContactInput(_Input, kw_only=True):
    id: Int64 | None = None
    contact: Long | None = None
    handle: Short | None = None
    note: Long | None = None
    type: ContactType | None = None
    default: bool | None = None
    order_by: SmallInt | None = None


class ExtraFieldInput(_Input, kw_only=True):
    key: Short | None = None
    title: Short | None = None
    value: Long | None = None
    type: Short | None = None


class CustomerInput(_Input, kw_only=True):
    email: str | None = None  # its own length rule: domain/create.py
    # Ecwid answers a derived top-level name; clients that send their model back send it too.
    # It fills billingPerson.name when that is not sent (see with_top_level_name).
    name: Short | None = None
    password: Long | None = None
    billing_person: BillingPersonInput | None = None
    shipping_addresses: (
        Annotated[
            list[ShippingAddressInput], msgspec.Meta(max_length=limits.MAX_SHIPPING_ADDRESSES)
        ]
        | None
    ) = None
    contacts: Annotated[list[ContactInput], msgspec.Meta(max_length=limits.MAX_CONTACTS)] | None = (
        None
    )
    # Any non-negative id is a lookup: one that does not exist is a 404, not a 400 (Q7).
    customer_group_id: Int64 | None = None
    b2b_b2c: B2bB2c | None = msgspec.field(default=None, name="b2b_b2c")
    tax_id: Short | None = None
    tax_id_valid: bool | None = None
    tax_exempt: bool | None = None
    accept_marketing: bool | None = None
    lang: Short | None = None
    private_admin_notes: Notes | None = None
    fiscal_code: Short | None = None
    electronic_invoice_pec_email: Short | None = None
    electronic_invoice_sdi_code: Short | None = None
    extrafields: (
        Annotated[list[ExtraFieldInput], msgspec.Meta(max_length=limits.MAX_EXTRA_FIELDS)] | None
    ) = None
    primary_phone: Short | None = None


class CustomerGroupInput(_Input, kw_only=True):
    name: Short | None = None
    external_reference_id: Short | None = None


class ExtraFieldDefinitionInput(_Input, kw_only=True):
    title: Short | None = None
    type: Short | None = None
    shown_on_order_details: bool | None = None


class CustomerListSizes(_Input, kw_only=True):
    """A customer body's lists with their items left undecoded (``msgspec.Raw``): decoding
    this is a fast scan, so a body of 300,000 tiny items is refused for its size before its
    items are turned into objects (which costs about a microsecond each)."""

    shipping_addresses: (
        Annotated[list[msgspec.Raw], msgspec.Meta(max_length=limits.MAX_SHIPPING_ADDRESSES)] | None
    ) = None
    contacts: Annotated[list[msgspec.Raw], msgspec.Meta(max_length=limits.MAX_CONTACTS)] | None = (
        None
    )
    extrafields: (
        Annotated[list[msgspec.Raw], msgspec.Meta(max_length=limits.MAX_EXTRA_FIELDS)] | None
    ) = None


def with_top_level_name(sent: CustomerInput) -> CustomerInput:
    """``sent`` with its top-level ``name`` moved into ``billingPerson.name`` when the billing
    person sent has no name of its own (spec Q8): a client whose model has the ``name`` Ecwid
    answers gets the customer it meant, not one without a name."""
    if sent.name is None or not sent.name.strip():
        return sent
    billing = sent.billing_person or BillingPersonInput()
    if billing.name is not None and billing.name.strip():
        return sent
    named = msgspec.structs.replace(billing, name=sent.name)
    return msgspec.structs.replace(sent, billing_person=named)
