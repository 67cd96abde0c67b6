"""Fixtures for webhook delivery: a real receiver, a subscribed token, a running dispatcher.

The dispatcher runs in the test's event loop over the test's storage (both engines), with
Ecwid's retry schedule scaled down (15 minutes become 0.45 s) and short timeouts, so retries
and dead receivers take a second, not a day.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass

import pytest

from ecwid_customers import admin
from ecwid_customers.scopes import CUSTOMER_SCOPES
from ecwid_customers.storage.base import Storage
from ecwid_customers.storage.outbox import DeliveryView, TokenWebhook
from ecwid_customers.webhooks.dispatcher import Dispatcher
from tests.support import Api
from tests.support.receiver import Receiver, running

RETRY_SCALE = 0.0005  # 15 min -> 0.45 s, 30 min -> 0.9 s
TIMEOUT = 2.0  # connect and answer, in place of Ecwid's 3 s and 10 s


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    yield from running(Receiver())


@dataclass
class Hooked:
    """Store 1003 of ``api`` with a second token whose app receives webhooks."""

    api: Api
    receiver: Receiver
    token_id: int
    dispatcher: Dispatcher

    @property
    def storage(self) -> Storage:
        return self.api.storage

    async def deliveries(self) -> list[DeliveryView]:
        return await self.storage.list_deliveries(self.api.store_id)


async def subscribe(
    storage: Storage,
    store_id: int,
    receiver: Receiver,
    scopes: tuple[str, ...] = CUSTOMER_SCOPES,
    events: tuple[str, ...] | None = None,
) -> int:
    webhook = TokenWebhook(url=receiver.url, client_secret=receiver.secret, events=events)
    issued = await admin.issue_token(storage, store_id, scopes, webhook=webhook)
    return issued.info.id


@pytest.fixture
async def dispatcher(storage: Storage) -> AsyncIterator[Dispatcher]:
    running_dispatcher = Dispatcher(
        storage, retry_scale=RETRY_SCALE, connect_timeout=TIMEOUT, response_timeout=TIMEOUT
    )
    await running_dispatcher.start()
    yield running_dispatcher
    await running_dispatcher.stop()


@pytest.fixture
async def hooked(api: Api, receiver: Receiver, dispatcher: Dispatcher) -> Hooked:
    token_id = await subscribe(api.storage, api.store_id, receiver)
    return Hooked(api=api, receiver=receiver, token_id=token_id, dispatcher=dispatcher)
