"""Update customer (spec 4.4): a PUT body laid over the stored customer.

Top-level keys that are left out keep their values; ``billingPerson`` is merged field by field
(Q9); ``shippingAddresses`` is the new address book, updated in place by ``id``; ``contacts``
replaces the list but for the customer's own EMAIL contact; a new ``email`` stays unique
(storage) and takes its EMAIL contact along.
Derived fields are computed again.
"""

from __future__ import annotations

import msgspec

from ecwid_customers.domain.addresses import (
    build_billing_person,
    build_shipping_addresses,
    merged,
)
from ecwid_customers.domain.clock import format_ecwid_time
from ecwid_customers.domain.contacts import follow_email, replace_contacts
from ecwid_customers.domain.create import (
    Definitions,
    checked_email,
    checked_lang,
    extrafield_values,
)
from ecwid_customers.domain.inputs import CustomerInput, with_top_level_name
from ecwid_customers.domain.models import Customer, Store


def _pick(sent: object, current: object) -> object:
    return current if sent is None else sent


def apply_update(
    current: Customer,
    sent: CustomerInput,
    *,
    store: Store,
    now: int,
    definitions: Definitions | None = None,
    replace_billing_person: bool = False,
) -> Customer:
    """The customer after the PUT; new contacts and addresses carry id 0 placeholders.
    ``replace_billing_person``: a ``billingPerson`` sent replaces the stored one whole (Q9)."""
    sent = with_top_level_name(sent)
    timestamp = format_ecwid_time(now)
    email = current.email if sent.email is None else checked_email(sent.email)
    billing = current.billing_person
    if sent.billing_person is not None:
        base = None if replace_billing_person else current.billing_person
        billing = build_billing_person(merged(base, sent.billing_person))
    addresses = current.shipping_addresses
    if sent.shipping_addresses is not None:
        addresses = build_shipping_addresses(
            sent.shipping_addresses, created_date=timestamp, existing=current.shipping_addresses
        )
    if sent.contacts is not None:
        contacts = replace_contacts(
            sent.contacts,
            existing=current.contacts,
            old_email=current.email,
            new_email=email,
            primary_phone=sent.primary_phone,
            timestamp=timestamp,
        )
    else:
        contacts = follow_email(
            current.contacts,
            old_email=current.email,
            new_email=email,
            primary_phone=sent.primary_phone,
            timestamp=timestamp,
        )
    extrafields = current.extrafields
    if sent.extrafields is not None:
        extrafields = extrafield_values(sent.extrafields, definitions or {})
    return msgspec.structs.replace(
        current,
        name=billing.name if billing else None,
        email=email,
        updated=timestamp,
        customer_group_id=_pick(sent.customer_group_id, current.customer_group_id),
        billing_person=billing,
        shipping_addresses=addresses,
        contacts=contacts,
        tax_exempt=_pick(sent.tax_exempt, current.tax_exempt),
        tax_id=_pick(sent.tax_id, current.tax_id),
        tax_id_valid=_pick(sent.tax_id_valid, current.tax_id_valid),
        b2b_b2c=_pick(sent.b2b_b2c, current.b2b_b2c),
        fiscal_code=_pick(sent.fiscal_code, current.fiscal_code),
        electronic_invoice_pec_email=_pick(
            sent.electronic_invoice_pec_email, current.electronic_invoice_pec_email
        ),
        electronic_invoice_sdi_code=_pick(
            sent.electronic_invoice_sdi_code, current.electronic_invoice_sdi_code
        ),
        accept_marketing=_pick(sent.accept_marketing, current.accept_marketing),
        lang=current.lang if sent.lang is None else checked_lang(sent.lang, store),
        private_admin_notes=_pick(sent.private_admin_notes, current.private_admin_notes),
        extrafields=extrafields,
    )
