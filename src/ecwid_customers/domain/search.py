"""Search customers (spec 4.1): query parameters, their checks, and paging (Q13, Q33, Q34).

The query is parsed here into a :class:`CustomerQuery`; each storage backend turns it into its
own SQL. Unknown parameters are ignored, as real clients send extras (``token``...).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal, get_args

import msgspec

from ecwid_customers import errors
from ecwid_customers.domain.clock import parse_ecwid_time
from ecwid_customers.domain.folding import fold

SortBy = Literal[
    "NAME_ASC",
    "NAME_DESC",
    "EMAIL_ASC",
    "EMAIL_DESC",
    "ORDER_COUNT_ASC",
    "ORDER_COUNT_DESC",
    "REGISTERED_DATE_DESC",
    "REGISTERED_DATE_ASC",
    "UPDATED_DATE_DESC",
    "UPDATED_DATE_ASC",
    "SALES_VALUE_ASC",
    "SALES_VALUE_DESC",
    "FIRST_ORDER_DATE_ASC",
    "FIRST_ORDER_DATE_DESC",
    "LAST_ORDER_DATE_ASC",
    "LAST_ORDER_DATE_DESC",
]
SORT_VALUES: tuple[str, ...] = get_args(SortBy)

MAX_LIMIT = 100

_TRUE = frozenset({"true", "yes", "on", "1"})
_FALSE = frozenset({"false", "no", "off", "0"})

Param = Callable[[str], "str | None"]


class Page(msgspec.Struct, frozen=True, kw_only=True):
    offset: int
    limit: int


class CustomerQuery(msgspec.Struct, frozen=True, kw_only=True):
    """Name, email and keyword filters are lower-cased (the stored keys are); the other text
    filters keep their case, for the engine to fold. ``None`` means "any"."""

    keyword: str | None = None
    name: str | None = None
    email: str | None = None
    exact_email: bool = False
    phone: str | None = None
    city: str | None = None
    postal_code: str | None = None
    state_or_province_code: str | None = None
    company_name: str | None = None
    country_codes: tuple[str, ...] | None = None
    accept_marketing: bool | None = None
    lang: str | None = None
    group_ids: tuple[int, ...] | None = None
    # Filters over the order-history stand-in (domain/orders.py); bounds are inclusive.
    min_order_count: int | None = None
    max_order_count: int | None = None
    min_sales_value: float | None = None
    max_sales_value: float | None = None
    # Customers who bought any one of these products.
    purchased_product_ids: tuple[int, ...] | None = None
    b2b_b2c: str | None = None
    tax_exempt: bool | None = None
    fiscal_code: str | None = None
    electronic_invoice_pec_email: str | None = None
    electronic_invoice_sdi_code: str | None = None
    created_from: int | None = None
    created_to: int | None = None
    updated_from: int | None = None
    updated_to: int | None = None
    sort_by: SortBy = "NAME_ASC"
    page: Page = Page(offset=0, limit=MAX_LIMIT)

    # Filters on values of the customer document, named by their key there; each engine turns
    # these lists into its own SQL, so both apply exactly the same filters.

    @property
    def exact_fields(self) -> list[tuple[str, str]]:
        """Top-level keys that must equal the value, case-insensitively (Q33)."""
        pairs = (
            ("lang", self.lang),
            ("b2b_b2c", self.b2b_b2c),
            ("fiscalCode", self.fiscal_code),
            ("electronicInvoicePecEmail", self.electronic_invoice_pec_email),
            ("electronicInvoiceSdiCode", self.electronic_invoice_sdi_code),
        )
        return [(key, value) for key, value in pairs if value is not None]

    @property
    def flag_fields(self) -> list[tuple[str, bool]]:
        """Boolean keys; a customer with no value matches neither true nor false (Q34)."""
        pairs = (("acceptMarketing", self.accept_marketing), ("taxExempt", self.tax_exempt))
        return [(key, value) for key, value in pairs if value is not None]

    @property
    def address_substrings(self) -> list[tuple[str, str]]:
        """Shipping-address keys of which some address must contain the value."""
        pairs = (
            ("city", self.city),
            ("postalCode", self.postal_code),
            ("companyName", self.company_name),
        )
        return [(key, value) for key, value in pairs if value is not None]

    @property
    def order_bounds(self) -> list[tuple[str, str, float]]:
        """``(column, operator, bound)`` of the order count and sales value bounds (Q33)."""
        bounds = (
            ("order_count", ">=", self.min_order_count),
            ("order_count", "<=", self.max_order_count),
            ("sales_value", ">=", self.min_sales_value),
            ("sales_value", "<=", self.max_sales_value),
        )
        return [(column, op, bound) for column, op, bound in bounds if bound is not None]

    @property
    def filters_anything(self) -> bool:
        defaults = CustomerQuery(sort_by=self.sort_by, page=self.page)
        return self != defaults


def parse_bool(name: str, text: str | None) -> bool | None:
    if text is None or text == "":
        return None
    lowered = text.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise errors.wrong_parameter(name, "expected one of 'true', 'false'")


def _whole_number(name: str, text: str | None) -> tuple[str, str] | None:
    """``text`` trimmed and its digits (without a minus sign); 400 if it is not a whole
    number; ``None`` when absent or blank."""
    if text is None or text.strip() == "":
        return None
    stripped = text.strip()
    digits = stripped.removeprefix("-")
    if not digits.isascii() or not digits.isdigit():
        raise errors.wrong_parameter(name, "expected a whole number")
    return stripped, digits


def parse_int(name: str, text: str | None) -> int | None:
    found = _whole_number(name, text)
    if found is None:
        return None
    stripped, digits = found
    if len(digits) > 18:
        raise errors.wrong_parameter(name, "expected a whole number")
    return int(stripped)


def parse_number(name: str, text: str | None) -> float | None:
    if text is None or text.strip() == "":
        return None
    try:
        value = float(text)
    except ValueError:
        raise errors.wrong_parameter(name, "expected a number") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise errors.wrong_parameter(name, "expected a number")
    return value


def parse_time(name: str, text: str | None) -> int | None:
    if text is None or text.strip() == "":
        return None
    try:
        return parse_ecwid_time(text)
    except ValueError:
        raise errors.wrong_parameter(
            name, "expected UNIX seconds or a date such as 2024-08-21 07:52:09 +0000"
        ) from None


def parse_id_list(name: str, text: str | None) -> tuple[int, ...] | None:
    if text is None or text.strip() == "":
        return None
    ids = []
    for part in text.split(","):
        value = parse_int(name, part)
        if value is not None:
            ids.append(value)
    return tuple(ids)


# Past any store's last customer: a larger offset sent is read as this one (an empty page).
MAX_OFFSET = 2**62


def _clamped_int(name: str, text: str | None, maximum: int) -> int | None:
    """A whole number of any length, cut to ``-maximum..maximum`` (Q13: a number too large
    for a long is still a number)."""
    found = _whole_number(name, text)
    if found is None:
        return None
    stripped, digits = found
    # Compared by length first: int() of thousands of digits costs more than it should.
    size = maximum if len(digits.lstrip("0")) > len(str(maximum)) else min(int(digits), maximum)
    return -size if stripped.startswith("-") else size


def parse_page(param: Param) -> Page:
    """``offset`` (>= 0) and ``limit`` clamped to 1..100, 0 or absent meaning 100 (Q13)."""
    offset = _clamped_int("offset", param("offset"), MAX_OFFSET) or 0
    if offset < 0:
        raise errors.wrong_parameter("offset", "must not be negative")
    limit = _clamped_int("limit", param("limit"), MAX_OFFSET) or 0
    limit = MAX_LIMIT if limit <= 0 else min(limit, MAX_LIMIT)
    return Page(offset=offset, limit=limit)


def _raw(param: Param, name: str) -> str | None:
    """A text filter as sent (trimmed): each engine folds its case itself, the same way it
    folds the stored value it is compared with."""
    value = param(name)
    if value is None or not value.strip():
        return None
    return value.strip()


def _text(param: Param, name: str) -> str | None:
    value = param(name)
    if value is None or not value.strip():
        return None
    return value.strip().lower()


def _key_text(param: Param, name: str) -> str | None:
    """A filter compared with a stored key (name, email): folded as the keys are."""
    value = param(name)
    if value is None or not value.strip():
        return None
    return fold(value.strip())


def parse_customer_query(param: Param) -> CustomerQuery:
    sort_by = (param("sortBy") or "NAME_ASC").strip().upper()
    if sort_by not in SORT_VALUES:
        raise errors.wrong_parameter("sortBy", f"expected one of {', '.join(SORT_VALUES)}")
    groups = parse_id_list("customerGroupIds", param("customerGroupIds"))
    single_group = parse_int("customerGroup", param("customerGroup"))
    if single_group is not None:
        groups = (*(groups or ()), single_group)
    countries = _text(param, "countryCodes")
    b2b_b2c = _text(param, "b2b_b2c")
    if b2b_b2c is not None and b2b_b2c not in ("b2b", "b2c"):
        raise errors.wrong_parameter("b2b_b2c", "expected 'b2b' or 'b2c'")
    return CustomerQuery(
        keyword=_key_text(param, "keyword"),
        name=_key_text(param, "name"),
        email=_key_text(param, "email"),
        exact_email=bool(parse_bool("useExactEmailMatch", param("useExactEmailMatch"))),
        phone=_raw(param, "phone"),
        city=_raw(param, "city"),
        postal_code=_raw(param, "postalCode"),
        state_or_province_code=_raw(param, "stateOrProvinceCode"),
        company_name=_raw(param, "companyName"),
        country_codes=(
            tuple(code.strip().upper() for code in countries.split(",") if code.strip())
            if countries
            else None
        ),
        accept_marketing=parse_bool("acceptMarketing", param("acceptMarketing")),
        lang=_raw(param, "lang"),
        group_ids=groups,
        min_order_count=parse_int("minOrderCount", param("minOrderCount")),
        max_order_count=parse_int("maxOrderCount", param("maxOrderCount")),
        min_sales_value=parse_number("minSalesValue", param("minSalesValue")),
        max_sales_value=parse_number("maxSalesValue", param("maxSalesValue")),
        purchased_product_ids=parse_id_list("purchasedProductIds", param("purchasedProductIds"))
        or None,
        b2b_b2c=b2b_b2c,
        tax_exempt=parse_bool("taxExempt", param("taxExempt")),
        fiscal_code=_raw(param, "fiscalCode"),
        electronic_invoice_pec_email=_raw(param, "electronicInvoicePecEmail"),
        electronic_invoice_sdi_code=_raw(param, "electronicInvoiceSdiCode"),
        created_from=parse_time("createdFrom", param("createdFrom")),
        created_to=parse_time("createdTo", param("createdTo")),
        updated_from=parse_time("updatedFrom", param("updatedFrom")),
        updated_to=parse_time("updatedTo", param("updatedTo")),
        sort_by=sort_by,  # type: ignore[arg-type]  # checked against SORT_VALUES above
        page=parse_page(param),
    )
