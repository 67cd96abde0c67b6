"""How times are written: Ecwid's one format, for every second the API can show."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest

from ecwid_customers.domain.clock import LATEST_TIME, format_ecwid_time


def _by_datetime(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%d %H:%M:%S +0000")


@pytest.mark.parametrize(
    ("seconds", "written"),
    [
        (0, "1970-01-01 00:00:00 +0000"),
        (86_399, "1970-01-01 23:59:59 +0000"),
        (86_400, "1970-01-02 00:00:00 +0000"),
        (951_782_400, "2000-02-29 00:00:00 +0000"),
        (1_724_226_729, "2024-08-21 07:52:09 +0000"),
        (LATEST_TIME, "9999-12-31 23:59:59 +0000"),
    ],
)
def test_a_time_is_written_as_ecwid_writes_it(seconds: int, written: str) -> None:
    assert format_ecwid_time(seconds) == written


def test_every_second_agrees_with_the_calendar() -> None:
    picks = random.Random(12).sample(range(LATEST_TIME + 1), 20_000)
    assert [format_ecwid_time(s) for s in picks] == [_by_datetime(s) for s in picks]
