"""The test kit as a layer above the API: an ASGI app that wraps :class:`EcwidApp`.

It mounts the control plane under ``/_control``, and takes part in every API call through the
app's hook (``http/hooks.py``): the store's own clock, fault rules just before the view (an
error, a wait, a dropped connection), and a journal entry once the call is answered.
``serve --no-control`` serves the bare app instead, and none of this runs.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from typing import Any

from ecwid_customers.control import DROPPED
from ecwid_customers.control.faults import NOTHING
from ecwid_customers.control.journal import JournalEntry
from ecwid_customers.control.kit import TestKit
from ecwid_customers.control.plane import ControlPlane
from ecwid_customers.control.views import ROUTES
from ecwid_customers.domain.clock import Clock, format_ecwid_time
from ecwid_customers.domain.tokens import redact_query
from ecwid_customers.http.app import EcwidApp, is_control_path, respond
from ecwid_customers.http.asgi import Message, Receive, Scope, Send
from ecwid_customers.http.hooks import NoAnswer
from ecwid_customers.http.request import declared_length

logger = logging.getLogger("ecwid_customers.control")

# Returned instead of a response when a fault rule drops the connection: uvicorn then closes
# it without answering (server.py keeps its complaint about the return value out of the log).


class DropConnection(NoAnswer):
    def __init__(self, fault_id: int | None) -> None:
        super().__init__(f"fault {fault_id}")
        self.fault_id = fault_id


@dataclass(slots=True)
class _Call:
    """One API call as the kit sees it: the app's hooks, and what the journal records."""

    kit: TestKit
    store_id: int | None = None  # set once the store is known to exist
    arrived: int = 0  # the store's clock then
    fault_id: int | None = None
    request_bytes: int = 0

    def store_found(self, store_id: int) -> Clock:
        clock = self.kit.clocks.of(store_id)
        self.store_id, self.arrived = store_id, clock.now()
        return clock

    async def before_view(self, store_id: int, route: str, method: str) -> None:
        """Apply the fault rules that fire on this call."""
        outcome = self.kit.faults.outcome(store_id, route, method)
        if outcome is NOTHING:
            return
        self.fault_id = outcome.fault_id
        if outcome.latency:
            await asyncio.sleep(outcome.latency)
        if outcome.drop:
            raise DropConnection(outcome.fault_id)
        if outcome.error is not None:
            raise outcome.error


class KitApp:
    """The API with the test kit: what ``serve`` runs unless ``--no-control``."""

    def __init__(self, api: EcwidApp, admin_token: str) -> None:
        self.api = api
        # A batch's requests come through here too: journaled, clocked and faulted as calls.
        api.batches.app = self
        self.kit = TestKit.create(api.clock, api.settings.journal_size)
        self.plane = ControlPlane(
            api.storage, self.kit, admin_token, api.clock, ROUTES, api.settings
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> Any:
        # None, as ASGI wants; DROPPED only when a fault rule drops the connection.
        if scope["type"] == "lifespan":
            await self.api.lifespan(receive, send)
        elif scope["type"] == "http":
            if is_control_path(scope["path"]):
                await respond(scope, send, lambda: self.plane.handle(scope, receive))
            else:
                return await self._journaled(scope, receive, send)
        return None

    async def _journaled(self, scope: Scope, receive: Receive, send: Send) -> str | None:
        call = _Call(self.kit)
        started = time.perf_counter()

        async def counting_receive() -> Message:
            message = await receive()
            call.request_bytes += len(message.get("body", b""))
            return message

        try:
            response = await self.api.answer(scope, counting_receive, send, call)
        except DropConnection as drop:
            logger.info("fault %s dropped %s %s", drop.fault_id, scope["method"], scope["path"])
            response = None
            dropped = True
        else:
            dropped = False
        if call.store_id is not None:
            self.kit.journal.record(
                call.store_id,
                JournalEntry(
                    seq=self.kit.journal.next_seq(),
                    at=format_ecwid_time(call.arrived),
                    method=scope["method"],
                    path=scope["path"],
                    query=redact_query(scope["query_string"].decode("latin-1")),
                    status=response.status if response is not None else 0,
                    duration_ms=round((time.perf_counter() - started) * 1000, 3),
                    # What it sent, or (answered before its body was read: a refused token,
                    # a fault) what it announced.
                    request_bytes=call.request_bytes or declared_length(scope) or 0,
                    response_bytes=len(response.body) if response is not None else 0,
                    error_code=response.error_code if response is not None else None,
                    fault_id=call.fault_id,
                ),
            )
        return DROPPED if dropped else None
