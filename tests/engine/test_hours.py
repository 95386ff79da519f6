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


def test_easter_and_the_holidays_that_follow_it() -> None:
    from bot.engine.hours import _easter, is_public_holiday

    assert _easter(2025) == dt.date(2025, 4, 20) and _easter(2026) == dt.date(2026, 4, 5)
    for day in ("2026-01-01", "2026-04-06", "2026-04-27", "2026-05-14", "2026-05-25", "2026-12-26"):
        assert is_public_holiday(dt.date.fromisoformat(day)), day
    assert is_public_holiday(dt.date(2025, 4, 26)), (
        "King's Day moves to Saturday when 27 April is a Sunday"
    )
    assert not is_public_holiday(dt.date(2026, 5, 5)), (
        "Liberation Day is a day off every fifth year"
    )
    assert not is_public_holiday(dt.date(2026, 4, 7))


def test_a_contact_closed_on_holidays_opens_after_them() -> None:
    hours = Hours(False, tuple(Interval(d, 9 * 60, 17 * 60) for d in range(5)), AMS, holidays=True)
    easter_monday = dt.datetime(2026, 4, 6, 10, 0, tzinfo=AMS)
    st = status(hours, easter_monday)
    assert not st.open and st.next_open == dt.datetime(2026, 4, 7, 9, 0, tzinfo=AMS)
    christmas_eve = dt.datetime(2026, 12, 24, 18, 0, tzinfo=AMS)
    assert status(hours, christmas_eve).next_open == dt.datetime(2026, 12, 28, 9, 0, tzinfo=AMS)
