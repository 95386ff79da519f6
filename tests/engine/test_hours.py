"""Opening hours with an injected clock, across weekends and summer time."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from bot.engine.hours import parse_days, parse_time, status
from bot.engine.model import Hours, Interval

AMS = ZoneInfo("Europe/Amsterdam")
OFFICE = Hours(False, tuple(Interval(d, 9 * 60, 17 * 60) for d in range(5)), AMS)


def at(y: int, m: int, d: int, hh: int, mm: int = 0) -> dt.datetime:
    return dt.datetime(y, m, d, hh, mm, tzinfo=AMS)


@pytest.mark.parametrize(
    ("now", "is_open", "edge", "why"),
    [
        (at(2026, 1, 5, 9), True, at(2026, 1, 5, 17), "opening minute counts as open"),
        (at(2026, 1, 5, 16, 59), True, at(2026, 1, 5, 17), "last minute"),
        (at(2026, 1, 5, 17), False, at(2026, 1, 6, 9), "closing minute is closed"),
        (at(2026, 1, 9, 18), False, at(2026, 1, 12, 9), "Friday evening: Monday"),
        (at(2026, 1, 11, 12), False, at(2026, 1, 12, 9), "Sunday"),
        (at(2026, 3, 27, 18), False, at(2026, 3, 30, 9), "over the switch to summer time"),
    ],
)
def test_status(now: dt.datetime, is_open: bool, edge: dt.datetime, why: str) -> None:
    st = status(OFFICE, now.astimezone(dt.UTC))
    assert st.open is is_open, why
    assert (st.until if is_open else st.next_open) == edge, why


def test_always_open() -> None:
    assert status(Hours(True), at(2026, 1, 1, 3)).always


def test_parse() -> None:
    assert parse_days("mo-fr") == [0, 1, 2, 3, 4]
    assert parse_days("sa,su") == [5, 6]
    assert parse_days("fr-mo") == [4, 5, 6, 0]
    assert parse_time("24:00") == 1440
    with pytest.raises(ValueError):
        parse_time("25:00")
    with pytest.raises(ValueError):
        parse_days("xx")
