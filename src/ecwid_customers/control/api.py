"""The control plane: ``/_control/...``, the test kit's HTTP API (see docs/testing.md).

Outside Ecwid's URL space and answering only to the admin token, never to a store token.
Errors keep Ecwid's ``{"errorMessage", "errorCode"}`` shape with codes of their own
(``CONTROL_*``), so one client-side error handler serves both.
"""

from __future__ import annotations

import hmac
import random
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qsl

import msgspec

from ecwid_customers import admin, errors
from ecwid_customers.control import fixtures
from ecwid_customers.control.clocks import StoreClock
from ecwid_customers.control.faults import FaultRule
from ecwid_customers.control.kit import TestKit
from ecwid_customers.domain.clock import Clock, in_time_range, parse_ecwid_time
from ecwid_customers.domain.models import MAX_STORE_ID, Store
from ecwid_customers.domain.tokens import check_token_format
from ecwid_customers.http.asgi import Receive, Scope
from ecwid_customers.http.request import header, read_body
from ecwid_customers.http.responses import Response, json_response
from ecwid_customers.scopes import CUSTOMER_SCOPES, parse_scopes
from ecwid_customers.storage.base import Storage, StoreExists, StoreSummary, TokenExists

PREFIX = "/_control"
# Fixtures can be large; far above the API's own limit, still bounded.
MAX_BODY = 64 * 1024 * 1024
# Where throwaway stores get their ids when the caller names none: clear of small ids people
# pick by hand, below 2^31 like Ecwid's.
AUTO_STORE_IDS = (100_000_000, 2**31 - 1)


Handler = Callable[[Scope, Receive, list[str]], Awaitable[Response]]


class StoreSpec(fixtures.FixtureStore, kw_only=True):
    """A new store: its settings (as a fixture's ``store`` has them), and what comes with it."""

    scopes: list[str] | None = None  # of the token made with the store; None: every scope
    token: str | None = None  # pins the token's value (secret_... or public_...)
    frozen_at: str | int | None = None  # start the store's clock frozen at this time
    fixture: dict[str, Any] | None = None  # load this fixture into the new store


class TokenSpec(msgspec.Struct, rename="camel", kw_only=True, forbid_unknown_fields=True):
    scopes: list[str] | None = None
    token: str | None = None


class ClockChange(msgspec.Struct, rename="camel", kw_only=True, forbid_unknown_fields=True):
    freeze: bool | None = None  # true: stop the clock at its current time
    frozen_at: str | int | None = None  # stop it at this time
    advance: int | None = None  # seconds forward (negative: back)
    resume: bool | None = None  # run again from the time it shows
    reset: bool | None = None  # real time again


def _decode(body: bytes, kind: type[Any]) -> Any:
    try:
        return msgspec.json.decode(body or b"{}", type=kind)
    except msgspec.DecodeError as error:
        raise errors.control_bad_request(f"bad request body: {error}") from None


def _time(value: str | int) -> int:
    if isinstance(value, int):
        seconds = value
    else:
        try:
            seconds = parse_ecwid_time(value)
        except ValueError:
            raise errors.control_bad_request(f"cannot read the time {value!r}") from None
    return _in_range(seconds)


def _check_token_spec(spec: TokenSpec | StoreSpec) -> tuple[str, ...]:
    """The scopes the token will have; ``CONTROL_BAD_REQUEST`` for unknown ones or a pinned
    value that is no token."""
    try:
        if spec.token is not None:
            check_token_format(spec.token)
        return parse_scopes(",".join(spec.scopes)) if spec.scopes is not None else CUSTOMER_SCOPES
    except ValueError as error:
        raise errors.control_bad_request(str(error)) from None


def _in_range(seconds: int) -> int:
    if not in_time_range(seconds):
        raise errors.control_bad_request("a clock shows times from 1970 to the end of 9999")
    return seconds


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


