"""Parsing and applying responseFields selections."""

from __future__ import annotations

import pytest

from ecwid_customers.errors import EcwidError
from ecwid_customers.http.response_fields import MAX_DEPTH, parse, select


def test_parse_nested_lists() -> None:
    assert parse("total,items(id,email,billingPerson(name))") == {
        "total": None,
        "items": {"id": None, "email": None, "billingPerson": {"name": None}},
    }


def test_parse_tolerates_spaces_and_empty_names() -> None:
    assert parse(" id , ,email,") == {"id": None, "email": None}


@pytest.mark.parametrize("text", ["a(", "a)", "(a)", "a(b)c", "a((b))"])
def test_parse_refuses_malformed(text: str) -> None:
    with pytest.raises(EcwidError):
        parse(text)


def test_nesting_is_bounded_not_recursed_without_end() -> None:
    assert parse("a(" * MAX_DEPTH + "b" + ")" * MAX_DEPTH)  # as deep as allowed
    for depth in (MAX_DEPTH + 1, 4000):  # 4,000: as deep as a URL allows
        with pytest.raises(EcwidError) as refused:
            parse("a(" * depth + "b" + ")" * depth)
        assert refused.value.status == 400
        assert "responseFields" in refused.value.message


def test_select_keeps_object_order_and_walks_lists() -> None:
    value = {"id": 1, "items": [{"a": 1, "b": 2}, {"a": 3}], "x": {"y": 1, "z": 2}}
    assert select(value, parse("x(z),items(a),id")) == {
        "id": 1,
        "items": [{"a": 1}, {"a": 3}],
        "x": {"z": 2},
    }
