"""Pure rules for contacts: automatic EMAIL/PHONE contacts, order and defaults per type."""

from __future__ import annotations

import copy

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ecwid_customers.domain.contacts import _settle, build_contacts, follow_email, replace_contacts
from ecwid_customers.domain.inputs import ContactInput
from ecwid_customers.domain.models import Contact
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


def test_another_email_sent_as_default_is_refused() -> None:
    # Spec 5.4: the customer's own email is the default EMAIL contact, always.
    sent = [ContactInput(contact="b@example.net", type="EMAIL", default=True)]
    with pytest.raises(EcwidError) as caught:
        _build(sent)
    assert "'contacts[0].default'" in caught.value.message


def test_another_email_is_kept_beside_the_own_one() -> None:
    sent = [ContactInput(contact="b@example.net", type="EMAIL", default=False)]
    assert _build(sent) == [
        ("EMAIL", "b@example.net", 0, False),
        ("EMAIL", "a@example.net", 1, True),
    ]


def test_own_email_sent_in_another_case_is_spelt_as_the_email() -> None:
    sent = [ContactInput(contact=" A@Example.NET", type="EMAIL", order_by=3)]
    assert _build(sent) == [("EMAIL", "a@example.net", 3, True)]


def test_own_email_sent_as_not_default_is_refused() -> None:
    sent = [ContactInput(contact="a@example.net", type="EMAIL", default=False)]
    with pytest.raises(EcwidError) as caught:
        _build(sent)
    assert "'contacts[0].default'" in caught.value.message


def test_own_email_sent_twice_is_refused() -> None:
    sent = [
        ContactInput(contact="a@example.net", type="EMAIL"),
        ContactInput(contact="A@example.net", type="EMAIL"),
    ]
    with pytest.raises(EcwidError) as caught:
        _build(sent)
    assert "'contacts[1].contact'" in caught.value.message


def test_a_type_sent_with_no_contact_allowed_to_be_default_is_refused() -> None:
    sent = [
        ContactInput(contact="x", type="URL", default=False),
        ContactInput(contact="y", type="URL", default=False),
    ]
    with pytest.raises(EcwidError) as caught:
        _build(sent)
    assert "'contacts[0].default'" in caught.value.message


def test_default_false_is_kept_when_another_contact_of_the_type_can_be_default() -> None:
    sent = [
        ContactInput(contact="x", type="URL", default=False),
        ContactInput(contact="y", type="URL"),
    ]
    assert _build(sent)[:2] == [("URL", "x", 0, False), ("URL", "y", 1, True)]


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


# -- a PUT's contacts list keeps the own email contact -------------------------------------------

STORED = [
    Contact(id=1, contact="a@example.net", type="EMAIL", default=True, order_by=0, timestamp="t0"),
    Contact(id=2, contact="+1", type="PHONE", default=True, order_by=0, timestamp="t0"),
]


def _replace(sent: list[ContactInput], *, new_email: str = "a@example.net") -> list[Contact]:
    return replace_contacts(
        sent,
        existing=STORED,
        old_email="a@example.net",
        new_email=new_email,
        primary_phone=None,
        timestamp="t1",
    )


def _seen(contacts: list[Contact]) -> list[tuple[int, str, str, bool, str]]:
    return [(c.id, c.type, c.contact, c.default, c.timestamp) for c in contacts]


def test_a_list_without_the_own_email_keeps_the_stored_one() -> None:
    assert _seen(_replace([])) == [(1, "EMAIL", "a@example.net", True, "t0")]


def test_a_list_without_the_own_email_and_a_new_email_moves_the_stored_one() -> None:
    sent = [ContactInput(contact="+2", type="PHONE")]
    assert _seen(_replace(sent, new_email="b@example.net")) == [
        (0, "PHONE", "+2", True, "t1"),
        (1, "EMAIL", "b@example.net", True, "t0"),
    ]


def test_a_list_read_back_with_a_new_email_moves_the_old_email_contact() -> None:
    # GET, change the email, PUT everything back: the old address follows the new one.
    sent = [
        ContactInput(id=1, contact="a@example.net", type="EMAIL", default=True),
        ContactInput(id=2, contact="+1", type="PHONE", default=True),
    ]
    assert _seen(_replace(sent, new_email="b@example.net")) == [
        (1, "EMAIL", "b@example.net", True, "t0"),
        (2, "PHONE", "+1", True, "t0"),
    ]


def test_a_list_that_gives_the_own_contact_id_to_another_keeps_ids_unique() -> None:
    sent = [ContactInput(id=1, contact="+3", type="PHONE")]
    got = _seen(_replace(sent))
    assert got == [(1, "PHONE", "+3", True, "t0"), (0, "EMAIL", "a@example.net", True, "t1")]


def test_a_list_with_a_case_only_email_change_respells_the_own_contact() -> None:
    # Q22: the contact follows every change of the email, one of case too, list or no list.
    sent = [ContactInput(id=1, contact="a@example.net", type="EMAIL", default=True)]
    assert _seen(_replace(sent, new_email="A@Example.net")) == [
        (1, "EMAIL", "A@Example.net", True, "t0")
    ]


# -- a PUT without contacts (follow_email) ------------------------------------------------------

_EMAILS = ("own@x.io", "OWN@x.io", "other@x.io")
_contacts = st.lists(
    st.builds(
        Contact,
        id=st.integers(1, 50),
        contact=st.sampled_from((*_EMAILS, "+1 555", "@handle")),
        type=st.sampled_from(("EMAIL", "PHONE", "TELEGRAM")),
        default=st.booleans(),
        order_by=st.integers(0, 5),
        timestamp=st.just("2026-12-04 00:00:00 +0000"),
    ),
    max_size=6,
)


@given(
    contacts=_contacts,
    own_first=st.booleans(),
    email=st.sampled_from(_EMAILS),
    phone=st.sampled_from((None, "", " ")),
)
def test_a_put_without_contacts_or_a_new_email_settles_as_the_full_rules_do(
    contacts: list[Contact], own_first: bool, email: str, phone: str | None
) -> None:
    """The shortcut for contacts that are settled already gives what the full rules give."""
    if own_first:  # often settled, or nearly: the cases the shortcut must tell apart
        own = Contact(id=99, contact=email, type="EMAIL", default=True, order_by=0, timestamp="t")
        contacts = [own, *contacts]
    before = copy.deepcopy(contacts)
    followed = follow_email(
        contacts, old_email=email, new_email=email, primary_phone=phone, timestamp="t"
    )
    settled = _settle(copy.deepcopy(contacts), email=email, told={}, timestamp="t")
    assert followed == settled
    assert contacts == before  # the stored list is not changed


def test_settled_contacts_are_taken_as_they_are() -> None:
    contacts = [
        Contact(id=1, contact="own@x.io", type="EMAIL", default=True, order_by=0, timestamp="t"),
        Contact(id=2, contact="+1 555", type="PHONE", default=True, order_by=0, timestamp="t"),
        Contact(id=3, contact="+1 556", type="PHONE", default=False, order_by=1, timestamp="t"),
    ]
    followed = follow_email(
        contacts, old_email="own@x.io", new_email="own@x.io", primary_phone=None, timestamp="t"
    )
    assert followed == contacts
    assert all(a is b for a, b in zip(followed, contacts, strict=True))