class ControlPlane:
    def __init__(self, storage: Storage, kit: TestKit, admin_token: str, system: Clock) -> None:
        self.storage = storage
        self.kit = kit
        self._admin_token = admin_token.encode()
        self.system = system
        # (method, path pattern) -> handler; "*" matches one segment.
        self._routes: dict[tuple[str, tuple[str, ...]], Handler] = {
            ("GET", ()): self._overview,
            ("POST", ("reset",)): self._reset_all,
            ("GET", ("stores",)): self._list_stores,
            ("POST", ("stores",)): self._create_store,
            ("GET", ("stores", "*")): self._get_store,
            ("DELETE", ("stores", "*")): self._delete_store,
            ("POST", ("stores", "*", "reset")): self._reset_store,
            ("GET", ("stores", "*", "export")): self._export,
            ("POST", ("stores", "*", "import")): self._import,
            ("POST", ("stores", "*", "tokens")): self._create_token,
            ("GET", ("stores", "*", "clock")): self._get_clock,
            ("POST", ("stores", "*", "clock")): self._change_clock,
            ("GET", ("stores", "*", "journal")): self._journal,
            ("DELETE", ("stores", "*", "journal")): self._clear_journal,
            ("GET", ("faults",)): self._list_faults,
            ("POST", ("faults",)): self._add_fault,
            ("DELETE", ("faults",)): self._clear_faults,
            ("GET", ("faults", "*")): self._get_fault,
            ("DELETE", ("faults", "*")): self._delete_fault,
        }

    def _authorised(self, scope: Scope) -> bool:
        authorization = header(scope, b"authorization") or ""
        scheme, _, token = authorization.strip().partition(" ")
        # Constant time: how much of the token matched must not show in the timing.
        return scheme.lower() == "bearer" and hmac.compare_digest(
            token.strip().encode(), self._admin_token
        )

    async def handle(self, scope: Scope, receive: Receive) -> Response:
        if not self._authorised(scope):
            raise errors.control_unauthorised()
        path: str = scope["path"][len(PREFIX) :].strip("/")
        segments = path.split("/") if path else []
        pattern = tuple("*" if i % 2 == 1 else s for i, s in enumerate(segments))
        handler = self._routes.get((scope["method"], pattern))
        if handler is None:
            if any(p == pattern for _, p in self._routes):
                raise errors.method_not_allowed(scope["method"])
            raise errors.control_not_found(f"control endpoint /{path}")
        values = [s for i, s in enumerate(segments) if i % 2 == 1]
        return await handler(scope, receive, values)

    # -- helpers ---------------------------------------------------------------------------

    async def _body(self, scope: Scope, receive: Receive, kind: type[Any]) -> Any:
        return _decode(await read_body(scope, receive, MAX_BODY), kind)

    @staticmethod
    def _number(text: str, what: str) -> int:
        """A number from the path: anything else names nothing there is (404)."""
        if not _is_number(text):
            raise errors.control_not_found(f"{what} {text!r}")
        return int(text)

    @staticmethod
    def _query_number(query: dict[str, str], name: str) -> int | None:
        """A number from the query string: anything else is a bad request (400)."""
        text = query.get(name)
        if text is None:
            return None
        if not _is_number(text):
            raise errors.control_bad_request(f"{name} must be a whole number, not {text!r}")
        return int(text)

    async def _summary(self, store_id: int) -> StoreSummary:
        for summary in await self.storage.list_stores():
            if summary.store.id == store_id:
                return summary
        raise errors.control_not_found(f"store {store_id}")

    def _api_url(self, scope: Scope, store_id: int) -> str:
        host = header(scope, b"host") or "127.0.0.1"
        return f"http://{host}/api/v3/{store_id}"

    async def _issue(self, store_id: int, spec: TokenSpec | StoreSpec) -> str:
        scopes = _check_token_spec(spec)
        try:
            issued = await admin.issue_token(self.storage, store_id, scopes, token=spec.token)
        except TokenExists:
            raise errors.control_conflict(f"store {store_id} already has that token") from None
        return issued.token

    # -- stores ----------------------------------------------------------------------------

    async def _overview(self, scope: Scope, receive: Receive, values: list[str]) -> Response:
        stores = await self.storage.list_stores()
        return json_response(
            {
                "stores": len(stores),
                "faults": len(self.kit.faults.list()),
                "journalSize": self.kit.journal.size,
            }
        )

    async def _list_stores(self, scope: Scope, receive: Receive, values: list[str]) -> Response:
        return json_response([_store_view(s) for s in await self.storage.list_stores()])

    async def _create_store(self, scope: Scope, receive: Receive, values: list[str]) -> Response:
        body = await read_body(scope, receive, MAX_BODY)
        spec: StoreSpec = _decode(body, StoreSpec)
        fixtures.check_store_settings(spec)
        _check_token_spec(spec)  # before the store exists, so a refusal leaves nothing
        now = self.system.now()
        frozen_at = _time(spec.frozen_at) if spec.frozen_at is not None else None
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
        store_id = await self._new_store(store, spec.id is None, now)
        try:
            if dump is not None:
                store_settings = msgspec.structs.replace(dump.store, id=store_id)
                await self.storage.import_store(
                    msgspec.structs.replace(dump, store=store_settings), now=now
                )
            token = await self._issue(store_id, spec)
        except BaseException:
            await self.storage.delete_store(store_id)  # no half-made store left behind
            raise
        self.kit.forget(store_id)
        if frozen_at is not None:
            self.kit.clocks.control(store_id).freeze(frozen_at)
        return json_response(
            {"storeId": store_id, "token": token, "apiUrl": self._api_url(scope, store_id)}
        )

    async def _new_store(self, store: Store, pick_id: bool, now: int) -> int:
        if not pick_id:
            if not 0 < store.id <= MAX_STORE_ID:
                raise errors.control_bad_request("a store id is a positive integer")
            try:
                await self.storage.create_store(store, now=now)
            except StoreExists:
                raise errors.control_conflict(f"store {store.id} already exists") from None
            return store.id
        while True:
            candidate = random.randrange(*AUTO_STORE_IDS)
            try:
                await self.storage.create_store(
                    msgspec.structs.replace(store, id=candidate), now=now
                )
            except StoreExists:
                continue
            return candidate

    async def _get_store(self, scope: Scope, receive: Receive, values: list[str]) -> Response:
        store_id = self._number(values[0], "store")
        view = _store_view(await self._summary(store_id))
        view["clock"] = self.kit.clocks.control(store_id).state()
        view["apiUrl"] = self._api_url(scope, store_id)
        return json_response(view)

    async def _delete_store(self, scope: Scope, receive: Receive, values: list[str]) -> Response:
        store_id = self._number(values[0], "store")
        if not await self.storage.delete_store(store_id):
            raise errors.control_not_found(f"store {store_id}")
        self.kit.forget(store_id)
        return json_response({"deleted": store_id})

    async def _reset_store(self, scope: Scope, receive: Receive, values: list[str]) -> Response:
        store_id = self._number(values[0], "store")
        if not await self.storage.reset_store(store_id):
            raise errors.control_not_found(f"store {store_id}")
        self.kit.forget(store_id)
        return json_response({"reset": store_id})

    async def _reset_all(self, scope: Scope, receive: Receive, values: list[str]) -> Response:
        stores = await self.storage.list_stores()
        for summary in stores:
            await self.storage.reset_store(summary.store.id)
        self.kit.forget_all()
        return json_response({"reset": len(stores)})

    async def _create_token(self, scope: Scope, receive: Receive, values: list[str]) -> Response:
        store_id = self._number(values[0], "store")
        spec: TokenSpec = await self._body(scope, receive, TokenSpec)
        await self._summary(store_id)
        return json_response({"storeId": store_id, "token": await self._issue(store_id, spec)})

    # -- fixtures --------------------------------------------------------------------------

    async def _export(self, scope: Scope, receive: Receive, values: list[str]) -> Response:
        store_id = self._number(values[0], "store")
        dump = await self.storage.export_store(store_id)
        if dump is None:
            raise errors.control_not_found(f"store {store_id}")
        return Response(200, fixtures.to_json(dump))

    async def _import(self, scope: Scope, receive: Receive, values: list[str]) -> Response:
        store_id = self._number(values[0], "store")
        if not 0 < store_id <= MAX_STORE_ID:
            raise errors.control_bad_request("a store id is a positive integer")
        fixture = fixtures.parse(await read_body(scope, receive, MAX_BODY))
        now = self.kit.clocks.of(store_id).now()
        dump = fixtures.to_dump(fixture, store_id=store_id, now=now)
        await self.storage.import_store(dump, now=self.system.now())
        self.kit.faults.clear(store_id)
        self.kit.journal.clear(store_id)
        return json_response({"storeId": store_id, "customers": len(dump.customers)})

    # -- clock -----------------------------------------------------------------------------

    async def _get_clock(self, scope: Scope, receive: Receive, values: list[str]) -> Response:
        store_id = self._number(values[0], "store")
        await self._summary(store_id)
        return json_response(self.kit.clocks.control(store_id).state())

    async def _change_clock(self, scope: Scope, receive: Receive, values: list[str]) -> Response:
        store_id = self._number(values[0], "store")
        change: ClockChange = await self._body(scope, receive, ClockChange)
        await self._summary(store_id)
        frozen_at = _time(change.frozen_at) if change.frozen_at is not None else None
        # Work on a copy, so a change that would leave the clock out of range changes nothing.
        current = self.kit.clocks.by_store.get(store_id)
        clock = StoreClock(self.system)
        if current is not None and not change.reset:
            clock.frozen_at, clock.offset = current.frozen_at, current.offset
        if frozen_at is not None:
            clock.freeze(frozen_at)
        elif change.freeze:
            clock.freeze()
        if change.advance is not None:
            clock.advance(change.advance)
        if change.resume:
            clock.resume()
        _in_range(clock.now())
        self.kit.clocks.by_store[store_id] = clock
        return json_response(clock.state())

    # -- journal ---------------------------------------------------------------------------

    async def _journal(self, scope: Scope, receive: Receive, values: list[str]) -> Response:
        store_id = self._number(values[0], "store")
        await self._summary(store_id)  # 404 for a store that does not exist, as elsewhere
        query = _query(scope)
        entries = list(self.kit.journal.entries(store_id))
        if "method" in query:
            entries = [e for e in entries if e.method == query["method"].upper()]
        if "status" in query:
            entries = [e for e in entries if str(e.status) == query["status"]]
        if "path" in query:
            entries = [e for e in entries if query["path"] in e.path]
        after = self._query_number(query, "after")
        if after is not None:
            entries = [e for e in entries if e.seq > after]
        return json_response({"count": len(entries), "items": entries})

    async def _clear_journal(self, scope: Scope, receive: Receive, values: list[str]) -> Response:
        store_id = self._number(values[0], "store")
        await self._summary(store_id)
        self.kit.journal.clear(store_id)
        return json_response({"cleared": store_id})

    # -- faults ----------------------------------------------------------------------------

    async def _list_faults(self, scope: Scope, receive: Receive, values: list[str]) -> Response:
        store_id = self._query_number(_query(scope), "storeId")
        return json_response(self.kit.faults.list(store_id))

    async def _add_fault(self, scope: Scope, receive: Receive, values: list[str]) -> Response:
        rule: FaultRule = await self._body(scope, receive, FaultRule)
        if rule.store_id is not None:
            await self._summary(rule.store_id)  # a rule for no store would never fire
        return json_response(self.kit.faults.add(rule))

    async def _clear_faults(self, scope: Scope, receive: Receive, values: list[str]) -> Response:
        store_id = self._query_number(_query(scope), "storeId")
        return json_response({"removed": self.kit.faults.clear(store_id)})

    async def _get_fault(self, scope: Scope, receive: Receive, values: list[str]) -> Response:
        fault = self.kit.faults.get(self._number(values[0], "fault"))
        if fault is None:
            raise errors.control_not_found(f"fault {values[0]}")
        return json_response(fault)

    async def _delete_fault(self, scope: Scope, receive: Receive, values: list[str]) -> Response:
        fault_id = self._number(values[0], "fault")
        if not self.kit.faults.remove(fault_id):
            raise errors.control_not_found(f"fault {fault_id}")
        return json_response({"deleted": fault_id})


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


def _is_number(text: str) -> bool:
    """Digits only, and no more than a store id can have (2^63 - 1)."""
    return text.isascii() and text.isdigit() and len(text) <= 19 and int(text) <= MAX_STORE_ID


def _query(scope: Scope) -> dict[str, str]:
    return dict(parse_qsl(scope["query_string"].decode("latin-1")))
