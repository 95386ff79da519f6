"""ISO weeks in Dutch local time: the only unit of time the figures know."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

LOCAL = ZoneInfo("Europe/Amsterdam")
WEEK = re.compile(r"^(\d{4})-W(\d{2})$")
# A week is published only when it has ended and one more week has passed: late conversations
# are in, and a figure cannot be watched while it grows.
DELAY_WEEKS = 1


def week_of(moment: dt.datetime) -> str:
    """The ISO week of a moment (timezone-aware), in Dutch local time: "2026-W05"."""
    year, week, _ = moment.astimezone(LOCAL).isocalendar()
    return f"{year}-W{week:02d}"


def monday(week: str) -> dt.date:
    """The Monday a week starts on; ValueError for a badly written week."""
    found = WEEK.match(week)
    if found is None:
        raise ValueError(f"not an ISO week (like 2026-W05): {week!r}")
    return dt.date.fromisocalendar(int(found[1]), int(found[2]), 1)


def span(first: str, last: str) -> list[str]:
    """Every week from `first` to `last`, both included."""
    start, end = monday(first), monday(last)
    if end < start:
        raise ValueError(f"{last} comes before {first}")
    return [week_of_date(start + dt.timedelta(weeks=n)) for n in range((end - start).days // 7 + 1)]


def week_of_date(day: dt.date) -> str:
    """The ISO week of a date."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def parse_range(text: str) -> tuple[str, str]:
    """ "2026-W40..2026-W48" (or one week) -> (first, last), checked."""
    first, _, last = text.partition("..")
    last = last or first
    span(first, last)
    return first, last


def reportable(week: str, today: dt.date) -> bool:
    """Week W may be published from the Monday of week W+2 on."""
    return today >= monday(week) + dt.timedelta(weeks=1 + DELAY_WEEKS)
