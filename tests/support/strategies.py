"""Hypothesis strategies for customer bodies: valid ones (spec 4.3, 5) and invalid ones.

A valid body holds only values the API must keep exactly as written, so a test can compare
what it reads back with what it sent without re-deriving anything: address names are already
trimmed (the server trims them so that name, firstName and lastName agree), no address field is
blank (a blank one counts as not sent), country and state codes are ISO 3166 codes in their
canonical upper case, at most one contact per type (and no EMAIL one) and one address is marked
default, and no type has every contact marked not default (spec 5.4).

An invalid body is a valid one with exactly one defect, so the status and ``errorCode`` it must
get are known: which check fires first is then not a question.
"""

from __future__ import annotations

import itertools
import string
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, get_args

import pycountry
from hypothesis import strategies as st

from ecwid_customers.domain import limits
from ecwid_customers.domain.models import ContactType

Json = Any  # a value json.dumps accepts: what httpx sends for ``json=``
Body = dict[str, Json]

CONTACT_TYPES: tuple[str, ...] = get_args(ContactType)
EXTRA_FIELD_TYPES = ("TEXT", "SELECT", "DATETIME", "TOGGLE_BUTTON_GROUP", "TEXTAREA")
MAX_EMAIL_LENGTH = 254  # RFC 5321; the server's limit too
MAX_NAME_LENGTH = 255
SMALL_INT = (-(2**31), 2**31 - 1)  # orderBy's range

COUNTRY_CODES: tuple[str, ...] = tuple(sorted(country.alpha_2 for country in pycountry.countries))


def _subdivisions() -> dict[str, tuple[str, ...]]:
    """ISO 3166-2 codes without the country prefix (``NY``, not ``US-NY``), as Ecwid sends them."""
    found: dict[str, list[str]] = {}
    for subdivision in pycountry.subdivisions:
        country, _, local = subdivision.code.partition("-")
        found.setdefault(country, []).append(local)
    return {country: tuple(sorted(codes)) for country, codes in found.items()}


SUBDIVISIONS = _subdivisions()

# Any text a JSON string can carry to a database: no lone surrogates (not encodable as UTF-8)
# and no NUL (refused on purpose, with a 400: see ``invalid_bodies``).
_CHARACTERS = st.characters(exclude_categories=["Cs"], exclude_characters="\x00")
any_text = st.text(_CHARACTERS, max_size=40)
non_blank = st.text(_CHARACTERS, min_size=1, max_size=40).filter(lambda text: bool(text.strip()))
# Names up to the server's limit, in any script (up to 1020 bytes of UTF-8 in indexed columns);
# the long ones get a branch of their own, as Hypothesis rarely draws long text unasked.
names = (
    (
        st.text(_CHARACTERS, min_size=1, max_size=40)
        | st.text(_CHARACTERS, min_size=MAX_NAME_LENGTH - 20, max_size=MAX_NAME_LENGTH)
    )
    .filter(lambda text: bool(text.strip()))
    .map(str.strip)
)  # already what the server keeps
# Free text fields have no limit below the body's 1 MiB; now and then a long one.
# Up to the bound on streets and notes (domain/limits.py): valid bodies stay valid.
long_text = st.text(_CHARACTERS, min_size=200, max_size=limits.LONG_TEXT)
# Street lines are joined with "\n" (spec 5.2): a multi-line value must survive intact.
street = st.lists(non_blank, min_size=1, max_size=3).map("\n".join)

# Unique emails within a test: the store persists across the examples of one test, and a
# repeated email would be a 409. The "u<n>." prefix keeps the lower-cased keys distinct too,
# whatever Unicode case folding does to the rest.
_email_numbers = itertools.count(1)
# Up to 200 characters: with the prefix and the domain, still within the 254 allowed.
_local_characters = st.characters(exclude_categories=("Cs", "Z", "Cc"), exclude_characters="@")
_local_part = st.text(_local_characters, max_size=20) | st.text(
    _local_characters, min_size=180, max_size=200
)
_domain = st.text(string.ascii_lowercase + string.digits + "-", min_size=1, max_size=15).map(
    lambda label: f"{label}.example"
)


@st.composite
def emails(draw: st.DrawFn) -> str:
    # Unicode local parts too: the server checks only for "@" and the length (spec Q21).
    return f"u{next(_email_numbers)}.{draw(_local_part)}@{draw(_domain)}"


@st.composite
def passwords(draw: st.DrawFn) -> str:
    # A unique prefix: a test can then look for the password in a response without tripping
    # over another field that happens to contain a short one.
    return f"pw:{next(_email_numbers)}:{draw(non_blank)}"


