"""Customer contacts (spec 4.7, 5.4, Q12, Q36, Q37), end to end through the ASGI app and SQLite."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from ecwid_customers.scopes import (
    CREATE_CUSTOMERS,
    READ_CUSTOMERS,
    UPDATE_CUSTOMERS,
)
from tests.support import (
    Api,
    assert_error,
    make_store,
    make_token,
)

EMAIL = "ann@example.net"


def ecwid_time(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%d %H:%M:%S +0000")


def contacts_path(customer_id: int | str, contact_id: int | str | None = None) -> str:
    path = f"customers/{customer_id}/contacts"
    return path if contact_id is None else f"{path}/{contact_id}"


async def list_contacts(api: Api, customer_id: int) -> list[dict[str, Any]]:
    response = await api.client.get(api.url(contacts_path(customer_id)), headers=api.auth())
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def post_contact(
    api: Api, customer_id: int | str, body: Any, *, token: str | None = None
) -> httpx.Response:
    return await api.client.post(
        api.url(contacts_path(customer_id)), json=body, headers=api.auth(token)
    )


async def add_contact(api: Api, customer_id: int, body: dict[str, Any]) -> int:
    response = await post_contact(api, customer_id, body)
    assert response.status_code == 200, response.text
    contact_id: int = response.json()["id"]
    return contact_id


async def get_contact(api: Api, customer_id: int | str, contact_id: int | str) -> httpx.Response:
    return await api.client.get(api.url(contacts_path(customer_id, contact_id)), headers=api.auth())


async def put_contact(
    api: Api, customer_id: int | str, contact_id: int | str, body: Any
) -> httpx.Response:
    return await api.client.put(
        api.url(contacts_path(customer_id, contact_id)), json=body, headers=api.auth()
    )


async def delete_contact(api: Api, customer_id: int | str, contact_id: int | str) -> httpx.Response:
    return await api.client.delete(
        api.url(contacts_path(customer_id, contact_id)), headers=api.auth()
    )


async def contact_ok(api: Api, customer_id: int, contact_id: int) -> dict[str, Any]:
    response = await get_contact(api, customer_id, contact_id)
    assert response.status_code == 200, response.text
    contact: dict[str, Any] = response.json()
    return contact


def of_type(contacts: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [contact for contact in contacts if contact["type"] == kind]


def default_ids(contacts: list[dict[str, Any]], kind: str) -> list[int]:
    return [contact["id"] for contact in of_type(contacts, kind) if contact["default"]]


async def email_contact_id(api: Api, customer_id: int) -> int:
    (own,) = of_type(await list_contacts(api, customer_id), "EMAIL")
    contact_id: int = own["id"]
    return contact_id


# -- reading ------------------------------------------------------------------------------------


async def test_list_is_an_items_envelope_without_paging_fields(api: Api) -> None:
    customer_id = await api.create_ok({"email": EMAIL})
    response = await api.client.get(api.url(contacts_path(customer_id)), headers=api.auth())
    assert response.status_code == 200
    body = response.json()
    assert list(body) == ["items"]
    (own,) = body["items"]
    assert own == {
        "id": own["id"],
        "contact": EMAIL,
        "type": "EMAIL",
        "default": True,
        "orderBy": 0,
        "timestamp": ecwid_time(api.clock.now()),
    }


async def test_list_matches_the_contacts_of_the_customer_object(api: Api) -> None:
    customer_id = await api.create_ok({"email": EMAIL, "primaryPhone": "+12125550100"})
    await add_contact(api, customer_id, {"contact": "ann_ig", "type": "INSTAGRAM"})
    customer = await api.get_ok(customer_id)
    assert await list_contacts(api, customer_id) == customer["contacts"]
    assert len(customer["contacts"]) == 3


async def test_get_one_returns_the_bare_contact_object(api: Api) -> None:
    customer_id = await api.create_ok({"email": EMAIL})
    (own,) = await list_contacts(api, customer_id)
    response = await get_contact(api, customer_id, own["id"])
    assert response.status_code == 200
    assert response.json() == own


# -- creating -----------------------------------------------------------------------------------


async def test_create_answers_create_count_and_the_new_id(api: Api) -> None:
    customer_id = await api.create_ok({"email": EMAIL})
    response = await post_contact(
        api,
        customer_id,
        {"contact": "+12125550100", "type": "PHONE", "note": "mobile", "handle": "ann"},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"createCount", "id"}
    assert body["createCount"] == 1
    new_id = body["id"]
    assert isinstance(new_id, int)
    assert new_id > 0

    assert await contact_ok(api, customer_id, new_id) == {
        "id": new_id,
        "contact": "+12125550100",
        "handle": "ann",
        "note": "mobile",
        "type": "PHONE",
        "default": True,  # the only PHONE contact is its type's default
        "orderBy": 0,
        "timestamp": ecwid_time(api.clock.now()),
    }
    assert new_id in {contact["id"] for contact in (await api.get_ok(customer_id))["contacts"]}


async def test_create_ignores_client_id_and_timestamp(api: Api) -> None:
    customer_id = await api.create_ok({"email": EMAIL})
    api.clock.advance(60)
    new_id = await add_contact(
        api,
        customer_id,
        {
            "id": 424242,
            "contact": "ann_fb",
            "type": "FACEBOOK",
            "timestamp": "2001-01-01 00:00:00 +0000",
        },
    )
    assert new_id != 424242
    contact = await contact_ok(api, customer_id, new_id)
    assert contact["timestamp"] == ecwid_time(api.clock.now())


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"type": "PHONE"}, "contact"),
        ({"contact": "", "type": "PHONE"}, "contact"),
        ({"contact": "   ", "type": "PHONE"}, "contact"),
        ({"contact": None, "type": "PHONE"}, "contact"),
        ({"contact": "+12125550100"}, "type"),
        ({"contact": "+12125550100", "type": None}, "type"),
    ],
)
async def test_create_without_contact_or_type_is_400_naming_the_field(
    api: Api, body: dict[str, Any], field: str
) -> None:
    customer_id = await api.create_ok({"email": EMAIL})
    before = await api.get_ok(customer_id)
    api.clock.advance(60)
    response = await post_contact(api, customer_id, body)
    assert_error(response, 400, "WRONG_PARAMETER")
    assert field in response.json()["errorMessage"]
    assert await api.get_ok(customer_id) == before


@pytest.mark.parametrize("kind", ["SKYPE", "email", "", 5])
async def test_create_with_unknown_type_is_400(api: Api, kind: object) -> None:
    customer_id = await api.create_ok({"email": EMAIL})
    response = await post_contact(api, customer_id, {"contact": "x", "type": kind})
    assert_error(response, 400, "WRONG_PARAMETER")
    assert len(await list_contacts(api, customer_id)) == 1


async def test_create_with_default_takes_the_default_from_the_other_contact(api: Api) -> None:
    customer_id = await api.create_ok({"email": EMAIL, "primaryPhone": "+12125550100"})
    (old_id,) = default_ids(await list_contacts(api, customer_id), "PHONE")
    new_id = await add_contact(
        api, customer_id, {"contact": "+12125550199", "type": "PHONE", "default": True}
    )
    contacts = await list_contacts(api, customer_id)
    assert default_ids(contacts, "PHONE") == [new_id]
    old = next(contact for contact in contacts if contact["id"] == old_id)
    assert old["default"] is False


async def test_create_default_of_one_type_leaves_other_types_alone(api: Api) -> None:
    customer_id = await api.create_ok({"email": EMAIL, "primaryPhone": "+12125550100"})
    before = await list_contacts(api, customer_id)
    phone_default = default_ids(before, "PHONE")
    email_default = default_ids(before, "EMAIL")
    new_id = await add_contact(
        api, customer_id, {"contact": "ann_tg", "type": "TELEGRAM", "default": True}
    )
    after = await list_contacts(api, customer_id)
    assert default_ids(after, "TELEGRAM") == [new_id]
    assert default_ids(after, "PHONE") == phone_default
    assert default_ids(after, "EMAIL") == email_default


async def test_create_without_default_keeps_the_existing_default(api: Api) -> None:
    customer_id = await api.create_ok({"email": EMAIL})
    own_id = await email_contact_id(api, customer_id)
    new_id = await add_contact(api, customer_id, {"contact": "b@example.net", "type": "EMAIL"})
    contacts = await list_contacts(api, customer_id)
    assert default_ids(contacts, "EMAIL") == [own_id]
    assert (await contact_ok(api, customer_id, new_id))["default"] is False


async def test_first_contact_of_a_type_sent_without_default_is_its_default(api: Api) -> None:
    customer_id = await api.create_ok({"email": EMAIL})
    new_id = await add_contact(api, customer_id, {"contact": "ann_tg", "type": "TELEGRAM"})
    assert (await contact_ok(api, customer_id, new_id))["default"] is True


async def test_order_by_continues_within_each_type(api: Api) -> None:
    customer_id = await api.create_ok({"email": EMAIL})  # EMAIL orderBy 0
    second_email = await add_contact(api, customer_id, {"contact": "b@ex.net", "type": "EMAIL"})
    first_phone = await add_contact(api, customer_id, {"contact": "+1555", "type": "PHONE"})
    third_email = await add_contact(api, customer_id, {"contact": "c@ex.net", "type": "EMAIL"})
    second_phone = await add_contact(api, customer_id, {"contact": "+1556", "type": "PHONE"})

    order = {c["id"]: c["orderBy"] for c in await list_contacts(api, customer_id)}
    assert order[second_email] == 1
    assert order[third_email] == 2
    assert order[first_phone] == 0
    assert order[second_phone] == 1


# -- updating -----------------------------------------------------------------------------------


async def test_update_changes_only_the_fields_sent(api: Api) -> None:
    customer_id = await api.create_ok({"email": EMAIL})
    new_id = await add_contact(
        api, customer_id, {"contact": "ann_fb", "type": "FACEBOOK", "handle": "ann", "note": "a"}
    )
    before = await contact_ok(api, customer_id, new_id)
    api.clock.advance(60)

    response = await put_contact(api, customer_id, new_id, {"note": "prefers DMs"})
    assert response.status_code == 200, response.text
    assert response.json() == {"updateCount": 1}
    assert await contact_ok(api, customer_id, new_id) == {**before, "note": "prefers DMs"}


async def test_update_changes_the_contact_value_and_keeps_id_and_timestamp(api: Api) -> None:
    customer_id = await api.create_ok({"email": EMAIL})
    new_id = await add_contact(api, customer_id, {"contact": "+1555", "type": "PHONE"})
    before = await contact_ok(api, customer_id, new_id)
    api.clock.advance(60)

    response = await put_contact(
        api, customer_id, new_id, {"contact": "+1999", "handle": "h", "id": 1, "timestamp": "x"}
    )
    assert response.json() == {"updateCount": 1}
    assert await contact_ok(api, customer_id, new_id) == {
        **before,
        "contact": "+1999",
        "handle": "h",
    }


async def test_update_to_an_empty_contact_value_is_400(api: Api) -> None:
    customer_id = await api.create_ok({"email": EMAIL})
    own_id = await email_contact_id(api, customer_id)
    response = await put_contact(api, customer_id, own_id, {"contact": "  "})
    assert_error(response, 400, "WRONG_PARAMETER")
    assert (await contact_ok(api, customer_id, own_id))["contact"] == EMAIL


async def test_update_with_unknown_type_is_400(api: Api) -> None:
    customer_id = await api.create_ok({"email": EMAIL})
    own_id = await email_contact_id(api, customer_id)
    response = await put_contact(api, customer_id, own_id, {"type": "SKYPE"})
    assert_error(response, 400, "WRONG_PARAMETER")
    assert (await contact_ok(api, customer_id, own_id))["type"] == "EMAIL"


async def test_update_making_a_contact_default_moves_the_default(api: Api) -> None:
    customer_id = await api.create_ok({"email": EMAIL})
    first_id = await add_contact(api, customer_id, {"contact": "+1555", "type": "PHONE"})
    other_id = await add_contact(api, customer_id, {"contact": "+1556", "type": "PHONE"})
    assert default_ids(await list_contacts(api, customer_id), "PHONE") == [first_id]

    response = await put_contact(api, customer_id, other_id, {"default": True})
    assert response.json() == {"updateCount": 1}
    contacts = await list_contacts(api, customer_id)
    assert default_ids(contacts, "PHONE") == [other_id]
    assert first_id in {contact["id"] for contact in contacts}


async def test_update_moving_a_default_contact_to_another_type_keeps_one_default_per_type(
    api: Api,
) -> None:
    customer_id = await api.create_ok({"email": EMAIL, "primaryPhone": "+12125550100"})
    (phone_default,) = default_ids(await list_contacts(api, customer_id), "PHONE")
    telegram = await add_contact(api, customer_id, {"contact": "+1999", "type": "TELEGRAM"})
    assert (await contact_ok(api, customer_id, telegram))["default"] is True

    response = await put_contact(api, customer_id, telegram, {"type": "PHONE"})
    assert response.status_code == 200, response.text
    after = await list_contacts(api, customer_id)
    assert len(default_ids(after, "PHONE")) == 1, after
    assert default_ids(after, "PHONE") == [phone_default]
    assert of_type(after, "TELEGRAM") == []


# -- deleting -----------------------------------------------------------------------------------


async def test_delete_answers_delete_count_and_removes_the_contact(api: Api) -> None:
    customer_id = await api.create_ok({"email": EMAIL})
    new_id = await add_contact(api, customer_id, {"contact": "+1555", "type": "PHONE"})

    response = await delete_contact(api, customer_id, new_id)
    assert response.status_code == 200, response.text
    assert response.json() == {"deleteCount": 1}
    assert new_id not in {contact["id"] for contact in await list_contacts(api, customer_id)}
    assert_error(await get_contact(api, customer_id, new_id), 404, "CUSTOMER_CONTACT_NOT_FOUND")
    assert_error(await delete_contact(api, customer_id, new_id), 404, "CUSTOMER_CONTACT_NOT_FOUND")


async def test_deleting_the_default_promotes_the_lowest_order_by_of_its_type(api: Api) -> None:
    customer_id = await api.create_ok({"email": EMAIL, "primaryPhone": "+1555"})
    (first,) = default_ids(await list_contacts(api, customer_id), "PHONE")  # orderBy 0
    # Created first (lower id) but ordered later: the promotion follows orderBy, not the id.
    late = await add_contact(api, customer_id, {"contact": "+1556", "type": "PHONE", "orderBy": 7})
    early = await add_contact(api, customer_id, {"contact": "+1557", "type": "PHONE", "orderBy": 3})
    telegram = await add_contact(api, customer_id, {"contact": "ann_tg", "type": "TELEGRAM"})
    assert late < early

    assert (await delete_contact(api, customer_id, first)).json() == {"deleteCount": 1}
    contacts = await list_contacts(api, customer_id)
    assert default_ids(contacts, "PHONE") == [early]
    assert default_ids(contacts, "TELEGRAM") == [telegram]
    assert default_ids(contacts, "EMAIL") == [await email_contact_id(api, customer_id)]


async def test_deleting_a_non_default_contact_keeps_the_default(api: Api) -> None:
    customer_id = await api.create_ok({"email": EMAIL})
    own_id = await email_contact_id(api, customer_id)
    other = await add_contact(api, customer_id, {"contact": "b@ex.net", "type": "EMAIL"})
    assert (await delete_contact(api, customer_id, other)).json() == {"deleteCount": 1}
    assert default_ids(await list_contacts(api, customer_id), "EMAIL") == [own_id]


async def test_deleting_the_last_contact_of_a_type_leaves_the_others(api: Api) -> None:
    customer_id = await api.create_ok({"email": EMAIL})
    phone = await add_contact(api, customer_id, {"contact": "+1555", "type": "PHONE"})
    await delete_contact(api, customer_id, phone)
    contacts = await list_contacts(api, customer_id)
    assert [contact["type"] for contact in contacts] == ["EMAIL"]


# -- spec 5.4: the customer's own email contact, one default per type ---------------------------


async def refused_and_unchanged(
    api: Api, customer_id: int, before: dict[str, Any], response: httpx.Response
) -> str:
    """The change was a 400 WRONG_PARAMETER and left the customer as ``before``; its message."""
    assert_error(response, 400, "WRONG_PARAMETER")
    assert await api.get_ok(customer_id) == before
    message: str = response.json()["errorMessage"]
    return message


async def customer_with_phone(api: Api) -> tuple[int, int, int]:
    """A customer with its own EMAIL contact and one PHONE contact: (customer, email, phone)."""
    customer_id = await api.create_ok({"email": EMAIL, "primaryPhone": "+12125550100"})
    contacts = await list_contacts(api, customer_id)
    ((own,), (phone,)) = of_type(contacts, "EMAIL"), of_type(contacts, "PHONE")
    api.clock.advance(60)  # a change that slipped through would show in "updated"
    return customer_id, own["id"], phone["id"]


@pytest.mark.parametrize(
    "body",
    [
        {"type": "WHATSAPP", "default": False},  # the case of issue 14
        {"type": "WHATSAPP"},
        {"type": "OTHER", "contact": EMAIL},
    ],
)
async def test_own_email_contact_cannot_be_retyped(api: Api, body: dict[str, Any]) -> None:
    customer_id, own_id, _ = await customer_with_phone(api)
    before = await api.get_ok(customer_id)
    response = await put_contact(api, customer_id, own_id, body)
    assert "'type'" in await refused_and_unchanged(api, customer_id, before, response)


@pytest.mark.parametrize("other", ["bob@example.net", "ANN@example.net", " ann@example.net"])
async def test_own_email_contact_cannot_take_another_address(api: Api, other: str) -> None:
    customer_id, own_id, _ = await customer_with_phone(api)
    before = await api.get_ok(customer_id)
    response = await put_contact(api, customer_id, own_id, {"contact": other})
    assert "'contact'" in await refused_and_unchanged(api, customer_id, before, response)
    customer = await api.get_ok(customer_id)
    assert customer["email"] == EMAIL
    assert (await contact_ok(api, customer_id, own_id))["contact"] == EMAIL


async def test_own_email_contact_takes_other_fields_and_its_own_address(api: Api) -> None:
    customer_id, own_id, _ = await customer_with_phone(api)
    body = {"contact": EMAIL, "type": "EMAIL", "default": True, "note": "main", "handle": "ann"}
    response = await put_contact(api, customer_id, own_id, body)
    assert response.json() == {"updateCount": 1}
    own = await contact_ok(api, customer_id, own_id)
    assert (own["contact"], own["note"], own["handle"], own["default"]) == (
        EMAIL,
        "main",
        "ann",
        True,
    )


async def test_own_email_contact_cannot_stop_being_the_default(api: Api) -> None:
    customer_id, own_id, _ = await customer_with_phone(api)
    # A second EMAIL contact could take the default, but only the own one may hold it.
    await add_contact(api, customer_id, {"contact": "b@example.net", "type": "EMAIL"})
    before = await api.get_ok(customer_id)
    response = await put_contact(api, customer_id, own_id, {"default": False})
    assert "'default'" in await refused_and_unchanged(api, customer_id, before, response)
    assert (await contact_ok(api, customer_id, own_id))["default"] is True


async def test_own_email_contact_cannot_be_deleted(api: Api) -> None:
    customer_id, own_id, _ = await customer_with_phone(api)
    before = await api.get_ok(customer_id)
    response = await delete_contact(api, customer_id, own_id)
    message = await refused_and_unchanged(api, customer_id, before, response)
    assert message == (
        "The contact of the customer's email cannot be deleted: it follows the customer's email"
    )
    assert (await contact_ok(api, customer_id, own_id))["contact"] == EMAIL


@pytest.mark.parametrize("same", [EMAIL, "Ann@Example.NET", f" {EMAIL} "])
async def test_a_second_email_contact_of_the_customer_email_is_400(api: Api, same: str) -> None:
    customer_id, _, _ = await customer_with_phone(api)
    before = await api.get_ok(customer_id)
    response = await post_contact(api, customer_id, {"contact": same, "type": "EMAIL"})
    assert "'contact'" in await refused_and_unchanged(api, customer_id, before, response)


async def test_another_contact_cannot_become_the_customer_email(api: Api) -> None:
    customer_id, _, phone_id = await customer_with_phone(api)
    other_id = await add_contact(api, customer_id, {"contact": "b@example.net", "type": "EMAIL"})
    api.clock.advance(60)
    for contact_id, body in [
        (other_id, {"contact": "ANN@example.net"}),
        (phone_id, {"type": "EMAIL", "contact": EMAIL}),
    ]:
        before = await api.get_ok(customer_id)
        response = await put_contact(api, customer_id, contact_id, body)
        assert "'contact'" in await refused_and_unchanged(api, customer_id, before, response)


async def test_another_email_contact_cannot_take_the_default(api: Api) -> None:
    customer_id, own_id, _ = await customer_with_phone(api)
    before = await api.get_ok(customer_id)
    response = await post_contact(
        api, customer_id, {"contact": "b@example.net", "type": "EMAIL", "default": True}
    )
    assert "'default'" in await refused_and_unchanged(api, customer_id, before, response)

    other_id = await add_contact(api, customer_id, {"contact": "b@example.net", "type": "EMAIL"})
    api.clock.advance(60)
    before = await api.get_ok(customer_id)
    response = await put_contact(api, customer_id, other_id, {"default": True})
    assert "'default'" in await refused_and_unchanged(api, customer_id, before, response)
    assert default_ids(await list_contacts(api, customer_id), "EMAIL") == [own_id]


async def test_another_email_contact_keeps_default_false_as_sent(api: Api) -> None:
    customer_id, own_id, _ = await customer_with_phone(api)
    other_id = await add_contact(
        api, customer_id, {"contact": "b@example.net", "type": "EMAIL", "default": False}
    )
    response = await put_contact(api, customer_id, other_id, {"default": False, "note": "old"})
    assert response.json() == {"updateCount": 1}
    assert default_ids(await list_contacts(api, customer_id), "EMAIL") == [own_id]


async def test_default_false_on_the_only_contact_of_its_type_is_400(api: Api) -> None:
    customer_id, _, phone_id = await customer_with_phone(api)
    before = await api.get_ok(customer_id)
    response = await put_contact(api, customer_id, phone_id, {"default": False})
    message = await refused_and_unchanged(api, customer_id, before, response)
    assert "'default'" in message
    assert "PHONE" in message
    assert (await contact_ok(api, customer_id, phone_id))["default"] is True


async def test_retyping_to_a_new_type_with_default_false_is_400(api: Api) -> None:
    """The issue's body on a contact that may be retyped: it would be WHATSAPP's only one."""
    customer_id, _, phone_id = await customer_with_phone(api)
    body = {"type": "WHATSAPP", "default": False}
    before = await api.get_ok(customer_id)
    response = await put_contact(api, customer_id, phone_id, body)
    assert "'default'" in await refused_and_unchanged(api, customer_id, before, response)


async def test_retyping_to_a_new_type_makes_it_that_type_default(api: Api) -> None:
    customer_id, own_id, phone_id = await customer_with_phone(api)
    response = await put_contact(api, customer_id, phone_id, {"type": "WHATSAPP"})
    assert response.json() == {"updateCount": 1}
    contacts = await list_contacts(api, customer_id)
    assert default_ids(contacts, "WHATSAPP") == [phone_id]
    assert of_type(contacts, "PHONE") == []
    assert default_ids(contacts, "EMAIL") == [own_id]


async def test_default_false_on_the_default_hands_it_to_the_next_of_its_type(api: Api) -> None:
    customer_id, _, first = await customer_with_phone(api)  # PHONE orderBy 0, default
    late = await add_contact(api, customer_id, {"contact": "+2", "type": "PHONE", "orderBy": 9})
    early = await add_contact(api, customer_id, {"contact": "+3", "type": "PHONE", "orderBy": 4})

    response = await put_contact(api, customer_id, first, {"default": False})
    assert response.json() == {"updateCount": 1}
    contacts = await list_contacts(api, customer_id)
    assert default_ids(contacts, "PHONE") == [early]  # the lowest orderBy of the others (Q36)
    assert (await contact_ok(api, customer_id, first))["default"] is False  # kept as sent
    assert late != early


async def test_posting_a_first_contact_of_a_type_as_not_default_is_400(api: Api) -> None:
    customer_id, _, _ = await customer_with_phone(api)
    body = {"contact": "ann_tg", "type": "TELEGRAM", "default": False}
    before = await api.get_ok(customer_id)
    response = await post_contact(api, customer_id, body)
    assert "'default'" in await refused_and_unchanged(api, customer_id, before, response)
    assert of_type(await list_contacts(api, customer_id), "TELEGRAM") == []


async def test_posting_a_second_contact_as_not_default_keeps_it_as_sent(api: Api) -> None:
    customer_id, _, phone_id = await customer_with_phone(api)
    new_id = await add_contact(
        api, customer_id, {"contact": "+2", "type": "PHONE", "orderBy": 0, "default": False}
    )
    assert default_ids(await list_contacts(api, customer_id), "PHONE") == [phone_id]
    assert (await contact_ok(api, customer_id, new_id))["default"] is False


async def test_deleting_another_email_contact_keeps_the_own_one(api: Api) -> None:
    customer_id, own_id, _ = await customer_with_phone(api)
    other = await add_contact(api, customer_id, {"contact": "b@example.net", "type": "EMAIL"})
    assert (await delete_contact(api, customer_id, other)).json() == {"deleteCount": 1}
    (own,) = of_type(await list_contacts(api, customer_id), "EMAIL")
    assert (own["id"], own["contact"], own["default"]) == (own_id, EMAIL, True)


async def test_own_email_contact_follows_the_email_and_then_is_the_one_kept(api: Api) -> None:
    """After a PUT of the email, the rules follow the new address: the old one is free."""
    customer_id, own_id, _ = await customer_with_phone(api)
    response = await api.client.put(
        api.url(f"customers/{customer_id}"), json={"email": "ANN@example.net"}, headers=api.auth()
    )
    assert response.status_code == 200, response.text
    assert (await contact_ok(api, customer_id, own_id))["contact"] == "ANN@example.net"
    # Case-only respelling moved the contact: deleting it is still refused, under its new name.
    assert_error(await delete_contact(api, customer_id, own_id), 400, "WRONG_PARAMETER")


# -- ids ----------------------------------------------------------------------------------------


async def test_contact_ids_are_never_reused_after_a_delete(api: Api) -> None:
    customer_id = await api.create_ok({"email": EMAIL})
    first = await add_contact(api, customer_id, {"contact": "+1555", "type": "PHONE"})
    second = await add_contact(api, customer_id, {"contact": "+1556", "type": "PHONE"})
    await delete_contact(api, customer_id, second)
    await delete_contact(api, customer_id, first)

    third = await add_contact(api, customer_id, {"contact": "+1557", "type": "PHONE"})
    assert third not in (first, second)
    assert third > second


async def test_contact_ids_are_unique_across_customers(api: Api) -> None:
    ann = await api.create_ok({"email": EMAIL})
    bob = await api.create_ok({"email": "bob@example.net"})
    ids = [
        await add_contact(api, ann, {"contact": "+1555", "type": "PHONE"}),
        await add_contact(api, bob, {"contact": "+1555", "type": "PHONE"}),
        await add_contact(api, ann, {"contact": "+1556", "type": "PHONE"}),
    ]
    all_ids = [c["id"] for c in await list_contacts(api, ann) + await list_contacts(api, bob)]
    assert len(set(all_ids)) == len(all_ids) == 5
    assert ids == sorted(ids)


# -- not found ----------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
@pytest.mark.parametrize("contact_id", ["987654", "99999999999999999999"])
async def test_unknown_contact_is_404_contact_not_found(
    api: Api, method: str, contact_id: str
) -> None:
    customer_id = await api.create_ok({"email": EMAIL})
    before = await api.get_ok(customer_id)
    api.clock.advance(60)
    body = {"note": "x"} if method == "PUT" else None
    response = await api.client.request(
        method, api.url(contacts_path(customer_id, contact_id)), json=body, headers=api.auth()
    )
    assert_error(response, 404, "CUSTOMER_CONTACT_NOT_FOUND")
    assert await api.get_ok(customer_id) == before


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
async def test_contact_of_another_customer_is_404_and_untouched(api: Api, method: str) -> None:
    ann = await api.create_ok({"email": EMAIL})
    bob = await api.create_ok({"email": "bob@example.net"})
    bob_phone = await add_contact(api, bob, {"contact": "+1555", "type": "PHONE"})
    bob_before = await api.get_ok(bob)
    api.clock.advance(60)

    body = {"note": "hijacked", "default": True} if method == "PUT" else None
    response = await api.client.request(
        method, api.url(contacts_path(ann, bob_phone)), json=body, headers=api.auth()
    )
    assert_error(response, 404, "CUSTOMER_CONTACT_NOT_FOUND")
    assert await api.get_ok(bob) == bob_before
    assert bob_phone not in {contact["id"] for contact in await list_contacts(api, ann)}


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", contacts_path(987654), None),
        ("POST", contacts_path(987654), {"contact": "+1555", "type": "PHONE"}),
        ("GET", contacts_path(987654, 1), None),
        ("PUT", contacts_path(987654, 1), {"note": "x"}),
        ("DELETE", contacts_path(987654, 1), None),
    ],
)
async def test_unknown_customer_is_404_customer_not_found(
    api: Api, method: str, path: str, body: Any
) -> None:
    await api.create_ok({"email": EMAIL})  # customer 1 and contact 1 exist
    response = await api.client.request(method, api.url(path), json=body, headers=api.auth())
    assert_error(response, 404, "CUSTOMER_NOT_FOUND", "Customer #987654 not found")


async def test_customer_of_another_store_is_404(api: Api) -> None:
    await make_store(api.storage, 2002)
    other = await make_token(api.storage, 2002)
    customer_id = await api.create_ok({"email": EMAIL})
    contact_id = await email_contact_id(api, customer_id)
    response = await api.client.get(
        api.url(contacts_path(customer_id, contact_id), store_id=2002), headers=api.auth(other)
    )
    assert_error(response, 404, "CUSTOMER_NOT_FOUND")


async def test_non_numeric_contact_id_is_400(api: Api) -> None:
    customer_id = await api.create_ok({"email": EMAIL})
    response = await get_contact(api, customer_id, "abc")
    assert_error(response, 400, "WRONG_PARAMETER")


# -- the customer's "updated" -------------------------------------------------------------------


async def test_every_contact_change_bumps_the_customer_updated(api: Api) -> None:
    customer_id = await api.create_ok({"email": EMAIL})
    registered = (await api.get_ok(customer_id))["registered"]

    api.clock.advance(60)
    new_id = await add_contact(api, customer_id, {"contact": "+1555", "type": "PHONE"})
    after_create = await api.get_ok(customer_id)
    assert after_create["updated"] == ecwid_time(api.clock.now())
    assert after_create["registered"] == registered

    api.clock.advance(60)
    await put_contact(api, customer_id, new_id, {"note": "n"})
    assert (await api.get_ok(customer_id))["updated"] == ecwid_time(api.clock.now())

    api.clock.advance(60)
    await delete_contact(api, customer_id, new_id)
    after_delete = await api.get_ok(customer_id)
    assert after_delete["updated"] == ecwid_time(api.clock.now())
    assert after_delete["registered"] == registered


async def test_reading_contacts_does_not_bump_updated(api: Api) -> None:
    customer_id = await api.create_ok({"email": EMAIL})
    before = (await api.get_ok(customer_id))["updated"]
    api.clock.advance(60)
    contact_id = await email_contact_id(api, customer_id)
    await contact_ok(api, customer_id, contact_id)
    assert (await api.get_ok(customer_id))["updated"] == before


async def test_failed_change_does_not_bump_updated(api: Api) -> None:
    customer_id = await api.create_ok({"email": EMAIL})
    before = (await api.get_ok(customer_id))["updated"]
    api.clock.advance(60)
    assert (await post_contact(api, customer_id, {"type": "PHONE"})).status_code == 400
    assert (await delete_contact(api, customer_id, 987654)).status_code == 404
    assert (await api.get_ok(customer_id))["updated"] == before


# -- scopes -------------------------------------------------------------------------------------

ROUTES = [
    ("GET", "list", READ_CUSTOMERS),
    ("GET", "one", READ_CUSTOMERS),
    ("POST", "list", CREATE_CUSTOMERS),
    ("PUT", "one", UPDATE_CUSTOMERS),
    ("DELETE", "one", UPDATE_CUSTOMERS),
]


async def _call(api: Api, method: str, target: str, token: str) -> tuple[int, httpx.Response]:
    customer_id = await api.create_ok({"email": EMAIL, "primaryPhone": "+1555"})
    (contact_id,) = default_ids(await list_contacts(api, customer_id), "PHONE")
    path = (
        contacts_path(customer_id) if target == "list" else contacts_path(customer_id, contact_id)
    )
    body = {
        "POST": {"contact": "+1555", "type": "PHONE"},
        "PUT": {"note": "n"},
    }.get(method)
    response = await api.client.request(method, api.url(path), json=body, headers=api.auth(token))
    return customer_id, response


@pytest.mark.parametrize(("method", "target", "scope"), ROUTES)
async def test_scope_from_the_route_table_is_enough(
    api: Api, method: str, target: str, scope: str
) -> None:
    token = await make_token(api.storage, api.store_id, (scope,))
    _, response = await _call(api, method, target, token)
    assert response.status_code == 200, response.text
