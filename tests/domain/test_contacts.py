"""Pure rules for contacts: automatic EMAIL/PHONE contacts, order and defaults per type."""

from __future__ import annotations

import pytest

from ecwid_customers.domain.contacts import build_contacts
from ecwid_customers.domain.inputs import ContactInput
from ecwid_customers.errors import EcwidError


def _build(
    sent: list[ContactInput] | None = None,
    *,
    primary: str | None = None,
    billing: str | None = None,
) -> list[tuple[str, str, int, bool]]:
    contacts = build_contacts(
        sent, email="a@example.net", primary_phone=primary, billing_phone=billing, timestamp="t"
    )
    return [(c.type, c.contact, c.order_by, c.default) for c in contacts]


def test_email_contact_is_added() -> None:
    assert _build() == [("EMAIL", "a@example.net", 0, True)]


def test_client_default_email_is_respected() -> None:
    sent = [ContactInput(contact="b@example.net", type="EMAIL", default=True)]
    assert _build(sent) == [
        ("EMAIL", "b@example.net", 0, True),
        ("EMAIL", "a@example.net", 1, False),
    ]


def test_primary_phone_wins_the_default_over_the_client() -> None:
    sent = [ContactInput(contact="+1", type="PHONE", default=True)]
    assert _build(sent, primary="+2") == [
        ("PHONE", "+1", 0, False),
        ("EMAIL", "a@example.net", 0, True),
        ("PHONE", "+2", 1, True),
    ]


def test_primary_phone_matching_a_sent_contact_reuses_it() -> None:
    sent = [ContactInput(contact="+1", type="PHONE"), ContactInput(contact="+2", type="PHONE")]
    assert _build(sent, primary="+2") == [
        ("PHONE", "+1", 0, False),
        ("PHONE", "+2", 1, True),
        ("EMAIL", "a@example.net", 0, True),
    ]


def test_billing_phone_does_not_take_the_default_from_the_client() -> None:
    sent = [ContactInput(contact="+1", type="PHONE", default=True)]
    assert _build(sent, billing="+9") == [
        ("PHONE", "+1", 0, True),
        ("EMAIL", "a@example.net", 0, True),
        ("PHONE", "+9", 1, False),
    ]


def test_explicit_order_is_kept_and_the_lowest_becomes_default() -> None:
    sent = [
        ContactInput(contact="x", type="OTHER", order_by=5),
        ContactInput(contact="y", type="OTHER", order_by=2),
        ContactInput(contact="z", type="OTHER"),
    ]
    assert _build(sent)[:3] == [
        ("OTHER", "x", 5, False),
        ("OTHER", "y", 2, True),
        ("OTHER", "z", 6, False),
    ]


def test_two_defaults_of_one_type_are_refused() -> None:
    sent = [
        ContactInput(contact="x", type="URL", default=True),
        ContactInput(contact="y", type="URL", default=True),
    ]
    with pytest.raises(EcwidError) as caught:
        _build(sent)
    assert caught.value.code == "WRONG_PARAMETER"


def test_numbering_unnumbered_contacts_is_linear() -> None:
    # 100,000 contacts without orderBy: a pass over the list per contact (as before) would take
    # several minutes here; one pass for all of them takes well under a second. Nothing is
    # timed: a quadratic version simply does not finish within the test run's patience.
    sent = [ContactInput(contact=str(n), type="PHONE") for n in range(100_000)]
    contacts = build_contacts(
        sent, email="a@example.net", primary_phone=None, billing_phone=None, timestamp="t"
    )
    phones = [c for c in contacts if c.type == "PHONE"]
    assert [c.order_by for c in phones] == list(range(100_000))
    assert sum(c.default for c in phones) == 1