@st.composite
def places(draw: st.DrawFn) -> dict[str, str]:
    """A country, and for a country ISO divides, sometimes one of its subdivisions."""
    if draw(st.booleans()):
        return {}
    country = draw(st.sampled_from(COUNTRY_CODES))
    place = {"countryCode": country}
    states = SUBDIVISIONS.get(country)
    if states and draw(st.booleans()):
        place["stateOrProvinceCode"] = draw(st.sampled_from(states))
    return place


def _address_fields(**extra: st.SearchStrategy[Json]) -> st.SearchStrategy[Body]:
    written = st.fixed_dictionaries(
        {},
        optional={
            "name": names,
            "companyName": non_blank,
            "street": street | long_text.filter(lambda text: bool(text.strip())),
            "city": non_blank,
            "postalCode": non_blank,
            "phone": non_blank,
            **extra,
        },
    )
    return st.builds(lambda fields, place: {**fields, **place}, written, places())


billing_persons = _address_fields()


@st.composite
def shipping_address_lists(draw: st.DrawFn) -> list[Body]:
    addresses = draw(
        st.lists(
            _address_fields(note=non_blank, orderBy=st.integers(*SMALL_INT)),
            max_size=3,
        )
    )
    # At most one address may ask to be the default (two are a 400).
    if addresses:
        chosen = draw(st.none() | st.integers(0, len(addresses) - 1))
        for index, address in enumerate(addresses):
            if index == chosen:
                address["defaultAddress"] = True
            elif draw(st.booleans()):
                address["defaultAddress"] = False
    return addresses


_contact = st.fixed_dictionaries(
    {"contact": non_blank, "type": st.sampled_from(CONTACT_TYPES)},
    optional={"handle": any_text, "note": any_text, "orderBy": st.integers(*SMALL_INT)},
)


@st.composite
def contact_lists(draw: st.DrawFn) -> list[Body]:
    contacts = draw(st.lists(_contact, max_size=5))
    # At most one default per type (two are a 400): maybe one of each type asks for it. Spec
    # 5.4: the customer's own email is the default EMAIL, so no other EMAIL contact asks; and a
    # type keeps a default, so when none asks, one at least says nothing (all false is a 400).
    for kind in {contact["type"] for contact in contacts}:
        same_kind = [contact for contact in contacts if contact["type"] == kind]
        chosen = None if kind == "EMAIL" else draw(st.none() | st.sampled_from(same_kind))
        spare = same_kind[0] if chosen is None and kind != "EMAIL" else None
        for contact in same_kind:
            if contact is chosen:
                contact["default"] = True
            elif contact is not spare and draw(st.booleans()):
                contact["default"] = False
    return contacts


_extrafield = st.fixed_dictionaries(
    {"key": non_blank},
    optional={
        "title": any_text,
        "value": any_text,
        "type": st.sampled_from(EXTRA_FIELD_TYPES) | any_text,
    },
)

# Keys the server must ignore (spec Q8): read-only fields Ecwid's own examples send, and keys
# this server does not know. (Not a top-level ``name``: it fills billingPerson.name.)
ignored_keys = st.fixed_dictionaries(
    {},
    optional={
        "id": st.integers(1, 2**31 - 1),
        "customerGroupName": non_blank,
        "registered": st.just("2000-01-01 00:00:00 +0000"),
        "updated": st.just("2000-01-01 00:00:00 +0000"),
        "stats": st.just({"numberOfOrders": 7, "salesValue": 1, "averageOrderValue": 1}),
        "favorites": st.just([{"productId": 1, "addedTimestamp": "2000-01-01 00:00:00 +0000"}]),
        "commercialRelationshipScheme": st.sampled_from(["b2b", "b2c", "other"]),
    },
)


def customer_bodies(
    *, group_ids: Sequence[int] = (0,), languages: Sequence[str] = ("en",)
) -> st.SearchStrategy[Body]:
    """A valid create body, every field but ``email`` optional. ``group_ids`` must exist and
    ``languages`` be enabled in the store the body is sent to."""
    written = st.fixed_dictionaries(
        {"email": emails()},
        optional={
            "password": passwords(),
            "billingPerson": billing_persons,
            "shippingAddresses": shipping_address_lists(),
            "contacts": contact_lists(),
            "customerGroupId": st.sampled_from(tuple(group_ids)),
            "b2b_b2c": st.sampled_from(["b2b", "b2c"]),
            "taxId": any_text,
            "taxIdValid": st.booleans(),
            "taxExempt": st.booleans(),
            "acceptMarketing": st.booleans(),
            "lang": st.sampled_from(tuple(languages)),
            "privateAdminNotes": any_text | long_text,
            "fiscalCode": any_text,
            "electronicInvoicePecEmail": any_text,
            "electronicInvoiceSdiCode": any_text,
            "extrafields": st.lists(_extrafield, max_size=3),
            "primaryPhone": non_blank,
        },
    )
    return st.builds(lambda ignored, body: {**ignored, **body}, ignored_keys, written)


