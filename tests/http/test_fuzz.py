"""Fuzzing: schemathesis sends generated requests, valid and invalid, to every operation of the
OpenAPI document, and checks each answer against the document.

The checks: no 5xx; the status, content type, headers and body are ones the document lists for
the operation (error bodies included: the document names the ``errorCode`` values of each
status); every error body is exactly ``errorMessage`` and ``errorCode``, with the status the
catalogue gives that code; and the operation refuses a call without a token or with a wrong one.

SQLite only: everything above storage is shared by both engines, and storage has its own
suites on both; fuzzing PostgreSQL too would double the time for little. Each operation is one
pytest item (so xdist spreads them) with its own database holding one store, a token with every
customer scope, and a few customers, contacts, groups and an extra field whose ids and key the
generator uses half the time, so that generated calls reach the rules behind the 404s.

The seed is fixed so that a failure in CI happens again on a rerun; for a wider search, run with
``ECWID_FUZZ_SEED`` (any integer) and ``ECWID_FUZZ_EXAMPLES`` (cases per operation).
"""

from __future__ import annotations

import asyncio
import copy
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import Case, CheckContext, Response
from schemathesis import checks as st_checks

from ecwid_customers.domain.catalog import new_extra_field
from ecwid_customers.domain.clock import ManualClock
from ecwid_customers.domain.inputs import ExtraFieldDefinitionInput
from ecwid_customers.http.app import EcwidApp
from ecwid_customers.http.asgi import Receive, Scope, Send
from ecwid_customers.http.openapi import error_catalogue, openapi_document
from ecwid_customers.storage.sqlite.storage import SQLiteStorage
from tests.support import asgi_client, figures, make_store, make_token

STORE_ID = 1003
TOKEN = "secret_fuzz0123456789abcdef0123456789ab"
NOW = 1_704_067_200
# 40 cases for each of the 21 operations: about 15 s of CPU in all.
MAX_EXAMPLES = int(os.environ.get("ECWID_FUZZ_EXAMPLES", "40"))
SEED = int(os.environ.get("ECWID_FUZZ_SEED", "20240101"))

# What _seed makes, and the generator is told about: customers 1 and 2 (1 with contacts 1 and 2),
# groups 1 and 2 beside the General group 0, and one extra field.
CUSTOMER_IDS = (1, 2)
CONTACT_IDS = (1, 2)
GROUP_IDS = (0, 1, 2)
FIELD_KEY = "fUzz000"

_CONFIG = schemathesis.Config.from_dict(
    {
        "seed": SEED,
        "generation": {"max-examples": MAX_EXAMPLES, "database": "none"},
        # Stateful runs and the coverage phase would multiply the calls past the time budget.
        "phases": {"stateful": {"enabled": False}, "coverage": {"enabled": False}},
        "headers": {"Authorization": f"Bearer {TOKEN}"},
        # Half the time an id or key that exists: random ones are nearly always a 404, and the
        # rules of an update or a delete run only for a record that exists.
        "dictionaries": {
            "customers": {"values": list(CUSTOMER_IDS)},
            "contacts": {"values": list(CONTACT_IDS)},
            "groups": {"values": list(GROUP_IDS)},
            "keys": {"values": [FIELD_KEY]},
        },
        "parameters": {
            "path.storeId": STORE_ID,
            "path.customerId": {"dictionary": "customers", "probability": 0.5},
            "path.contactId": {"dictionary": "contacts", "probability": 0.5},
            "path.groupId": {"dictionary": "groups", "probability": 0.5},
            "path.key": {"dictionary": "keys", "probability": 0.5},
        },
    }
)
CATALOGUE = error_catalogue()


class CurrentApp:
    """The app schemathesis calls, forwarding to the running test's own app: schemathesis sends
    its auth probes to the schema's app, never to one given per call."""

    def __init__(self) -> None:
        self.app: EcwidApp | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        assert self.app is not None, "called outside a test"
        await self.app(scope, receive, send)


CURRENT = CurrentApp()
schema = schemathesis.openapi.from_dict(copy.deepcopy(openapi_document()), config=_CONFIG)
schema.app = CURRENT


