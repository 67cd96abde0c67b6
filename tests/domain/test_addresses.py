"""Pure rules for billing person and address book."""

from __future__ import annotations

import pytest

from ecwid_customers.domain.addresses import format_address, split_name, without_blanks
from ecwid_customers.domain.inputs import BillingPersonInput
from ecwid_customers.domain.models import ShippingAddress


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Support team", ("Support", "team")),
        ("test", (None, None)),
        ("Mary Ann  Smith", ("Mary", "Ann Smith")),
        ("", (None, None)),
        (None, (None, None)),
    ],
)
def test_split_name(name: str | None, expected: tuple[str | None, str | None]) -> None:
    assert split_name(name) == expected


def _address(**fields: str) -> ShippingAddress:
    return ShippingAddress(
        id=1, address_formatted="", created_date="", default_address=True, order_by=0, **fields
    )


def test_format_address_matches_ecwid_example() -> None:
    # Spec 5.3: every part "test", state Tbilisi, country Georgia.
    address = _address(
        street="test", city="test", postal_code="test", state_or_province_name="Tbilisi",
        country_name="Georgia",
    )  # fmt: skip
    assert format_address(address) == "test, test, test Tbilisi, Georgia"


def test_format_address_joins_street_lines_and_skips_gaps() -> None:
    address = _address(street="1 Main St\n\nApt 2 ", country_name="Canada")
    assert format_address(address) == "1 Main St, Apt 2, Canada"


def test_format_address_falls_back_to_the_state_code() -> None:
    assert format_address(_address(state_or_province_code="XX")) == "XX"


def test_without_blanks_trims_name_and_drops_empty_values() -> None:
    cleaned = without_blanks(BillingPersonInput(name=" Ann ", city="", street=" x "))
    assert cleaned == BillingPersonInput(name="Ann", street=" x ")
