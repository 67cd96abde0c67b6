"""Control endpoints for stores: throwaway stores, their tokens, resets and fixtures."""

from __future__ import annotations

import random
from typing import Any

import msgspec

from ecwid_customers import admin, errors
from ecwid_customers.control import fixtures
from ecwid_customers.control.clocks import control_time
from ecwid_customers.control.plane import ControlCall, decode
from ecwid_customers.domain.ids import is_store_id
from ecwid_customers.domain.models import Store
from ecwid_customers.domain.tokens import check_token_format
from ecwid_customers.http.responses import Response, json_response
from ecwid_customers.scopes import CUSTOMER_SCOPES, parse_scopes
from ecwid_customers.storage.base import StoreSummary
from ecwid_customers.storage.errors import StoreExists, TokenExists
from ecwid_customers.storage.outbox import TokenWebhook

# Where throwaway stores get their ids when the caller names none: clear of small ids people
# pick by hand, below 2^31 like Ecwid's.
AUTO_STORE_IDS = (100_000_000, 2**31 - 1)


class StoreSpec(fixtures.FixtureStore, kw_only=True):
    """A new store: its settings (as a fixture's ``store`` has them), and what comes with it."""

    scopes: list[str] | None = None  # of the token made with the store; None: every scope
    token: str | None = None  # pins the token's value (secret_... or public_...)
    frozen_at: str | int | None = None  # start the store's clock frozen at this time
    fixture: dict[str, Any] | None = None  # load this fixture into the new store
    # Where the token's app receives webhooks (a URL and a client secret go together).
    webhook_url: str | None = None
    client_secret: str | None = None
    webhook_events: list[str] | None = None  # None: every event the scopes allow


class TokenSpec(msgspec.Struct, rename="camel", kw_only=True, forbid_unknown_fields=True):
    scopes: list[str] | None = None
    token: str | None = None
    webhook_url: str | None = None
    client_secret: str | None = None
    webhook_events: list[str] | None = None


# The store settings of a create-store body, by their JSON name.
_SETTING_NAMES = {
    "languages": "languages",
    "legacySignIn": "legacy_sign_in",
    "customerGroupsEnabled": "customer_groups_enabled",
    "suspended": "suspended",
    "rateLimit": "rate_limit",
}


def _given_settings(body: bytes) -> list[str]:
    """The store settings a create-store body names (its other keys are not settings)."""
    sent = msgspec.json.decode(body)
    return [field for key, field in _SETTING_NAMES.items() if key in sent]


def _check_token_spec(spec: TokenSpec | StoreSpec) -> tuple[tuple[str, ...], TokenWebhook | None]:
    """The scopes and webhook the token will have; ``CONTROL_BAD_REQUEST`` for unknown
    scopes or events, a pinned value that is no token, or a webhook that cannot be sent."""
    try:
        if spec.token is not None:
            check_token_format(spec.token)
        webhook = admin.token_webhook(spec.webhook_url, spec.client_secret, spec.webhook_events)
        scopes = parse_scopes(",".join(spec.scopes)) if spec.scopes is not None else CUSTOMER_SCOPES
    except ValueError as error:
        raise errors.control_bad_request(str(error)) from None
    return scopes, webhook


def _store_view(summary: StoreSummary) -> dict[str, Any]:
    store = summary.store
    return {
        "id": store.id,
        "languages": list(store.languages),
        "legacySignIn": store.legacy_sign_in,
        "customerGroupsEnabled": store.customer_groups_enabled,
        "suspended": store.suspended,
        "rateLimit": store.rate_limit,
        "customers": summary.customers,
        "tokens": summary.tokens,
    }


async def _issue(call: ControlCall, store_id: int, spec: TokenSpec | StoreSpec) -> str:
    scopes, webhook = _check_token_spec(spec)
    try:
        issued = await admin.issue_token(
            call.storage, store_id, scopes, token=spec.token, webhook=webhook
        )
    except TokenExists:
        raise errors.control_conflict(f"store {store_id} already has that token") from None
    return issued.token


async def overview(call: ControlCall) -> Response:
    stores = await call.storage.list_stores()
    faults = call.kit.faults.list()
    return json_response(
        {"stores": len(stores), "faults": len(faults), "journalSize": call.kit.journal.size}
    )


async def list_stores(call: ControlCall) -> Response:
    return json_response([_store_view(s) for s in await call.storage.list_stores()])