def error_body_matches_catalogue(ctx: CheckContext, response: Response, case: Case[Any]) -> None:
    """An error is exactly ``errorMessage`` and ``errorCode``, with its catalogue status."""
    if response.status_code < 400:
        return
    body = response.json()
    assert isinstance(body, dict), body
    assert set(body) == {"errorMessage", "errorCode"}, body
    assert isinstance(body["errorMessage"], str), body
    assert body["errorMessage"], body
    assert CATALOGUE.get(body["errorCode"]) == response.status_code, body


CHECKS = [
    st_checks.not_a_server_error,
    st_checks.status_code_conformance,
    st_checks.content_type_conformance,
    st_checks.response_headers_conformance,
    st_checks.response_schema_conformance,
    st_checks.ignored_auth,
    error_body_matches_catalogue,
]


async def _seed(path: Path) -> None:
    storage = SQLiteStorage(path)
    await storage.open()
    try:
        await make_store(storage, STORE_ID, languages=("en", "fr"))
        await make_token(storage, STORE_ID, token=TOKEN)
        auth = {"Authorization": f"Bearer {TOKEN}"}
        base = f"/api/v3/{STORE_ID}"
        async with asgi_client(EcwidApp(storage, clock=ManualClock(NOW))) as client:
            for number in CUSTOMER_IDS:
                email = f"fuzz{number}@example.net"
                contacts = [{"contact": email, "type": "EMAIL"}, {"contact": "1", "type": "PHONE"}]
                for url, body in (
                    (f"{base}/customers", {"email": email, "contacts": contacts}),
                    (f"{base}/customer_groups", {"name": f"Group {number}"}),
                ):
                    response = await client.post(url, json=body, headers=auth)
                    assert response.status_code == 200, response.text
                    assert response.json()["id"] == number
            response = await client.get(f"{base}/customers/1/contacts", headers=auth)
            assert [item["id"] for item in response.json()["items"]] == list(CONTACT_IDS)
        # The API makes random keys; this one the generator knows.
        field = new_extra_field(ExtraFieldDefinitionInput(title="Source"), key=FIELD_KEY, now=NOW)
        assert await storage.create_extra_field(STORE_ID, field, now=NOW)
    finally:
        await storage.close()


@dataclass
class Calls:
    """What one operation's cases met: for the floor below and for docs/reliability.md."""

    operation: str = ""
    count: int = 0
    server_errors: int = 0
    failed: bool = False


@pytest.fixture
def calls(migrated_sqlite: Path) -> Iterator[Calls]:
    """The operation's database, seeded, behind ``CURRENT``; the cases that reached it."""
    asyncio.run(_seed(migrated_sqlite))
    # The storage is not opened here: schemathesis runs the app's lifespan on its own event
    # loop, which opens it there, and ends it when the test ends.
    CURRENT.app = EcwidApp(SQLiteStorage(migrated_sqlite), clock=ManualClock(NOW))
    counted = Calls()
    yield counted
    CURRENT.app = None
    figures.record(
        "fuzz",
        operation=counted.operation,
        cases=counted.count,
        server_errors=counted.server_errors,
    )
    # Hypothesis stops early when it cannot find new inputs; far fewer means it hardly ran.
    if not counted.failed:
        assert counted.count >= min(10, MAX_EXAMPLES), counted


# One database serves all the cases of an operation, on purpose: later cases meet what earlier
# ones created, changed and deleted.
@schema.parametrize()
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_fuzz(case: Case[Any], calls: Calls) -> None:
    calls.operation = case.operation.label
    checks = list(CHECKS)
    if "responseFields" in (case.query or {}):
        # The body is cut down to the fields asked for, so not the schema's whole object.
        checks.remove(st_checks.response_schema_conformance)
    response = case.call()
    calls.count += 1
    if response.status_code >= 500:
        calls.server_errors += 1
    try:
        case.validate_response(response, checks=checks)
    except BaseException:
        calls.failed = True  # the failure speaks for itself; the count would only add noise
        raise
