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

from ecwid_customers.domain.ids import MAX_LONG_ID
from ecwid_customers.domain.models import B2bB2c, ContactType

Int64 = Annotated[int, msgspec.Meta(ge=0, le=MAX_LONG_ID)]
SmallInt = Annotated[int, msgspec.Meta(ge=-(2**31), le=2**31 - 1)]


class _Input(msgspec.Struct, rename="camel", kw_only=True):
    """Base: camelCase keys, unknown keys ignored."""


class BillingPersonInput(_Input, kw_only=True):
    name: str | None = None
    company_name: str | None = None
    street: str | None = None
    city: str | None = None
    country_code: str | None = None
    country_name: str | None = None
    postal_code: str | None = None
    state_or_province_code: str | None = None
    state_or_province_name: str | None = None
    phone: str | None = None


class ShippingAddressInput(BillingPersonInput, kw_only=True):
    id: Int64 | None = None
    note: str | None = None
    default_address: bool | None = None
    order_by: SmallInt | None = None


class ContactInput(_Input, kw_only=True):
    id: Int64 | None = None
    contact: str | None = None
    handle: str | None = None
    note: str | None = None
    type: ContactType | None = None
    default: bool | None = None
    order_by: SmallInt | None = None


class ExtraFieldInput(_Input, kw_only=True):
    key: str | None = None
    title: str | None = None
    value: str | None = None
    type: str | None = None


class CustomerInput(_Input, kw_only=True):
    email: str | None = None
    password: str | None = None
    billing_person: BillingPersonInput | None = None
    shipping_addresses: list[ShippingAddressInput] | None = None
    contacts: list[ContactInput] | None = None
    # Any non-negative id is a lookup: one that does not exist is a 404, not a 400 (Q7).
    customer_group_id: Int64 | None = None
    b2b_b2c: B2bB2c | None = msgspec.field(default=None, name="b2b_b2c")
    tax_id: str | None = None
    tax_id_valid: bool | None = None
    tax_exempt: bool | None = None
    accept_marketing: bool | None = None
    lang: str | None = None
    private_admin_notes: str | None = None
    fiscal_code: str | None = None
    electronic_invoice_pec_email: str | None = None
    electronic_invoice_sdi_code: str | None = None
    extrafields: list[ExtraFieldInput] | None = None
    primary_phone: str | None = None


class CustomerGroupInput(_Input, kw_only=True):
    name: str | None = None
    external_reference_id: str | None = None


class ExtraFieldDefinitionInput(_Input, kw_only=True):
    title: str | None = None
    type: str | None = None
    shown_on_order_details: bool | None = None
