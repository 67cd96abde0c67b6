"""TestKit: the per-store state of the control plane, forgotten per store or all at once."""

from __future__ import annotations

from ecwid_customers.control.faults import FaultRule
from ecwid_customers.control.journal import JournalEntry
from ecwid_customers.control.kit import TestKit
from ecwid_customers.domain.clock import ManualClock

START = 1_704_067_200


def armed_kit(*store_ids: int) -> TestKit:
    """A kit where each store has a frozen clock, a fault rule and a journal entry; plus one
    rule for every store."""
    kit = TestKit.create(ManualClock(START), journal_size=10)
    for store_id in store_ids:
        kit.clocks.control(store_id).freeze(store_id)
        kit.faults.add(FaultRule(store_id=store_id, latency_ms=1))
        kit.journal.record(
            store_id,
            JournalEntry(
                seq=kit.journal.next_seq(),
                at="2024-01-01 00:00:00 +0000",
                method="GET",
                path=f"/api/v3/{store_id}/customers",
                status=200,
                duration_ms=0.0,
                request_bytes=0,
                response_bytes=0,
            ),
        )
    kit.faults.add(FaultRule(latency_ms=1))
    return kit


def test_create_sizes_the_journal() -> None:
    kit = TestKit.create(ManualClock(START), journal_size=7)
    assert kit.journal.size == 7
    assert kit.clocks.of(1).now() == START
    assert kit.faults.list() == []


def test_forget_drops_one_store_clock_faults_and_journal() -> None:
    kit = armed_kit(1, 2)
    kit.forget(1)
    assert kit.clocks.of(1).now() == START
    assert kit.clocks.of(2).now() == 2
    assert [view.store_id for view in kit.faults.list()] == [2, None]
    assert tuple(kit.journal.entries(1)) == ()
    assert len(tuple(kit.journal.entries(2))) == 1


def test_forget_of_a_store_without_state_changes_nothing() -> None:
    kit = armed_kit(1)
    kit.forget(5)
    assert kit.clocks.of(1).now() == 1
    assert len(kit.faults.list()) == 2
    assert len(tuple(kit.journal.entries(1))) == 1


def test_forget_all_drops_every_store_state_and_every_rule() -> None:
    kit = armed_kit(1, 2)
    kit.forget_all()
    assert kit.clocks.by_store == {}
    assert kit.faults.list() == []
    assert tuple(kit.journal.entries(1)) == tuple(kit.journal.entries(2)) == ()


def test_kit_is_not_collected_as_a_test_class() -> None:
    assert TestKit.__test__ is False
