"""A :class:`CustomerQuery` as PostgreSQL SQL, with the semantics of ``sqlite/search.py``.

Names and emails are matched with ``LIKE '%term%'``, which the trigram GIN indexes
(``customers_name_text``, ``customers_email_text``, both led by ``store_id``) answer, so
substring search does not read every customer. The planner has the statistics to choose
between those, the ``(store_id, ...)`` btree indexes and the sort order's index by itself,
so unlike SQLite's plan this one needs no hints. Filters on other fields read ``doc``.
"""

# SQL is assembled from fixed fragments in code; every value is a bound parameter.
# ruff: noqa: S608

from __future__ import annotations

from dataclasses import dataclass, field

from ecwid_customers.domain.search import CustomerQuery

# As in SQLite: sorts over order history tie for everyone (no orders), and ties go by id.
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

# Every shipping address of the customer, as rows ``a(value)`` to match address filters on.
_ADDRESSES = "jsonb_array_elements(c.doc->'shippingAddresses') a(value)"


@dataclass
class Plan:
    """``SELECT ... FROM customers c WHERE {condition} ORDER BY {order}`` and its parameters
    (``$1`` is the store)."""

    clauses: list[str] = field(default_factory=list)
    params: list[object] = field(default_factory=list)
    order: str = ""

    @property
    def condition(self) -> str:
        return " AND ".join(self.clauses)

    def add(self, clause: str, *values: object) -> None:
        """Add ``clause`` whose ``{0}``, ``{1}``... stand for ``values`` (each bound once,
        however often the clause names it)."""
        marks = []
        for value in values:
            self.params.append(value)
            marks.append(f"${len(self.params)}")
        self.clauses.append(clause.format(*marks))


def like_substring(term: str) -> str:
    """A LIKE pattern (``ESCAPE '\\'``) matching values that contain ``term`` literally."""
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _text_filter(plan: Plan, columns: tuple[str, ...], term: str) -> None:
    """Rows where any of the columns (already lower-case) contains ``term``."""
    tests = " OR ".join(f"c.{column} LIKE {{0}} ESCAPE '\\'" for column in columns)
    plan.add(f"({tests})", like_substring(term))


def _order_by(query: CustomerQuery) -> str:
    name, _, direction = query.sort_by.rpartition("_")
    return _ORDER_BY[name].format(d=direction)


def plan(store_id: int, query: CustomerQuery) -> Plan:
    """The statement parts for ``query`` within one store."""
    plan = Plan()
    add = plan.add
    add("c.store_id = {0}", store_id)
    if not query.no_order_history_matches:
        add("false")
    if query.keyword is not None:
        _text_filter(plan, ("name_key", "email_key"), query.keyword)
    if query.name is not None:
        _text_filter(plan, ("name_key",), query.name)
    if query.email is not None:
        if query.exact_email:
            add("c.email_key = {0}", query.email)
        else:
            _text_filter(plan, ("email_key",), query.email)
    if query.group_ids is not None:
        add("c.group_id = ANY({0}::bigint[])", list(query.group_ids))
    for column, bound, operator in (
        ("registered_at", query.created_from, ">="),
        ("registered_at", query.created_to, "<="),
        ("updated_at", query.updated_from, ">="),
        ("updated_at", query.updated_to, "<="),
    ):
        if bound is not None:
            add(f"c.{column} {operator} {{0}}", bound)
    # Both sides go through PostgreSQL's lower(), so a stored value always matches itself.
    for key, wanted in query.exact_fields:
        add(f"lower(c.doc->>'{key}') = lower({{0}})", wanted)
    for key, flag in query.flag_fields:
        add(f"(c.doc->>'{key}')::boolean = {{0}}", flag)  # a missing value is NULL
    for key, term in query.address_substrings:
        add(
            f"EXISTS (SELECT 1 FROM {_ADDRESSES} "
            f"WHERE strpos(lower(a.value->>'{key}'), lower({{0}})) > 0)",
            term,
        )
    if query.state_or_province_code is not None:
        add(
            f"EXISTS (SELECT 1 FROM {_ADDRESSES} "
            "WHERE lower(a.value->>'stateOrProvinceCode') = lower({0}))",
            query.state_or_province_code,
        )
    if query.country_codes is not None:
        add(
            f"EXISTS (SELECT 1 FROM {_ADDRESSES} "
            "WHERE a.value->>'countryCode' = ANY({0}::text[]))",
            list(query.country_codes),
        )
    if query.phone is not None:
        # A phone anywhere: billing, any shipping address, any PHONE contact.
        add(
            "(strpos(lower(c.doc->'billingPerson'->>'phone'), lower({0})) > 0"
            f" OR EXISTS (SELECT 1 FROM {_ADDRESSES}"
            " WHERE strpos(lower(a.value->>'phone'), lower({0})) > 0)"
            " OR EXISTS (SELECT 1 FROM jsonb_array_elements(c.doc->'contacts') k(value)"
            " WHERE k.value->>'type' = 'PHONE'"
            " AND strpos(lower(k.value->>'contact'), lower({0})) > 0))",
            query.phone,
        )
    plan.order = _order_by(query)
    return plan
