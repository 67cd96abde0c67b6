"""A :class:`CustomerQuery` as SQLite SQL.

Names and emails are matched through the ``customer_text`` trigram index, so substring search
does not read every customer; dates, groups and sort orders use the ``(store_id, ...)`` indexes.
Filters on other fields narrow what those leave, reading the JSON document.
"""

from __future__ import annotations

from ecwid_customers.domain.search import CustomerQuery

# Sorts over order history: with no orders every customer ties, and ties go by id.
_ORDER_BY = {
    "NAME": "c.name_key {d}, c.id {d}",
    "EMAIL": "c.email_key {d}, c.id {d}",
    "REGISTERED_DATE": "c.registered_at {d}, c.id {d}",
    "UPDATED_DATE": "c.updated_at {d}, c.id {d}",
    "ORDER_COUNT": "c.id {d}",
    "SALES_VALUE": "c.id {d}",
    "FIRST_ORDER_DATE": "c.id {d}",
    "LAST_ORDER_DATE": "c.id {d}",
}

_GLOB_SPECIAL = frozenset("*?[]")

# Every shipping address, as rows of (value) to match address filters against.
_ADDRESSES = "json_each(c.doc, '$.shippingAddresses')"


def order_by(query: CustomerQuery) -> str:
    field, _, direction = query.sort_by.rpartition("_")
    return _ORDER_BY[field].format(d=direction)


def _text_match(column: str, term: str) -> tuple[str, list[object]]:
    """Rows whose ``column`` (already lower-case) contains ``term``."""
    if _GLOB_SPECIAL.isdisjoint(term):
        return (
            f"c.row_id IN (SELECT rowid FROM customer_text WHERE {column} GLOB ?)",
            [f"*{term}*"],
        )
    # Rare: terms with glob characters are matched literally, by reading the rows.
    return f"instr(c.{column}, ?) > 0", [term]


def where(store_id: int, query: CustomerQuery) -> tuple[str, list[object]]:
    """The WHERE clause (without the keyword) and its parameters."""
    clauses: list[str] = ["c.store_id = ?"]
    params: list[object] = [store_id]

    def add(clause: str, *values: object) -> None:
        clauses.append(clause)
        params.extend(values)

    if not query.no_order_history_matches:
        add("0")
    if query.keyword is not None:
        by_name, name_params = _text_match("name_key", query.keyword)
        by_email, email_params = _text_match("email_key", query.keyword)
        add(f"({by_name} OR {by_email})", *name_params, *email_params)
    if query.name is not None:
        clause, values = _text_match("name_key", query.name)
        add(clause, *values)
    if query.email is not None:
        if query.exact_email:
            add("c.email_key = ?", query.email)
        else:
            clause, values = _text_match("email_key", query.email)
            add(clause, *values)
    if query.group_ids is not None:
        add(f"c.group_id IN ({', '.join('?' * len(query.group_ids))})", *query.group_ids)
    for column, bound, operator in (
        ("registered_at", query.created_from, ">="),
        ("registered_at", query.created_to, "<="),
        ("updated_at", query.updated_from, ">="),
        ("updated_at", query.updated_to, "<="),
    ):
        if bound is not None:
            add(f"c.{column} {operator} ?", bound)
    for path, wanted in (
        ("$.lang", query.lang),
        ("$.b2b_b2c", query.b2b_b2c),
        ("$.fiscalCode", query.fiscal_code),
        ("$.electronicInvoicePecEmail", query.electronic_invoice_pec_email),
        ("$.electronicInvoiceSdiCode", query.electronic_invoice_sdi_code),
    ):
        if wanted is not None:
            add(f"lower(json_extract(c.doc, '{path}')) = ?", wanted)
    for path, flag in (
        ("$.acceptMarketing", query.accept_marketing),
        ("$.taxExempt", query.tax_exempt),
    ):
        if flag is not None:
            # Customers with no value at all match neither true nor false (Q34).
            add(f"json_extract(c.doc, '{path}') = ?", int(flag))
    for key, term in (
        ("city", query.city),
        ("postalCode", query.postal_code),
        ("companyName", query.company_name),
    ):
        if term is not None:
            add(
                f"EXISTS (SELECT 1 FROM {_ADDRESSES} a "
                f"WHERE instr(lower(json_extract(a.value, '$.{key}')), ?) > 0)",
                term,
            )
    if query.state_or_province_code is not None:
        add(
            f"EXISTS (SELECT 1 FROM {_ADDRESSES} a "
            "WHERE lower(json_extract(a.value, '$.stateOrProvinceCode')) = ?)",
            query.state_or_province_code,
        )
    if query.country_codes is not None:
        marks = ", ".join("?" * len(query.country_codes))
        add(
            f"EXISTS (SELECT 1 FROM {_ADDRESSES} a "
            f"WHERE json_extract(a.value, '$.countryCode') IN ({marks}))",
            *query.country_codes,
        )
    if query.phone is not None:
        # A phone anywhere: billing, any shipping address, any PHONE contact.
        add(
            "(instr(lower(json_extract(c.doc, '$.billingPerson.phone')), ?) > 0"
            f" OR EXISTS (SELECT 1 FROM {_ADDRESSES} a"
            " WHERE instr(lower(json_extract(a.value, '$.phone')), ?) > 0)"
            " OR EXISTS (SELECT 1 FROM json_each(c.doc, '$.contacts') k"
            " WHERE json_extract(k.value, '$.type') = 'PHONE'"
            " AND instr(lower(json_extract(k.value, '$.contact')), ?) > 0))",
            query.phone,
            query.phone,
            query.phone,
        )
    return " AND ".join(clauses), params
