"""GET /api/v3/{storeId}/customers/{customerId}, including responseFields."""

from __future__ import annotations

import pytest

from tests.support import Api, assert_error, full_customer_body, make_store, make_token


async def test_unknown_customer_is_404(api: Api) -> None:
    assert_error(await api.get(12345), 404, "CUSTOMER_NOT_FOUND", "Customer #12345 not found")


async def test_id_beyond_any_customer_is_404_not_500(api: Api) -> None:
    assert_error(await api.get(2**31), 404, "CUSTOMER_NOT_FOUND", f"Customer #{2**31} not found")
    assert_error(await api.get("9" * 40), 404, "CUSTOMER_NOT_FOUND")
    assert_error(await api.get("1" * 5000), 404, "CUSTOMER_NOT_FOUND")
    assert_error(await api.get("0" * 5000 + "1"), 404, "CUSTOMER_NOT_FOUND")


@pytest.mark.parametrize("customer_id", ["abc", "-1", "1.0", "1e3", "%20"])
async def test_non_numeric_id_is_400(api: Api, customer_id: str) -> None:
    assert_error(
        await api.get(customer_id), 400, "WRONG_PARAMETER", "Wrong parameter 'customerId' value"
    )


async def test_customer_of_another_store_is_not_found(api: Api) -> None:
    await make_store(api.storage, 2002)
    other = await make_token(api.storage, 2002)
    customer_id = await api.create_ok({"email": "secret@example.net"})
    response = await api.client.get(
        api.url(f"customers/{customer_id}", store_id=2002), headers=api.auth(other)
    )
    assert_error(response, 404, "CUSTOMER_NOT_FOUND")
    assert "secret@example.net" not in response.text


async def test_response_fields_keeps_only_named_keys(api: Api) -> None:
    customer_id = await api.create_ok(full_customer_body())
    response = await api.get(customer_id, responseFields="email,billingPerson(name,phone)")
    assert response.status_code == 200
    assert response.json() == {
        "email": "ann.smith@example.net",
        "billingPerson": {"name": "Ann Smith", "phone": "+12125550100"},
    }


async def test_response_fields_apply_to_each_list_item(api: Api) -> None:
    customer_id = await api.create_ok(full_customer_body())
    response = await api.get(customer_id, responseFields="id,shippingAddresses(city),stats")
    body = response.json()
    assert body == {
        "id": customer_id,
        "shippingAddresses": [{"city": "Tbilisi"}, {"city": "Toronto"}],
        "stats": {"numberOfOrders": 0, "salesValue": 0, "averageOrderValue": 0},
    }


async def test_response_fields_follow_object_order_and_ignore_unknown_names(api: Api) -> None:
    customer_id = await api.create_ok({"email": "a@example.net"})
    response = await api.get(customer_id, responseFields=" taxId , nope, id ,email")
    assert list(response.json()) == ["id", "email", "taxId"]


async def test_empty_response_fields_is_as_if_not_sent(api: Api) -> None:
    customer_id = await api.create_ok({"email": "a@example.net"})
    assert (await api.get(customer_id, responseFields="")).json() == await api.get_ok(customer_id)


@pytest.mark.parametrize("fields", ["billingPerson(name", "id)", "(id)", "billingPerson(name)x"])
async def test_malformed_response_fields_is_400(api: Api, fields: str) -> None:
    customer_id = await api.create_ok({"email": "a@example.net"})
    response = await api.get(customer_id, responseFields=fields)
    assert_error(response, 400, "WRONG_PARAMETER")
    assert "'responseFields'" in response.json()["errorMessage"]
