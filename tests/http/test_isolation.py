"""Stores are isolated: every route refuses what it must refuse, and leaks nothing of store B.

The matrix is built from the route table itself (``ROUTES``), so a new route is covered by
every case below without anyone adding it here. Path values are the ids of real objects of
store B, so that a check that failed to refuse would find something to show or change.

For each route:
1. a valid all-scope token of store A on store B's URL -> 403 ``INVALID_API_TOKEN``;
2. a token of B lacking one of the route's scopes -> 403 naming that scope;
3. a revoked token of B -> 403 ``INVALID_API_TOKEN``;
4. a ``public_`` token of B, even with every scope -> 403 (spec 2.2);
5. A's own token on A's URL with B's ids -> 404 for routes with ids (ids are not guessable
   across stores), and answers from A alone for the others.

In every case no distinctive value of B appears in the response, and nothing in B changes.
The control test shows both checks can fail: B's own token gets B's values back (so the
markers are what a leak would carry), and its writes do change B's snapshot.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from ecwid_customers import admin
from ecwid_customers.http.routes import ROUTES, Route
from ecwid_customers.scopes import CUSTOMER_SCOPES
from tests.support import Api, assert_error, make_store, make_token

STORE_B = 2002

# Distinctive values of store B: ASCII (so JSON escaping cannot hide one) and long enough that
# no error message or generated value contains one by chance.
B_EMAIL = "quintessa.marblewood@store-b.example"
B_NAME = "Quintessa Marblewood"
B_PHONE = "+15550199123"
B_GROUP = "Isolation Group Xylophone"
B_FIELD_TITLE = "Favourite Zeppelin Model"
B_FIELD_VALUE = "Secret-Extra-Value-Q7Z"
B_HANDLE = "quintessa_on_telegram"
B_NOTES = "Private note Kumquat-88"
MARKERS = (B_EMAIL, B_NAME, B_PHONE, B_GROUP, B_FIELD_TITLE, B_FIELD_VALUE, B_HANDLE, B_NOTES)

# What a write sends, by the route's literal path segments: each is a valid body that, if
# accepted, visibly changes B (a new customer, a new email, a renamed group...). A new write
# route under a new path fails here with a KeyError: give it a body.
WRITE_BODIES: dict[tuple[str, ...], dict[str, Any]] = {
    ("customers",): {"email": "written.by.isolation.test@new.example", "taxId": "CHANGED"},
    ("customers", "contacts"): {"contact": "written by isolation test", "type": "OTHER"},
    ("customer_groups",): {"name": "Written by isolation test"},
    ("store_extrafields", "customers"): {"title": "Written by isolation test", "type": "TEXT"},
}

# Reads that together show everything stored in a store (search items are whole customers).
SNAPSHOT_PATHS = (
    "customers",
    "customers/deleted",
    "customer_groups",
    "store_extrafields/customers",
)


# The Batch API's routes store nothing of their own: each request of a batch is one of the
# routes below, run as a direct call, and tests/http/test_batch.py holds a batch's ticket to
# its store and token.
STORE_ROUTES = tuple(route for route in ROUTES if route.segments[0] != "batch")


def _route_id(route: Route) -> str:
    return f"{route.method} {route.path}"


@dataclass
class World:
    """Store A (the ``api`` fixture's 1003) and store B with one customer full of markers."""

    a: Api
    b: Api  # B's URL, with an all-scope token of B
    path_values: dict[str, str]  # {customerId} etc.: ids of B's objects, none of which A has

    def path(self, route: Route) -> str:
        try:
            return route.path.format(**self.path_values)
        except KeyError as missing:
            raise AssertionError(f"no value of store B for {missing} in {route.path}") from None

    async def call(self, api: Api, route: Route, token: str) -> httpx.Response:
        """``route`` on ``api``'s store, with B's ids in the path."""
        literals = tuple(s for s in route.segments if not s.startswith("{"))
        body = WRITE_BODIES[literals] if route.method in ("POST", "PUT") else None
        return await api.client.request(
            route.method, api.url(self.path(route)), json=body, headers=api.auth(token)
        )

    async def snapshot(self, api: Api) -> list[Any]:
        """Everything the store holds, read with its own all-scope token."""
        found = []
        for path in SNAPSHOT_PATHS:
            response = await api.client.get(api.url(path), headers=api.auth())
            assert response.status_code == 200, response.text
            found.append(response.json())
        return found


async def _created(api: Api, path: str, body: dict[str, Any]) -> Any:
    response = await api.client.post(api.url(path), json=body, headers=api.auth())
    assert response.status_code == 200, response.text
    return response.json()


@pytest.fixture
async def world(api: Api) -> World:
    # Store A: one customer, so A has ids of its own (customer 1, contact 1) but no groups
    # and no extra fields.
    await _created(api, "customers", {"email": "ann@store-a.example"})

    await make_store(api.storage, STORE_B)
    b = Api(
        client=api.client,
        storage=api.storage,
        store_id=STORE_B,
        token=await make_token(api.storage, STORE_B),
        clock=api.clock,
    )
    # Ids count per store, so B first makes ids A also has: the marked objects get ids that
    # exist only in B, and a 404 through A then means "not found", not "someone else's".
    for n in (1, 2):
        await _created(b, "customers", {"email": f"padding{n}@store-b.example"})
    group_id = (await _created(b, "customer_groups", {"name": B_GROUP}))["id"]
    key = (await _created(b, "store_extrafields/customers", {"title": B_FIELD_TITLE}))["key"]
    customer_id = (
        await _created(
            b,
            "customers",
            {
                "email": B_EMAIL,
                "billingPerson": {"name": B_NAME, "phone": B_PHONE},
                "customerGroupId": group_id,
                "contacts": [{"contact": B_HANDLE, "handle": B_HANDLE, "type": "TELEGRAM"}],
                "privateAdminNotes": B_NOTES,
                "extrafields": [{"key": key, "value": B_FIELD_VALUE}],
            },
        )
    )["id"]
    customer = await b.get_ok(customer_id)
    contact_id = next(c["id"] for c in customer["contacts"] if c["type"] == "TELEGRAM")
    a_customer = await api.get_ok(1)
    assert customer_id != a_customer["id"]
    assert contact_id not in {c["id"] for c in a_customer["contacts"]}
    assert await api.storage.get_customer_group(api.store_id, group_id) is None
    values = {"customerId": customer_id, "contactId": contact_id, "groupId": group_id, "key": key}
    return World(a=api, b=b, path_values={name: str(value) for name, value in values.items()})


def _leaks(response: httpx.Response) -> list[str]:
    return [marker for marker in MARKERS if marker.encode() in response.content]


def _required_scopes(route: Route) -> Iterator[tuple[frozenset[str], str]]:
    """Scope sets to take away from a full token, and the scope the 403 must then name."""
    for scope in route.scopes:
        yield frozenset({scope}), scope
    if route.any_of:
        # Either scope would do, so both go; the first is the one named.
        yield frozenset(route.any_of), route.any_of[0]


def _first_required(route: Route) -> str:
    return next(iter(route.scopes), route.any_of[0] if route.any_of else "")


async def _revoked_token(api: Api) -> str:
    issued = await admin.issue_token(api.storage, api.store_id, CUSTOMER_SCOPES)
    assert await api.storage.revoke_token(issued.info.id, now=1_800_000_000)
    return issued.token


def test_every_route_needs_a_scope() -> None:
    # A route that asks for no scope would let public tokens through: case 4 relies on this.
    assert all(route.scopes or route.any_of for route in ROUTES)


@pytest.mark.parametrize("route", STORE_ROUTES, ids=_route_id)
async def test_control_b_sees_and_changes_its_own_data(world: World, route: Route) -> None:
    before = await world.snapshot(world.b)
    response = await world.call(world.b, route, world.b.token)
    assert response.status_code == 200, response.text
    after = await world.snapshot(world.b)
    if route.method == "GET":
        assert after == before
    else:
        assert after != before, "the write body changes nothing: the refusal tests prove nothing"


async def test_control_markers_are_what_b_reads_back(world: World) -> None:
    # Every marker reaches B's own token through some read: their absence elsewhere means
    # something.
    seen = set()
    for route in STORE_ROUTES:
        if route.method == "GET":
            seen.update(_leaks(await world.call(world.b, route, world.b.token)))
    assert seen == set(MARKERS)


async def _refused(
    world: World, route: Route, token: str, status: int, code: str, message: str | None = None
) -> None:
    """``route`` on B's URL with ``token``: refused as said, showing and changing nothing."""
    before = await world.snapshot(world.b)
    response = await world.call(world.b, route, token)
    assert_error(response, status, code, message)
    assert _leaks(response) == []
    assert await world.snapshot(world.b) == before


async def _other_store_token(world: World, route: Route) -> None:
    await _refused(world, route, world.a.token, 403, "INVALID_API_TOKEN")


async def _missing_scope(world: World, route: Route) -> None:
    for taken, named in _required_scopes(route):
        scopes = tuple(scope for scope in CUSTOMER_SCOPES if scope not in taken)
        token = await make_token(world.b.storage, STORE_B, scopes)
        message = f"Access token doesn't have {named} scope"
        await _refused(world, route, token, 403, "INSUFFICIENT_APP_SCOPE", message)


async def _revoked(world: World, route: Route) -> None:
    await _refused(world, route, await _revoked_token(world.b), 403, "INVALID_API_TOKEN")


async def _public(world: World, route: Route) -> None:
    # Every scope, and still nothing: public tokens are for storefront data (spec 2.2).
    token = await make_token(world.b.storage, STORE_B, CUSTOMER_SCOPES, token="public_" + "p" * 32)
    message = f"Access token doesn't have {_first_required(route)} scope"
    await _refused(world, route, token, 403, "INSUFFICIENT_APP_SCOPE", message)


async def _ids_of_another_store(world: World, route: Route) -> None:
    # A's token on A's URL is fully authorised: only the ids are B's. Routes with ids must
    # not find B's objects; routes without answer from A alone.
    before_a, before_b = await world.snapshot(world.a), await world.snapshot(world.b)
    response = await world.call(world.a, route, world.a.token)
    assert _leaks(response) == []
    assert await world.snapshot(world.b) == before_b
    if "{" in route.path:
        assert response.status_code == 404, response.text
        code = response.json()["errorCode"]
        assert_error(response, 404, code)
        assert code.endswith("_NOT_FOUND"), code
        assert await world.snapshot(world.a) == before_a
    else:
        assert response.status_code == 200, response.text


CASES = {
    "token of store A on B's URL": _other_store_token,
    "B's token without the route's scope": _missing_scope,
    "B's revoked token": _revoked,
    "B's public token": _public,
    "A's token on A's URL with B's ids": _ids_of_another_store,
}


@pytest.mark.parametrize("route", STORE_ROUTES, ids=_route_id)
async def test_route_refuses_and_leaks_nothing(world: World, route: Route) -> None:
    # The cases share one test per route: the database fixtures cost more than the cases
    # (on PostgreSQL several times more), and the failures of every case are reported.
    failures = []
    for case, check in CASES.items():
        try:
            await check(world, route)
        except AssertionError as error:
            failures.append(f"{case}: {error}")
    assert not failures, "\n".join(failures)