# -- invalid bodies ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Invalid:
    """A body the server must refuse, and how: ``status`` and ``code``; ``why`` for reports."""

    body: Json
    status: int
    code: str
    why: str

    def __repr__(self) -> str:  # hypothesis prints this for a failing example
        return f"Invalid({self.why!r}, {self.status} {self.code}, body={self.body!r})"


WRONG = (400, "WRONG_PARAMETER")

# The JSON type of every writable key; a value of any other JSON type is a 400 (types are
# strict: "taxExempt": "yes" or 1 is not a boolean).
_ADDRESS_TYPES = {
    "name": str,
    "companyName": str,
    "street": str,
    "city": str,
    "countryCode": str,
    "postalCode": str,
    "stateOrProvinceCode": str,
    "phone": str,
}
_TOP_LEVEL_TYPES: dict[str, type] = {
    "email": str,
    "password": str,
    "billingPerson": dict,
    "shippingAddresses": list,
    "contacts": list,
    "customerGroupId": int,
    "b2b_b2c": str,
    "taxId": str,
    "taxIdValid": bool,
    "taxExempt": bool,
    "acceptMarketing": bool,
    "lang": str,
    "privateAdminNotes": str,
    "fiscalCode": str,
    "electronicInvoicePecEmail": str,
    "electronicInvoiceSdiCode": str,
    "extrafields": list,
    "primaryPhone": str,
}
# For list items: the minimal valid item the defect is planted in, and its keys' types.
_ITEMS: dict[str, tuple[Body, dict[str, type]]] = {
    "shippingAddresses": (
        {},
        {**_ADDRESS_TYPES, "note": str, "defaultAddress": bool, "orderBy": int, "id": int},
    ),
    "contacts": (
        {"contact": "x", "type": "OTHER"},
        {
            "id": int,
            "contact": str,
            "handle": str,
            "note": str,
            "type": str,
            "default": bool,
            "orderBy": int,
        },
    ),
    "extrafields": (
        {"key": "k"},
        {"key": str, "title": str, "value": str, "type": str},
    ),
}

_scalar = st.one_of(
    st.booleans(), st.integers(), st.floats(allow_nan=False, allow_infinity=False), any_text
)
_json = st.recursive(
    st.none() | _scalar,
    lambda inner: st.lists(inner, max_size=2) | st.dictionaries(any_text, inner, max_size=2),
    max_leaves=4,
)
_VALUES_OF: dict[type, st.SearchStrategy[Json]] = {
    bool: st.booleans(),
    # JSON numbers with a fraction or exponent are floats, never ints (1.0 included).
    int: st.integers(-(2**63), 2**63 - 1),
    float: st.floats(allow_nan=False, allow_infinity=False),
    str: any_text,
    list: st.lists(_scalar, max_size=2),
    dict: st.dictionaries(any_text, _scalar, max_size=2),
}


def _wrong_for(expected: type) -> st.SearchStrategy[Json]:
    """Any non-null JSON value that is not of type ``expected`` (null means "not sent")."""
    return st.one_of(*(values for kind, values in _VALUES_OF.items() if kind is not expected))


@st.composite
def _wrong_type(draw: st.DrawFn, body: Body) -> Invalid:
    where = draw(st.sampled_from(["top", "billingPerson", *_ITEMS]))
    if where == "top":
        key = draw(st.sampled_from(sorted(_TOP_LEVEL_TYPES)))
        body[key] = draw(_wrong_for(_TOP_LEVEL_TYPES[key]))
        return Invalid(body, *WRONG, f"wrong JSON type for {key}")
    if where == "billingPerson":
        key = draw(st.sampled_from(sorted(_ADDRESS_TYPES)))
        body["billingPerson"] = {**body.get("billingPerson", {}), key: draw(_wrong_for(str))}
        return Invalid(body, *WRONG, f"wrong JSON type for billingPerson.{key}")
    item, types = _ITEMS[where]
    key = draw(st.sampled_from(sorted(types)))
    planted = {**item, key: draw(_wrong_for(types[key]))}
    body[where] = [planted, *body.get(where, [])]
    return Invalid(body, *WRONG, f"wrong JSON type for {where}[0].{key}")


