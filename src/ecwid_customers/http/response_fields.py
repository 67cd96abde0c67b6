"""``responseFields``: return only the listed keys, with parenthesised nesting (spec section 1).

``responseFields=id,email,billingPerson(name,phone)`` keeps ``id``, ``email`` and the two named
keys of ``billingPerson``; inside a list (``contacts(type)``) the selection applies to each item.
Keys that are not listed disappear, ``id`` included; names that do not exist are ignored.
"""

from __future__ import annotations

import re
from typing import Any

from ecwid_customers import errors

# name -> selection inside it, or None for "the whole value"
Selection = dict[str, "Selection | None"]


def _tokens(text: str) -> list[str]:
    return [token.strip() for token in re.findall(r"[^,()]+|[,()]", text) if token.strip()]


# Deeper than any customer's JSON is nested; it also bounds the parser's recursion.
MAX_DEPTH = 8


def parse(text: str) -> Selection:
    tokens = _tokens(text)
    selection, position = _parse_list(tokens, 0, 0)
    if position != len(tokens):
        raise errors.wrong_parameter("responseFields", "unbalanced parentheses")
    return selection


def _parse_list(tokens: list[str], position: int, depth: int) -> tuple[Selection, int]:
    """Names separated by commas, each optionally followed by a parenthesised list."""
    if depth > MAX_DEPTH:
        raise errors.wrong_parameter("responseFields", f"nested more than {MAX_DEPTH} deep")
    selection: Selection = {}
    while position < len(tokens) and tokens[position] != ")":
        name = tokens[position]
        if name == ",":  # an empty name between commas selects nothing
            position += 1
            continue
        if name == "(":
            raise errors.wrong_parameter("responseFields", f"unexpected '{name}'")
        position += 1
        inner: Selection | None = None
        if position < len(tokens) and tokens[position] == "(":
            inner, position = _parse_list(tokens, position + 1, depth + 1)
            if position >= len(tokens):
                raise errors.wrong_parameter("responseFields", "unbalanced parentheses")
            position += 1  # the ")"
        selection[name] = inner
        if position < len(tokens) and tokens[position] == ",":
            position += 1
        elif position < len(tokens) and tokens[position] != ")":
            raise errors.wrong_parameter(
                "responseFields", f"expected ',' before '{tokens[position]}'"
            )
    return selection, position


def select(value: Any, selection: Selection) -> Any:
    """``value`` (plain JSON data) cut down to ``selection``, keeping the object's key order."""
    if isinstance(value, list):
        return [select(item, selection) for item in value]
    if not isinstance(value, dict):
        return value
    kept = {}
    for key, item in value.items():
        if key in selection:
            inner = selection[key]
            kept[key] = item if inner is None else select(item, inner)
    return kept
