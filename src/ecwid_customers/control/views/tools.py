"""Control endpoints for the kit's tools: a store's clock, its journal, and fault rules."""

from __future__ import annotations

import msgspec

from ecwid_customers import errors
from ecwid_customers.control.clocks import StoreClock, control_time, in_clock_range
from ecwid_customers.control.faults import FaultRule
from ecwid_customers.control.plane import ControlCall
from ecwid_customers.http.responses import Response, json_response


class ClockChange(msgspec.Struct, rename="camel", kw_only=True, forbid_unknown_fields=True):
    freeze: bool | None = None  # true: stop the clock at its current time
    frozen_at: str | int | None = None  # stop it at this time
    advance: int | None = None  # seconds forward (negative: back)
    resume: bool | None = None  # run again from the time it shows
    reset: bool | None = None  # real time again


async def get_clock(call: ControlCall) -> Response:
    store_id = call.number("storeId", "store")
    await call.store(store_id)
    return json_response(call.kit.clocks.control(store_id).state())


async def change_clock(call: ControlCall) -> Response:
    store_id = call.number("storeId", "store")
    change: ClockChange = await call.body(ClockChange)
    await call.store(store_id)
    frozen_at = control_time(change.frozen_at) if change.frozen_at is not None else None
    # Work on a copy, so a change that would leave the clock out of range changes nothing.
    current = call.kit.clocks.by_store.get(store_id)
    clock = StoreClock(call.system)
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
    in_clock_range(clock.now())
    call.kit.clocks.by_store[store_id] = clock
    return json_response(clock.state())


async def journal(call: ControlCall) -> Response:
    store_id = call.number("storeId", "store")
    await call.store(store_id)  # 404 for a store that does not exist, as elsewhere
    query = call.query()
    entries = list(call.kit.journal.entries(store_id))
    if "method" in query:
        entries = [e for e in entries if e.method == query["method"].upper()]
    if "status" in query:
        entries = [e for e in entries if str(e.status) == query["status"]]
    if "path" in query:
        entries = [e for e in entries if query["path"] in e.path]
    after = call.query_number("after")
    if after is not None:
        entries = [e for e in entries if e.seq > after]
    return json_response({"count": len(entries), "items": entries})


async def clear_journal(call: ControlCall) -> Response:
    store_id = call.number("storeId", "store")
    await call.store(store_id)
    call.kit.journal.clear(store_id)
    return json_response({"cleared": store_id})


async def list_faults(call: ControlCall) -> Response:
    return json_response(call.kit.faults.list(call.query_number("storeId")))


async def add_fault(call: ControlCall) -> Response:
    rule: FaultRule = await call.body(FaultRule)
    if rule.store_id is not None:
        await call.store(rule.store_id)  # a rule for no store would never fire
    return json_response(call.kit.faults.add(rule))


async def clear_faults(call: ControlCall) -> Response:
    return json_response({"removed": call.kit.faults.clear(call.query_number("storeId"))})


async def get_fault(call: ControlCall) -> Response:
    fault = call.kit.faults.get(call.number("faultId", "fault"))
    if fault is None:
        raise errors.control_not_found(f"fault {call.params['faultId']}")
    return json_response(fault)


async def delete_fault(call: ControlCall) -> Response:
    fault_id = call.number("faultId", "fault")
    if not call.kit.faults.remove(fault_id):
        raise errors.control_not_found(f"fault {fault_id}")
    return json_response({"deleted": fault_id})