@st.composite
def _out_of_range(draw: st.DrawFn, body: Body) -> Invalid:
    choice = draw(st.sampled_from(["customerGroupId", "orderBy", "id"]))
    if choice == "customerGroupId":
        body["customerGroupId"] = draw(st.integers(max_value=-1))
    elif choice == "orderBy":
        too_big = st.integers(min_value=SMALL_INT[1] + 1) | st.integers(max_value=SMALL_INT[0] - 1)
        body["contacts"] = [{"contact": "x", "type": "OTHER", "orderBy": draw(too_big)}]
    else:
        body["shippingAddresses"] = [{"id": draw(st.integers(max_value=-1))}]
    return Invalid(body, *WRONG, f"{choice} out of range")


@st.composite
def _missing_email(draw: st.DrawFn, body: Body) -> Invalid:
    blank = st.text(" \t\r\n\u00a0\u2003", max_size=4)
    missing = draw(st.sampled_from(["absent", "null", "blank"]))
    if missing == "absent":
        del body["email"]
    else:
        body["email"] = None if missing == "null" else draw(blank)
    return Invalid(body, *WRONG, f"email {missing}")


@st.composite
def _bad_email(draw: st.DrawFn, body: Body) -> Invalid:
    if draw(st.booleans()):
        body["email"] = draw(non_blank.filter(lambda text: "@" not in text))
        return Invalid(body, *WRONG, "email without @")
    local = "x" * draw(st.integers(MAX_EMAIL_LENGTH - 10, 2 * MAX_EMAIL_LENGTH))
    body["email"] = f"{local}@example.net"
    return Invalid(body, *WRONG, "email too long")


def _place_holder(draw: st.DrawFn, body: Body) -> tuple[Body, str]:
    """The address (billing, or a new first shipping address) a place defect goes into."""
    if draw(st.booleans()):
        person: Body = {**body.get("billingPerson", {})}
        body["billingPerson"] = person
        return person, "billingPerson"
    address: Body = {}
    body["shippingAddresses"] = [address, *body.get("shippingAddresses", [])]
    return address, "shippingAddresses[0]"


@st.composite
def _unknown_country(draw: st.DrawFn, body: Body) -> Invalid:
    address, where = _place_holder(draw, body)
    known = set(COUNTRY_CODES)
    address.pop("stateOrProvinceCode", None)
    address["countryCode"] = draw(
        st.text(string.ascii_uppercase, min_size=2, max_size=2).filter(lambda c: c not in known)
        | non_blank.filter(lambda text: text.strip().upper() not in known)
    )
    return Invalid(body, *WRONG, f"unknown {where}.countryCode")


@st.composite
def _unknown_state(draw: st.DrawFn, body: Body) -> Invalid:
    address, where = _place_holder(draw, body)
    country = draw(st.sampled_from(sorted(SUBDIVISIONS)))
    states = set(SUBDIVISIONS[country])
    address["countryCode"] = country
    address["stateOrProvinceCode"] = draw(
        non_blank.filter(lambda text: text.strip().upper() not in states)
    )
    return Invalid(body, *WRONG, f"{where}.stateOrProvinceCode not in {country}")


@st.composite
def _bad_contact(draw: st.DrawFn, body: Body) -> Invalid:
    defect = draw(st.sampled_from(["type", "no type", "no contact", "blank contact"]))
    contact: Body = {"contact": "x", "type": "OTHER"}
    if defect == "type":
        # Lower case too: the enum is exact, as Ecwid's is.
        contact["type"] = draw(
            st.sampled_from([kind.lower() for kind in CONTACT_TYPES])
            | non_blank.filter(lambda text: text not in CONTACT_TYPES)
        )
    elif defect == "no type":
        del contact["type"]
    elif defect == "no contact":
        del contact["contact"]
    else:
        contact["contact"] = draw(st.text(" \t\n", max_size=3))
    body["contacts"] = [*body.get("contacts", []), contact]
    return Invalid(body, *WRONG, f"contact: {defect}")


