"""Email and name keys: one key per visible text, whatever its Unicode spelling."""

from __future__ import annotations

import unicodedata

import pytest

from ecwid_customers.domain.create import email_key
from ecwid_customers.domain.folding import fold


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("jos\u00e9@example.net", "jose\u0301@example.net"),  # NFC and NFD
        ("JOS\u00c9@EXAMPLE.NET", "jose\u0301@example.net"),  # and case
        ("\u212a@example.net", "k@example.net"),  # KELVIN SIGN
        ("\u03bf\u03b4\u03bf\u03c2@x.gr", "\u039f\u0394\u039f\u03a3@X.GR"),  # final sigma
        ("Ann.Smith@Example.NET", "ann.smith@example.net"),
    ],
)
def test_spellings_of_one_email_share_a_key(one: str, other: str) -> None:
    assert email_key(one) == email_key(other)


@pytest.mark.parametrize("text", ["a@b.c", "Zo\u00eb", "\u00c5ngstr\u00f6m", "\u1e9e", "\ufb01le"])
def test_a_key_is_normalised_and_folding_it_again_changes_nothing(text: str) -> None:
    key = fold(text)
    assert unicodedata.is_normalized("NFC", key)
    assert fold(key) == key


def test_different_addresses_keep_different_keys() -> None:
    assert email_key("jose@example.net") != email_key("jos\u00e9@example.net")
