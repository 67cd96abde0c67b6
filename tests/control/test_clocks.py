"""Per-store clocks: the units (StoreClock, Clocks) and ``/_control/stores/{id}/clock``, and that
``registered``/``updated`` of customers follow the store's clock."""

from __future__ import annotations

from typing import Any

import pytest

from ecwid_customers.control.clocks import Clocks, ClockState, StoreClock
from ecwid_customers.domain.clock import ManualClock
from tests.control.conftest import ApiStore, Kit

START = 1_704_067_200  # the ``clock`` fixture's time: 2024-01-01 00:00:00 UTC
T = 1_600_000_000  # 2020-09-13 12:26:40 UTC
T_TEXT = "2020-09-13 12:26:40 +0000"


# -- StoreClock and Clocks ---------------------------------------------------------------------


def test_store_clock_follows_real_time_until_told_otherwise() -> None:
    system = ManualClock(START)
    clock = StoreClock(system)
    system.advance(5)
    assert clock.now() == START + 5
    assert clock.state() == ClockState(
        now="2024-01-01 00:00:05 +0000", now_unix=START + 5, frozen=False, offset_seconds=0
    )


def test_frozen_clock_stands_still_and_advances_only_when_told() -> None:
    system = ManualClock(START)
    clock = StoreClock(system)
    clock.freeze()
    system.advance(100)
    assert clock.now() == START
    clock.advance(30)
    assert clock.now() == START + 30
    assert clock.state() == ClockState(
        now="2024-01-01 00:00:30 +0000", now_unix=START + 30, frozen=True, offset_seconds=-70
    )


def test_freeze_at_a_time_then_resume_runs_on_from_that_time() -> None:
    system = ManualClock(START)
    clock = StoreClock(system)
    clock.freeze(T)
    system.advance(50)
    assert clock.now() == T
    clock.resume()
    assert clock.now() == T  # no jump back to real time
    system.advance(7)
    assert clock.now() == T + 7
    assert clock.state().offset_seconds == T - (START + 50)
    assert clock.state().frozen is False


def test_advance_of_a_running_clock_shifts_it_and_may_go_back() -> None:
    system = ManualClock(START)
    clock = StoreClock(system)
    clock.advance(3600)
    clock.advance(-600)
    assert clock.now() == START + 3000
    system.advance(1)
    assert clock.now() == START + 3001
    assert clock.state().offset_seconds == 3000


def test_resume_of_a_running_clock_changes_nothing() -> None:
    system = ManualClock(START)
    clock = StoreClock(system, offset=10)
    clock.resume()
    assert clock.now() == START + 10


def test_freeze_of_a_shifted_clock_freezes_at_the_time_it_shows() -> None:
    system = ManualClock(START)
    clock = StoreClock(system, offset=60)
    clock.freeze()
    assert clock.frozen_at == START + 60


def test_clocks_give_the_system_clock_to_stores_without_one() -> None:
    system = ManualClock(START)
    clocks = Clocks(system)
    assert clocks.of(1) is system
    controlled = clocks.control(1)
    assert clocks.control(1) is controlled
    assert clocks.of(1) is controlled
    assert clocks.of(2) is system
    controlled.freeze(T)
    assert (clocks.of(1).now(), clocks.of(2).now()) == (T, START)
    clocks.forget(1)
    clocks.forget(3)  # unknown: nothing to do
    assert clocks.of(1) is system


# -- through HTTP ------------------------------------------------------------------------------


async def change(kit: Kit, store_id: int, **body: Any) -> dict[str, Any]:
    state: dict[str, Any] = await kit.ok("POST", f"/stores/{store_id}/clock", json=body)
    assert state == await kit.ok("GET", f"/stores/{store_id}/clock")
    return state


async def registered_and_updated(kit: Kit, store: ApiStore, customer_id: int) -> tuple[str, str]:
    customer = await kit.api_ok(store, "GET", f"customers/{customer_id}")
    return customer["registered"], customer["updated"]


async def test_new_store_clock_is_real_time(kit: Kit) -> None:
    await kit.new_store(id=1)
    assert await kit.ok("GET", "/stores/1/clock") == {
        "now": "2024-01-01 00:00:00 +0000",
        "nowUnix": START,
        "frozen": False,
        "offsetSeconds": 0,
    }
    kit.clock.advance(10)
    assert (await kit.ok("GET", "/stores/1/clock"))["nowUnix"] == START + 10


async def test_freeze_advance_resume_and_reset(kit: Kit) -> None:
    await kit.new_store(id=1)
    frozen = await change(kit, 1, freeze=True)
    assert (frozen["nowUnix"], frozen["frozen"]) == (START, True)
    kit.clock.advance(100)
    assert (await kit.ok("GET", "/stores/1/clock"))["nowUnix"] == START

    advanced = await change(kit, 1, advance=30)
    assert (advanced["nowUnix"], advanced["frozen"], advanced["offsetSeconds"]) == (
        START + 30,
        True,
        -70,
    )
    resumed = await change(kit, 1, resume=True)
    assert (resumed["nowUnix"], resumed["frozen"], resumed["offsetSeconds"]) == (
        START + 30,
        False,
        -70,
    )
    kit.clock.advance(5)
    assert (await kit.ok("GET", "/stores/1/clock"))["nowUnix"] == START + 35

    reset = await change(kit, 1, reset=True)
    assert reset == {
        "now": "2024-01-01 00:01:45 +0000",
        "nowUnix": START + 105,
        "frozen": False,
        "offsetSeconds": 0,
    }