@st.composite
def _two_defaults(draw: st.DrawFn, body: Body) -> Invalid:
    if draw(st.booleans()):
        kind = draw(st.sampled_from(CONTACT_TYPES))
        pair = [{"contact": f"{kind}-{n}", "type": kind, "default": True} for n in (1, 2)]
        body["contacts"] = pair
        return Invalid(body, *WRONG, f"two default {kind} contacts")
    body["shippingAddresses"] = [{"city": "A", "defaultAddress": True}] * 2
    return Invalid(body, *WRONG, "two default shipping addresses")


@st.composite
def _bad_enum_or_length(draw: st.DrawFn, body: Body) -> Invalid:
    choice = draw(st.sampled_from(["b2b_b2c", "name", "extrafield key"]))
    if choice == "b2b_b2c":
        body["b2b_b2c"] = draw(any_text.filter(lambda text: text not in ("b2b", "b2c")))
    elif choice == "name":
        letters = st.text(string.ascii_letters, min_size=MAX_NAME_LENGTH + 1, max_size=300)
        address, _ = _place_holder(draw, body)
        address["name"] = draw(letters)
    else:
        key = draw(st.sampled_from([None, ""]))
        body["extrafields"] = [{"key": key, "value": "v"} if key is not None else {"value": "v"}]
    return Invalid(body, *WRONG, f"bad {choice}")


@st.composite
def _nul_in_text(draw: st.DrawFn, body: Body) -> Invalid:
    # No database keeps NUL in text; the server refuses it rather than lose it.
    key = draw(st.sampled_from(["taxId", "privateAdminNotes", "fiscalCode", "password"]))
    body[key] = draw(any_text) + "\x00" + draw(any_text)
    return Invalid(body, *WRONG, f"NUL in {key}")


def _lang_not_enabled(languages: Sequence[str]) -> Callable[[Body], st.SearchStrategy[Invalid]]:
    @st.composite
    def mutate(draw: st.DrawFn, body: Body) -> Invalid:
        # Plainly other languages (and ""): whether "EN" or " en" would do is not this test's
        # question.
        folded = {language.lower() for language in languages}
        other = st.text(string.ascii_letters + "-_", max_size=5)
        body["lang"] = draw(other.filter(lambda text: text.strip().lower() not in folded))
        return Invalid(body, 400, "LANGUAGES_NOT_ALLOWED", "lang not enabled")

    return mutate


def _unknown_group(group_ids: Sequence[int]) -> Callable[[Body], st.SearchStrategy[Invalid]]:
    @st.composite
    def mutate(draw: st.DrawFn, body: Body) -> Invalid:
        # Past int32 too: ids are looked up, and a lookup of a too-large id is still a 404.
        unknown = st.integers(1, 2**63 - 1).filter(lambda group: group not in group_ids)
        body["customerGroupId"] = draw(unknown)
        return Invalid(body, 404, "CUSTOMER_GROUP_NOT_FOUND", "unknown customerGroupId")

    return mutate


@st.composite
def _not_an_object(draw: st.DrawFn, body: Body) -> Invalid:
    # The array of the valid body is close to right, and still not an object.
    other = draw(st.sampled_from(["array", "scalar", "null", "wrapped"]))
    value = {
        "array": st.lists(_json, max_size=3),
        "scalar": _scalar,
        "null": st.none(),
        "wrapped": st.just([body]),
    }[other]
    return Invalid(draw(value), *WRONG, f"{other} instead of an object")


def _defects(
    group_ids: Sequence[int], languages: Sequence[str]
) -> dict[str, Callable[[Body], st.SearchStrategy[Invalid]]]:
    return {
        "wrong type": _wrong_type,
        "out of range": _out_of_range,
        "missing email": _missing_email,
        "bad email": _bad_email,
        "unknown country": _unknown_country,
        "unknown state": _unknown_state,
        "bad contact": _bad_contact,
        "two defaults": _two_defaults,
        "bad enum or length": _bad_enum_or_length,
        "NUL": _nul_in_text,
        "lang not enabled": _lang_not_enabled(languages),
        "unknown group": _unknown_group(group_ids),
        "not an object": _not_an_object,
    }


DEFECTS = tuple(_defects((0,), ("en",)))


def invalid_bodies(
    defect: str, *, group_ids: Sequence[int] = (0,), languages: Sequence[str] = ("en",)
) -> st.SearchStrategy[Invalid]:
    """A valid body given one ``defect`` (one of ``DEFECTS``), with the status and
    ``errorCode`` it must get. ``group_ids`` and ``languages`` are the store's."""
    plant = _defects(group_ids, languages)[defect]
    return customer_bodies(group_ids=group_ids, languages=languages).flatmap(plant)
