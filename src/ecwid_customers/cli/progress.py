"""A progress bar on standard error (rich) for long commands: seeding, large imports and
exports. Shown when standard error is a terminal, or for work of ``LARGE`` items or more
(a log then gets the final state); standard output stays the command's own."""

from __future__ import annotations

import sys
from types import TracebackType
from typing import Any

LARGE = 10_000


class progress:  # noqa: N801 - used like a function: ``with progress(...) as advance``
    """``with progress(label, total) as advance``: ``advance(n)`` moves the bar by ``n``
    items; ``total`` None is a step of unknown length (a spinner) over ``items`` items, which
    decide whether it is large. A class, not a generator: errors pass through untouched
    (Ecwid errors are frozen, and a generator's exit would write to them)."""

    def __init__(self, label: str, total: int | None, *, items: int = 0) -> None:
        self.label, self.total = label, total
        self.shown = sys.stderr.isatty() or max(total or 0, items) >= LARGE
        self._bar: Any = None
        self._task: Any = None

    def __enter__(self) -> progress:
        if self.shown:
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                SpinnerColumn,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )

            columns = (
                (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                 TimeElapsedColumn(), TimeRemainingColumn())
                if self.total is not None
                else (SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn())
            )  # fmt: skip
            self._bar = Progress(*columns, console=Console(stderr=True))
            self._bar.start()
            self._task = self._bar.add_task(self.label, total=self.total)
        return self

    def __call__(self, count: int) -> None:
        if self._bar is not None:
            self._bar.advance(self._task, count)

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._bar is not None:
            if self.total is None and error is None:
                self._bar.update(self._task, total=1, completed=1)
            self._bar.stop()
