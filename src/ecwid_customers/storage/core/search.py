"""A :class:`CustomerQuery` as SQL, built once for both engines from the dialect's fragments.

Names and emails are matched the way each engine's text index answers (the dialect's
``match_text``: SQLite's FTS5 trigram table, PostgreSQL's trigram GIN indexes), so substring
search does not read every customer. Dates, groups, the order-history stand-in's columns
(``domain/orders.py``) and sort orders use the ``(store_id, ...)`` b-tree indexes;
``purchasedProductIds`` the purchases table's key. Filters on other fields narrow what those
leave, reading the JSON document.
"""

from __future__ import annotations

from ecwid_customers.domain.search import CustomerQuery
from ecwid_customers.storage.core.session import Dialect
from ecwid_customers.storage.core.sql import SearchSql

# Sort orders by their column; ties go by id, in the same direction.
_SORT_COLUMNS = {
    "NAME": "c.name_key",
    "EMAIL": "c.email_key",
    "REGISTERED_DATE": "c.registered_at",
    "UPDATED_DATE": "c.updated_at",
    "ORDER_COUNT": "c.order_count",
    "SALES_VALUE": "c.sales_value",
    "FIRST_ORDER_DATE": "c.first_order_at",
    "LAST_ORDER_DATE": "c.last_order_at",
}
# Columns that are NULL for a customer without orders: they sort as the earliest dates, on
# both engines (SQLite's order for NULL; the PostgreSQL indexes are NULLS FIRST).
_NULLS_FIRST = {"ASC": "ASC NULLS FIRST", "DESC": "DESC NULLS LAST"}
_NULLABLE = frozenset({"c.first_order_at", "c.last_order_at"})

_ADDRESSES = "shippingAddresses"


def _field(d: Dialect, alias: str, key: str) -> str:
    """The value at ``key`` of an element of ``d.elements(..., alias)``."""
    return d.json_text(f"{alias}.value", key)


def _any_address(d: Dialect, test: str) -> str:
    """True where some shipping address passes ``test`` (written over the alias ``a``)."""
    return f"EXISTS (SELECT 1 FROM {d.elements(_ADDRESSES, 'a')} WHERE {test})"


def _text_filters(d: Dialect, sql: SearchSql, query: CustomerQuery) -> None:
    if query.keyword is not None:
        d.match_text(sql, ("name_key", "email_key"), query.keyword)
    if query.name is not None:
        d.match_text(sql, ("name_key",), query.name)
    if query.email is not None:
        if query.exact_email:
            sql.add("c.email_key = ?", query.email)
            sql.selective = True
        else:
            d.match_text(sql, ("email_key",), query.email)


def _document_filters(d: Dialect, sql: SearchSql, query: CustomerQuery) -> None:
    # Both sides are folded by the engine, so a stored value always matches itself.
    for key, wanted in query.exact_fields:
        sql.add(f"{d.fold(d.json_text('c.doc', key))} = {d.fold('?')}", wanted)
    for key, flag in query.flag_fields:
        # A missing value matches neither true nor false.
        sql.add(f"{d.boolean(d.json_text('c.doc', key))} = ?", flag)
    for key, term in query.address_substrings:
        value = d.fold(_field(d, "a", key))
        sql.add(_any_address(d, d.contains(value, d.fold("?"))), term)
    if query.state_or_province_code is not None:
        state = d.fold(_field(d, "a", "stateOrProvinceCode"))
        sql.add(_any_address(d, f"{state} = {d.fold('?')}"), query.state_or_province_code)
    if query.country_codes is not None:
        marks = ", ".join("?" * len(query.country_codes))
        country = _field(d, "a", "countryCode")
        sql.add(_any_address(d, f"{country} IN ({marks})"), *query.country_codes)
    if query.phone is not None:
        # A phone anywhere: billing, any shipping address, any PHONE contact.
        needle = d.fold("?")
        billing = d.contains(d.fold(d.json_text("c.doc", "billingPerson.phone")), needle)
        shipping = _any_address(d, d.contains(d.fold(_field(d, "a", "phone")), needle))
        contact = d.contains(d.fold(_field(d, "k", "contact")), needle)
        contacts = (
            f"EXISTS (SELECT 1 FROM {d.elements('contacts', 'k')} "
            f"WHERE {_field(d, 'k', 'type')} = 'PHONE' AND {contact})"
        )
        sql.add(f"({billing} OR {shipping} OR {contacts})", *[query.phone] * 3)


def _order_filters(sql: SearchSql, store_id: int, query: CustomerQuery) -> None:
    for column, operator, bound in query.order_bounds:
        sql.add(f"c.{column} {operator} ?", bound)
        # Most customers of a store have no orders: a lower bound above 0 leaves few.
        if operator == ">=" and bound > 0 and not query.sort_by.startswith(_ORDER_SORTS):
            sql.selective = True
    if query.purchased_product_ids is not None:
        ids = query.purchased_product_ids
        sql.add(
            "c.id IN (SELECT p.customer_id FROM customer_purchases p WHERE p.store_id = ? "
            f"AND p.product_id IN ({', '.join('?' * len(ids))}))",
            store_id,
            *ids,
        )
        sql.selective = True


_ORDER_SORTS = ("ORDER_COUNT", "SALES_VALUE")


def search_sql(store_id: int, query: CustomerQuery, dialect: Dialect) -> SearchSql:
    """The statement parts for ``query`` within one store."""
    sql = SearchSql()
    sql.add("c.store_id = ?", store_id)
    _order_filters(sql, store_id, query)
    _text_filters(dialect, sql, query)
    if query.group_ids is not None:
        sql.add(f"c.group_id IN ({', '.join('?' * len(query.group_ids))})", *query.group_ids)
        sql.selective = True
    date_sort = query.sort_by.startswith(("REGISTERED", "UPDATED"))
    for column, bound, operator in (
        ("registered_at", query.created_from, ">="),
        ("registered_at", query.created_to, "<="),
        ("updated_at", query.updated_from, ">="),
        ("updated_at", query.updated_to, "<="),
    ):
        if bound is not None:
            sql.add(f"c.{column} {operator} ?", bound)
            sql.selective = sql.selective or not date_sort
    _document_filters(dialect, sql, query)
    name, _, direction = query.sort_by.rpartition("_")
    sorted_by = _SORT_COLUMNS.get(name)
    terms = []
    if sorted_by is not None:
        terms.append((sorted_by, _NULLS_FIRST[direction] if sorted_by in _NULLABLE else direction))
    sql.sort_terms = [*terms, ("c.id", direction)]
    sql.order = dialect.order_by(sql.sort_terms, sql)
    return sql
