"""Create customer (spec 4.3): the rules that turn a request body into a customer to store."""

from __future__ import annotations

import itertools
from collections.abc import Mapping

import msgspec

from ecwid_customers import errors
from ecwid_customers.domain.addresses import build_billing_person, build_shipping_addresses
from ecwid_customers.domain.clock import format_ecwid_time
from ecwid_customers.domain.contacts import build_contacts
from ecwid_customers.domain.folding import fold
from ecwid_customers.domain.inputs import CustomerInput, ExtraFieldInput, with_top_level_name
from ecwid_customers.domain.models import (
    GENERAL_GROUP_ID,
    Customer,
    CustomerDraft,
    ExtraFieldDefinition,
    ExtraFieldValue,
    Stats,
    Store,
)

MAX_EMAIL_LENGTH = 254


def email_key(email: str) -> str:
    """The form in which emails are compared for uniqueness: trimmed, folded (Q6, and
    ``domain/folding.py``)."""
    return fold(email.strip())


def checked_email(email: str | None) -> str:
    email = (email or "").strip()
    if not email:
        raise errors.field_absent("Customer.email")
    # Deliberately lenient (Q21): only reject what cannot be an address at all, or what is
    # longer than any address can be (RFC 5321 allows 254 characters).
    if "@" not in email:
        raise errors.wrong_parameter("email", "not an email address")
    if len(email) > MAX_EMAIL_LENGTH:
        raise errors.wrong_parameter("email", f"longer than {MAX_EMAIL_LENGTH} characters")
    return email


def checked_lang(lang: str | None, store: Store) -> str | None:
    if lang is not None and lang not in store.languages:
        raise errors.languages_not_allowed()
    return lang


Definitions = Mapping[str, ExtraFieldDefinition]


def extrafield_values(
    sent: list[ExtraFieldInput] | None, definitions: Definitions
) -> list[ExtraFieldValue] | None:
    """Extra-field values as stored on a customer (spec 5.7); ``None`` when there are none.

    A value whose key has a definition in the store takes its title and type from it unless
    the client sent them; other values are kept as sent.
    """
    if not sent:
        return None
    values = []
    for index, item in enumerate(sent):
        if not item.key:
            raise errors.field_absent(f"Customer.extrafields[{index}].key")
        definition = definitions.get(item.key)
        values.append(
            ExtraFieldValue(
                key=item.key,
                title=item.title if item.title is not None or not definition else definition.title,
                value=item.value,
                order_by=index,
                type=item.type if item.type is not None or not definition else definition.type,
                entity_types=["CUSTOMERS"],
            )
        )
    return values


def password_to_keep(sent: CustomerInput, store: Store) -> str | None:
    """The password to hash and keep: only stores on the legacy sign-in keep one (Q20)."""
    return sent.password if store.legacy_sign_in and sent.password else None


def build_new_customer(
    sent: CustomerInput, *, store: Store, now: int, definitions: Definitions | None = None
) -> CustomerDraft:
    """Validate ``sent`` and derive every server-side field; ids are assigned by storage.

    Raises :class:`~ecwid_customers.errors.EcwidError` for anything Ecwid would refuse. Whether
    ``customerGroupId`` names an existing group is checked by storage, in the same transaction
    that saves the customer.
    """
    sent = with_top_level_name(sent)
    email = checked_email(sent.email)
    lang = checked_lang(sent.lang, store)
    timestamp = format_ecwid_time(now)
    billing = build_billing_person(sent.billing_person)
    customer = Customer(
        id=0,
        name=billing.name if billing else None,
        email=email,
        registered=timestamp,
        updated=timestamp,
        customer_group_id=(
            sent.customer_group_id if sent.customer_group_id is not None else GENERAL_GROUP_ID
        ),
        billing_person=billing,
        shipping_addresses=build_shipping_addresses(
            sent.shipping_addresses, created_date=timestamp
        ),
        contacts=build_contacts(
            sent.contacts,
            email=email,
            primary_phone=sent.primary_phone,
            billing_phone=billing.phone if billing else None,
            timestamp=timestamp,
        ),
        tax_exempt=bool(sent.tax_exempt),
        tax_id=sent.tax_id or "",
        # Ecwid's examples show ``true`` for customers that never sent a tax id.
        tax_id_valid=sent.tax_id_valid if sent.tax_id_valid is not None else True,
        b2b_b2c=sent.b2b_b2c or "b2c",
        fiscal_code=sent.fiscal_code or "",
        electronic_invoice_pec_email=sent.electronic_invoice_pec_email or "",
        electronic_invoice_sdi_code=sent.electronic_invoice_sdi_code or "",
        accept_marketing=sent.accept_marketing,
        lang=lang,
        stats=Stats(number_of_orders=0, sales_value=0, average_order_value=0),
        private_admin_notes=sent.private_admin_notes or "",
        favorites=[],
        extrafields=extrafield_values(sent.extrafields, definitions or {}),
    )
    return draft(customer)


def draft(customer: Customer, password_hash: str | None = None) -> CustomerDraft:
    """The customer with the keys storage indexes it by."""
    return CustomerDraft(
        customer=customer,
        email_key=email_key(customer.email),
        name_key=fold(customer.name or ""),
        password_hash=password_hash,
    )


def new_ids_needed(customer: Customer) -> tuple[int, int]:
    """How many contact ids and shipping address ids the customer still needs."""
    contacts = sum(1 for contact in customer.contacts if contact.id == 0)
    addresses = sum(1 for address in customer.shipping_addresses if address.id == 0)
    return contacts, addresses


def assign_ids(
    customer: Customer, *, customer_id: int, first_contact_id: int, first_address_id: int
) -> Customer:
    """Number the customer and its new (id 0) sub-records from the blocks storage reserved."""
    contact_ids = itertools.count(first_contact_id)
    address_ids = itertools.count(first_address_id)
    return msgspec.structs.replace(
        customer,
        id=customer_id,
        contacts=[
            contact if contact.id else msgspec.structs.replace(contact, id=next(contact_ids))
            for contact in customer.contacts
        ],
        shipping_addresses=[
            address if address.id else msgspec.structs.replace(address, id=next(address_ids))
            for address in customer.shipping_addresses
        ],
    )
