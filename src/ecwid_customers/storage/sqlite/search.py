"""A :class:`CustomerQuery` as SQLite SQL.

Names and emails are matched through the ``customer_text`` trigram index, so substring search
does not read every customer: the matches drive the query (a CROSS JOIN fixes that order).
Dates, groups and sort orders use the ``(store_id, ...)`` indexes. Filters on other fields
narrow what those leave, reading the JSON document.
"""

from __future__ import annotations

from dataclasses import dataclass, field

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


@dataclass
class Plan:
    """``SELECT ... FROM {source} WHERE {condition} ORDER BY {order}`` and its parameters."""

    source: str = "customers c"
    source_params: list[object] = field(default_factory=list)
    clauses: list[str] = field(default_factory=list)
    params: list[object] = field(default_factory=list)
    order: str = ""
    # Whether a filter narrows the rows enough that it, not the sort order, should pick the
    # index: the planner cannot tell without statistics.
    selective: bool = False

    @property
    def condition(self) -> str:
        return " AND ".join(self.clauses)

    @property
    def all_params(self) -> list[object]:
        return [*self.source_params, *self.params]

    def add(self, clause: str, *values: object) -> None:
        self.clauses.append(clause)
        self.params.extend(values)


def _order_by(query: CustomerQuery, selective: bool) -> str:
    name, _, direction = query.sort_by.rpartition("_")
    terms = _ORDER_BY[name].format(d=direction).split(", ")
    # "+column" hides the sort index from the planner, so the filter's index is used instead.
    return ", ".join(f"+{term}" if selective else term for term in terms)


def _indexable(term: str) -> bool:
    """Whether the trigram index can answer for ``term``: three characters or more (shorter
    non-ASCII terms find nothing in SQLite 3.40's index) and no glob characters."""
    return len(term) >= 3 and _GLOB_SPECIAL.isdisjoint(term)


def _text_source(plan: Plan, columns_and_terms: list[tuple[str, str]]) -> None:
    """Let the trigram index's matches drive the query: any one of the pairs matching."""
    union = " UNION ".join(
        f"SELECT rowid AS row_id FROM customer_text WHERE {column} GLOB ?"
        for column, _ in columns_and_terms
    )
    plan.source = f"({union}) m CROSS JOIN customers c ON c.row_id = m.row_id"
    plan.source_params = [f"*{term}*" for _, term in columns_and_terms]
    plan.selective = True


def _text_filter(plan: Plan, columns_and_terms: list[tuple[str, str]]) -> None:
    """Rows where any of the columns (already lower-case) contains its term."""
    if plan.source == "customers c" and all(_indexable(term) for _, term in columns_and_terms):
        _text_source(plan, columns_and_terms)
        return
    # A second text filter, a short term, or one with glob characters (matched literally):
    # checked on the rows the other filters leave.
    tests = " OR ".join(f"instr(c.{column}, ?) > 0" for column, _ in columns_and_terms)
    plan.add(f"({tests})", *(term for _, term in columns_and_terms))


def plan(store_id: int, query: CustomerQuery) -> Plan:
    """The statement parts for ``query`` within one store."""
    plan = Plan()
    add = plan.add
    add("c.store_id = ?", store_id)
    if not query.no_order_history_matches:
        add("0")
    if query.keyword is not None:
        _text_filter(plan, [("name_key", query.keyword), ("email_key", query.keyword)])
    if query.name is not None:
        _text_filter(plan, [("name_key", query.name)])
    if query.email is not None:
        if query.exact_email:
            add("c.email_key = ?", query.email)
            plan.selective = True
        else:
            _text_filter(plan, [("email_key", query.email)])
    if query.group_ids is not None:
        plan.selective = True
        add(f"c.group_id IN ({', '.join('?' * len(query.group_ids))})", *query.group_ids)
    date_sort = query.sort_by.startswith(("REGISTERED", "UPDATED"))
    for column, bound, operator in (
        ("registered_at", query.created_from, ">="),
        ("registered_at", query.created_to, "<="),
        ("updated_at", query.updated_from, ">="),
        ("updated_at", query.updated_to, "<="),
    ):
        if bound is not None:
            add(f"c.{column} {operator} ?", bound)
            plan.selective = plan.selective or not date_sort
    for key, wanted in query.exact_fields:
        add(f"py_lower(json_extract(c.doc, '$.{key}')) = py_lower(?)", wanted)
    for key, flag in query.flag_fields:
        add(f"json_extract(c.doc, '$.{key}') = ?", int(flag))  # a missing value is NULL
    for key, term in query.address_substrings:
        add(
            f"EXISTS (SELECT 1 FROM {_ADDRESSES} a "
            f"WHERE instr(py_lower(json_extract(a.value, '$.{key}')), py_lower(?)) > 0)",
            term,
        )
    if query.state_or_province_code is not None:
        add(
            f"EXISTS (SELECT 1 FROM {_ADDRESSES} a "
            "WHERE py_lower(json_extract(a.value, '$.stateOrProvinceCode')) = py_lower(?))",
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
            "(instr(py_lower(json_extract(c.doc, '$.billingPerson.phone')), py_lower(?)) > 0"
            f" OR EXISTS (SELECT 1 FROM {_ADDRESSES} a"
            " WHERE instr(py_lower(json_extract(a.value, '$.phone')), py_lower(?)) > 0)"
            " OR EXISTS (SELECT 1 FROM json_each(c.doc, '$.contacts') k"
            " WHERE json_extract(k.value, '$.type') = 'PHONE'"
            " AND instr(py_lower(json_extract(k.value, '$.contact')), py_lower(?)) > 0))",
            query.phone,
            query.phone,
            query.phone,
        )
    plan.order = _order_by(query, plan.selective)
    return plan
