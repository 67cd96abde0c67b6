"""Token shapes, hints and hashing."""

from __future__ import annotations

import re

import pytest

from ecwid_customers.domain.tokens import (
    TokenKind,
    check_token_format,
    generate_token,
    hash_token,
    token_hint,
    token_kind,
)


@pytest.mark.parametrize("kind", ["secret", "public"])
def test_generated_tokens_have_ecwid_shape(kind: TokenKind) -> None:
    token = generate_token(kind)
    assert re.fullmatch(rf"{kind}_[A-Za-z0-9]{{32}}", token)
    assert token_kind(token) == kind
    check_token_format(token)
    assert generate_token(kind) != token


def test_hint_hides_the_middle() -> None:
    assert token_hint("secret_abXXXXXXcd") == "secret_ab***cd"


def test_hash_is_stable_and_not_the_token() -> None:
    assert hash_token("secret_x") == hash_token("secret_x")
    assert hash_token("secret_x") != hash_token("secret_y")
    assert b"secret_x" not in hash_token("secret_x")