async def _new_store(call: ControlCall, store: Store, pick_id: bool, now: int) -> int:
    if not pick_id:
        if not is_store_id(store.id):
            raise errors.control_bad_request("a store id is a positive integer")
        try:
            await call.storage.create_store(store, now=now)
        except StoreExists:
            raise errors.control_conflict(f"store {store.id} already exists") from None
        return store.id
    while True:
        candidate = random.randrange(*AUTO_STORE_IDS)
        try:
            await call.storage.create_store(msgspec.structs.replace(store, id=candidate), now=now)
        except StoreExists:
            continue
        return candidate


async def create_store(call: ControlCall) -> Response:
    body = await call.raw_body()
    spec: StoreSpec = decode(body, StoreSpec)
    fixtures.check_store_settings(spec)
    _check_token_spec(spec)  # before the store exists, so a refusal leaves nothing
    now = call.system.now()
    frozen_at = control_time(spec.frozen_at) if spec.frozen_at is not None else None
    store = Store(
        id=spec.id or 0,
        languages=tuple(spec.languages),
        legacy_sign_in=spec.legacy_sign_in,
        customer_groups_enabled=spec.customer_groups_enabled,
        suspended=spec.suspended,
        rate_limit=spec.rate_limit,
    )
    dump = None
    if spec.fixture is not None:
        fixture = fixtures.parse(msgspec.json.encode(spec.fixture))
        # Settings given beside the fixture win over the fixture's own, also for the
        # customers it creates (a password kept on legacy sign-in, a language enabled).
        given = {name: getattr(spec, name) for name in _given_settings(body)}
        fixture.store = msgspec.structs.replace(fixture.store, **given)
        dump = fixtures.to_dump(
            fixture, store_id=1, now=frozen_at if frozen_at is not None else now
        )
    store_id = await _new_store(call, store, spec.id is None, now)
    try:
        if dump is not None:
            settings = msgspec.structs.replace(dump.store, id=store_id)
            await call.storage.import_store(msgspec.structs.replace(dump, store=settings), now=now)
            await fixtures.make_tokens(call.storage, store_id, fixture)
        token = await _issue(call, store_id, spec)
    except BaseException:
        await call.storage.delete_store(store_id)  # no half-made store left behind
        raise
    call.kit.forget(store_id)
    if frozen_at is not None:
        call.kit.clocks.control(store_id).freeze(frozen_at)
    return json_response({"storeId": store_id, "token": token, "apiUrl": call.api_url(store_id)})


async def get_store(call: ControlCall) -> Response:
    store_id = call.number("storeId", "store")
    view = _store_view(await call.store(store_id))
    view["clock"] = call.kit.clocks.control(store_id).state()
    view["apiUrl"] = call.api_url(store_id)
    return json_response(view)


async def delete_store(call: ControlCall) -> Response:
    store_id = call.number("storeId", "store")
    if not await call.storage.delete_store(store_id):
        raise errors.control_not_found(f"store {store_id}")
    call.kit.forget(store_id)
    return json_response({"deleted": store_id})


async def reset_store(call: ControlCall) -> Response:
    store_id = call.number("storeId", "store")
    if not await call.storage.reset_store(store_id):
        raise errors.control_not_found(f"store {store_id}")
    call.kit.forget(store_id)
    return json_response({"reset": store_id})


async def reset_all(call: ControlCall) -> Response:
    stores = await call.storage.list_stores()
    for summary in stores:
        await call.storage.reset_store(summary.store.id)
    call.kit.forget_all()
    return json_response({"reset": len(stores)})


async def create_token(call: ControlCall) -> Response:
    store_id = call.number("storeId", "store")
    spec: TokenSpec = await call.body(TokenSpec)
    await call.store(store_id)
    return json_response({"storeId": store_id, "token": await _issue(call, store_id, spec)})


async def export_store(call: ControlCall) -> Response:
    store_id = call.number("storeId", "store")
    dump = await call.storage.export_store(store_id)
    if dump is None:
        raise errors.control_not_found(f"store {store_id}")
    return Response(200, fixtures.to_json(dump))


async def import_store(call: ControlCall) -> Response:
    store_id = call.number("storeId", "store")
    if not is_store_id(store_id):
        raise errors.control_bad_request("a store id is a positive integer")
    fixture = fixtures.parse(await call.raw_body())
    now = call.kit.clocks.of(store_id).now()
    dump = await fixtures.load(
        call.storage, fixture, store_id=store_id, now=now, stored_at=call.system.now()
    )
    call.kit.faults.clear(store_id)
    call.kit.journal.clear(store_id)
    return json_response({"storeId": store_id, "customers": len(dump.customers)})