@pytest.mark.parametrize(
    "frozen_at", [T, str(T), T_TEXT, "2020-09-13 12:26:40", "2020-09-13 07:26:40 -0500"]
)
async def test_frozen_at_takes_every_time_format_ecwid_reads(kit: Kit, frozen_at: Any) -> None:
    await kit.new_store(id=1)
    state = await change(kit, 1, frozenAt=frozen_at)
    assert state == {"now": T_TEXT, "nowUnix": T, "frozen": True, "offsetSeconds": T - START}


async def test_frozen_at_wins_over_freeze_and_advance_adds_to_it(kit: Kit) -> None:
    await kit.new_store(id=1)
    state = await change(kit, 1, frozenAt=T, freeze=True, advance=60)
    assert (state["nowUnix"], state["frozen"]) == (T + 60, True)


async def test_reset_then_freeze_in_one_call(kit: Kit) -> None:
    await kit.new_store(id=1, frozenAt=T)
    kit.clock.advance(9)
    state = await change(kit, 1, reset=True, freeze=True)
    assert (state["nowUnix"], state["frozen"]) == (START + 9, True)


async def test_empty_change_shows_the_clock(kit: Kit) -> None:
    await kit.new_store(id=1, frozenAt=T)
    state = await change(kit, 1)
    assert (state["nowUnix"], state["frozen"]) == (T, True)


async def test_customers_are_registered_and_updated_on_the_store_clock(kit: Kit) -> None:
    store = await kit.new_store(id=1)
    other = await kit.new_store(id=2)
    await change(kit, 1, frozenAt=T)
    customer_id = await kit.add_customer(store, "a@example.net")
    assert await registered_and_updated(kit, store, customer_id) == (T_TEXT, T_TEXT)

    await change(kit, 1, advance=3600)
    await kit.api_ok(store, "PUT", f"customers/{customer_id}", json={"name": "Ann"})
    assert await registered_and_updated(kit, store, customer_id) == (
        T_TEXT,
        "2020-09-13 13:26:40 +0000",
    )
    found = await kit.api_ok(store, "GET", params={"updatedFrom": "2020-09-13 13:00:00"})
    assert [item["id"] for item in found["items"]] == [customer_id]

    # The other store kept the server's clock.
    other_id = await kit.add_customer(other, "b@example.net")
    start_text = "2024-01-01 00:00:00 +0000"
    assert await registered_and_updated(kit, other, other_id) == (start_text, start_text)
    assert (await kit.ok("GET", "/stores/2/clock"))["frozen"] is False


async def test_running_shifted_clock_dates_customers_and_deletions(kit: Kit) -> None:
    store = await kit.new_store(id=1)
    await change(kit, 1, advance=-86_400)
    kit.clock.advance(2)
    customer_id = await kit.add_customer(store, "a@example.net")
    assert await registered_and_updated(kit, store, customer_id) == (
        "2023-12-31 00:00:02 +0000",
        "2023-12-31 00:00:02 +0000",
    )
    await kit.api_ok(store, "DELETE", f"customers/{customer_id}")
    deleted = await kit.api_ok(store, "GET", "customers/deleted")
    assert deleted["items"] == [{"id": customer_id, "date": "2023-12-31 00:00:02 +0000"}]


async def test_group_rename_touches_members_on_the_store_clock(kit: Kit) -> None:
    store = await kit.new_store(id=1, frozenAt=T)
    group = await kit.add_group(store, "VIP")
    customer_id = await kit.add_customer(store, "a@example.net", customerGroupId=group)
    await change(kit, 1, advance=60)
    await kit.api_ok(store, "PUT", f"customer_groups/{group}", json={"name": "Gold"})
    assert await registered_and_updated(kit, store, customer_id) == (
        T_TEXT,
        "2020-09-13 12:27:40 +0000",
    )


async def test_journal_times_follow_the_store_clock(kit: Kit) -> None:
    store = await kit.new_store(id=1, frozenAt=T)
    await kit.api_ok(store, "GET")
    await change(kit, 1, advance=1)
    await kit.api_ok(store, "GET")
    assert [entry["at"] for entry in await kit.journal(1)] == [
        T_TEXT,
        "2020-09-13 12:26:41 +0000",
    ]


async def test_clock_of_an_unknown_store_is_control_not_found(kit: Kit) -> None:
    await kit.control_error("GET", "/stores/5/clock", 404, "CONTROL_NOT_FOUND")
    await kit.control_error(
        "POST", "/stores/5/clock", 404, "CONTROL_NOT_FOUND", json={"freeze": True}
    )
    await kit.new_store(id=6)
    assert 5 not in kit.app.kit.clocks.by_store


@pytest.mark.parametrize(
    "body",
    [
        {"frozenAt": "yesterday"},
        {"frozenAt": 1.5},
        {"advance": "60"},
        {"freeze": "yes"},
        {"rewind": 5},
        [],
    ],
)
async def test_bad_clock_change_is_400_and_changes_nothing(kit: Kit, body: Any) -> None:
    await kit.new_store(id=1, frozenAt=T)
    await kit.control_error("POST", "/stores/1/clock", 400, "CONTROL_BAD_REQUEST", json=body)
    assert (await kit.ok("GET", "/stores/1/clock"))["nowUnix"] == T


async def test_time_out_of_range_is_400(kit: Kit) -> None:
    store = await kit.new_store(id=1)
    await kit.control_error(
        "POST", "/stores/1/clock", 400, "CONTROL_BAD_REQUEST", json={"frozenAt": 10**15}
    )
    assert (await kit.api(store, "POST", json={"email": "a@example.net"})).status_code == 200
