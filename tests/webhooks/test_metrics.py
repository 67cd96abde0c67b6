"""Webhook delivery attempts are counted by outcome in ``ecwid_webhook_deliveries_total``."""

from __future__ import annotations

import asyncio

from prometheus_client import REGISTRY

from tests.support.receiver import arrived
from tests.webhooks.conftest import Hooked

DELIVERIES = "ecwid_webhook_deliveries_total"


def _count(outcome: str) -> float:
    return REGISTRY.get_sample_value(DELIVERIES, {"outcome": outcome}) or 0.0


async def test_attempts_are_counted_by_outcome(hooked: Hooked) -> None:
    before = {outcome: _count(outcome) for outcome in ("delivered", "retrying", "abandoned")}
    hooked.receiver.statuses = [500, 200]
    await hooked.api.create_ok({"email": "ann@example.net"})
    await arrived(hooked.receiver, 2)
    for _ in range(500):  # counted once the attempt is recorded, just after its answer
        if _count("delivered") > before["delivered"]:
            break
        await asyncio.sleep(0.02)
    grown = {outcome: _count(outcome) - count for outcome, count in before.items()}
    assert grown == {"delivered": 1, "retrying": 1, "abandoned": 0}
