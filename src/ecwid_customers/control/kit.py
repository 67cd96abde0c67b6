"""The state the control plane keeps in the server's memory, per store."""

from __future__ import annotations

from dataclasses import dataclass

from ecwid_customers.control.clocks import Clocks
from ecwid_customers.control.faults import FaultBook
from ecwid_customers.control.journal import Journal
from ecwid_customers.domain.clock import Clock


@dataclass(slots=True)
class TestKit:
    clocks: Clocks
    faults: FaultBook
    journal: Journal

    __test__ = False  # not a pytest test class, whatever its name says

    @classmethod
    def create(cls, system: Clock, journal_size: int) -> TestKit:
        return cls(Clocks(system), FaultBook(), Journal(journal_size))

    def forget(self, store_id: int) -> None:
        """Drop the store's clock, faults and journal (on reset and delete)."""
        self.clocks.forget(store_id)
        self.faults.clear(store_id)
        self.journal.clear(store_id)

    def forget_all(self) -> None:
        self.clocks.by_store.clear()
        self.faults.clear()
        self.journal.clear_all()
