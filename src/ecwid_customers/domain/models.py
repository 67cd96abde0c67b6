"""The customer as Ecwid models it.

These structs use Ecwid's own vocabulary and field order (spec section 5), because the customer
object *is* the domain here: a field that is ``None`` is one Ecwid omits, a field without a
default is one Ecwid always returns (``taxId: ""``, ``favorites: []``). Storage keeps its own
rows and indexes beside this document; the HTTP layer renders it.
"""

from __future__ import annotations

from typing import Literal

import msgspec

ContactType = Literal[
    "EMAIL",
    "PHONE",
    "FACEBOOK",
    "INSTAGRAM",
    "TWITTER",
    "YOUTUBE",
    "TIKTOK",
    "PINTEREST",
    "VK",
    "FB_MESSENGER",
    "WHATSAPP",
    "TELEGRAM",
    "VIBER",
    "URL",
    "OTHER",
]

B2bB2c = Literal["b2b", "b2c"]

GENERAL_GROUP_ID = 0
GENERAL_GROUP_NAME = "General"


class _Model(msgspec.Struct, rename="camel", omit_defaults=True, kw_only=True):
    """Base: camelCase on the wire, ``None`` fields left out (subclasses repeat ``kw_only``)."""


class BillingPerson(_Model, kw_only=True):
    name: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    company_name: str | None = None
    street: str | None = None
    city: str | None = None
    country_code: str | None = None
    country_name: str | None = None
    postal_code: str | None = None
    state_or_province_code: str | None = None
    state_or_province_name: str | None = None
    phone: str | None = None


class ShippingAddress(_Model, kw_only=True):
    id: int
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
    note: str | None = None
    address_formatted: str
    created_date: str
    default_address: bool
    order_by: int


class Contact(_Model, kw_only=True):
    id: int
    contact: str
    handle: str | None = None
    note: str | None = None
    type: ContactType
    default: bool
    order_by: int
    timestamp: str


class ExtraFieldValue(_Model, kw_only=True):
    key: str
    title: str | None = None
    value: str | None = None
    order_by: int
    type: str | None = None
    entity_types: list[str]


class Stats(_Model, kw_only=True):
    # No defaults: all-zero stats are still returned in full.
    number_of_orders: int
    sales_value: int | float
    average_order_value: int | float
    first_order_date: str | None = None
    last_order_date: str | None = None


class Favorite(_Model, kw_only=True):
    product_id: int
    added_timestamp: str


class Customer(_Model, kw_only=True):
    """A stored customer. ``customer_group_name`` is filled when read, never stored."""

    id: int
    name: str | None = None
    email: str
    registered: str
    updated: str
    total_order_count: int | None = None
    customer_group_id: int
    customer_group_name: str | None = None
    billing_person: BillingPerson | None = None
    shipping_addresses: list[ShippingAddress]
    contacts: list[Contact]
    tax_exempt: bool
    tax_id: str
    tax_id_valid: bool
    b2b_b2c: B2bB2c = msgspec.field(name="b2b_b2c")
    fiscal_code: str
    electronic_invoice_pec_email: str
    electronic_invoice_sdi_code: str
    accept_marketing: bool | None = None
    lang: str | None = None
    stats: Stats
    private_admin_notes: str
    favorites: list[Favorite]
    extrafields: list[ExtraFieldValue] | None = None


class CustomerDraft(msgspec.Struct, kw_only=True, frozen=True):
    """A validated customer (new or changed) that storage has yet to number and save.

    New contacts and shipping addresses carry id 0 until
    :func:`ecwid_customers.domain.create.assign_ids` gives them theirs. ``password_hash`` is
    ``None`` when there is no (new) password to keep.
    """

    customer: Customer
    email_key: str
    name_key: str
    password_hash: str | None = None


class Store(msgspec.Struct, kw_only=True, frozen=True):
    id: int
    languages: tuple[str, ...]
    legacy_sign_in: bool = False
    # Ecwid plans without customer groups answer 402 on the group endpoints (spec Q28).
    customer_groups_enabled: bool = True
    # A suspended store answers 402 to every call (spec 2.4).
    suspended: bool = False
    # Requests per minute per token before 429; None follows the server, 0 turns it off.
    rate_limit: int | None = None


class CustomerGroup(_Model, kw_only=True):
    id: int
    name: str
    external_reference_id: str | None = None


GENERAL_GROUP = CustomerGroup(id=GENERAL_GROUP_ID, name=GENERAL_GROUP_NAME)


class ExtraFieldDefinition(_Model, kw_only=True):
    key: str
    title: str | None = None
    type: str
    shown_on_order_details: bool
    entity_types: list[str]
    linked_with_checkout_field: bool
    created_date: str
    last_modified_date: str


class DeletedCustomer(_Model, kw_only=True):
    id: int
    date: str


class TokenGrant(msgspec.Struct, kw_only=True, frozen=True):
    """What a presented token may do: the result of authentication."""

    store: Store
    kind: Literal["secret", "public"]
    scopes: frozenset[str]
