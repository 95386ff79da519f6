"""Opening hours: is a contact open at a given moment, and when does it open next."""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass

from bot.engine.model import Hours, Interval

DAYS = ("mo", "tu", "we", "th", "fr", "sa", "su")
LOOKAHEAD = 15  # days searched for the next opening (past Christmas and a long weekend)


@dataclass(frozen=True)
class Status:
    """Open now (and until when), or closed (and when it opens next, in local time)."""

    open: bool
    always: bool
    until: dt.datetime | None = None
    next_open: dt.datetime | None = None


def parse_days(spec: str) -> list[int]:
    """'mo-fr' or 'sa,su' or 'mo' to weekday numbers; raises ValueError on bad input."""
    out: list[int] = []
    for part in spec.lower().replace(" ", "").split(","):
        first, _, last = part.partition("-")
        a, b = DAYS.index(first), DAYS.index(last or first)
        out.extend(range(a, b + 1) if a <= b else [*range(a, 7), *range(0, b + 1)])
    return out


def parse_time(spec: str) -> int:
    """'09:00' to minutes since midnight; '24:00' is allowed as an end."""
    hh, mm = spec.split(":")
    minutes = int(hh) * 60 + int(mm)
    if not 0 <= minutes <= 24 * 60 or not 0 <= int(mm) < 60:
        raise ValueError(spec)
    return minutes


def status(hours: Hours, now: dt.datetime) -> Status:
    """The opening status at `now` (an aware datetime); public holidays count when asked."""
    if hours.always:
        return Status(open=True, always=True)
    local = now.astimezone(hours.tz)
    minute = local.hour * 60 + local.minute
    for ahead in range(LOOKAHEAD):
        day = local.date() + dt.timedelta(days=ahead)
        if hours.holidays and is_public_holiday(day):
            continue
        for iv in sorted((iv for iv in hours.intervals if iv.weekday == day.weekday()), key=_start):
            if ahead == 0 and iv.start <= minute < iv.end:
                return Status(open=True, always=False, until=_on(day, iv.end, hours.tz))
            if ahead > 0 or iv.start > minute:
                return Status(open=False, always=False, next_open=_on(day, iv.start, hours.tz))
    return Status(open=False, always=False)


def is_public_holiday(day: dt.date) -> bool:
    """Dutch public holidays when most offices close (Liberation Day only every fifth year)."""
    return day in _holidays(day.year)


@functools.lru_cache(maxsize=8)
def _holidays(year: int) -> frozenset[dt.date]:
    easter = _easter(year)
    moving = {easter + dt.timedelta(days=n) for n in (0, 1, 39, 49, 50)}
    kings = dt.date(year, 4, 27)
    if kings.weekday() == 6:
        kings = dt.date(year, 4, 26)
    fixed = {dt.date(year, 1, 1), kings, dt.date(year, 12, 25), dt.date(year, 12, 26)}
    if year % 5 == 0:
        fixed.add(dt.date(year, 5, 5))
    return frozenset(moving | fixed)


def _easter(year: int) -> dt.date:
    """Easter Sunday (the anonymous Gregorian algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    el = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 19 * el) // 433
    month = (h + el - 7 * m + 90) // 25
    return dt.date(year, month, (h + el - 7 * m + 33 * month + 19) % 32)


def _start(iv: Interval) -> int:
    return iv.start


def _on(day: dt.date, minutes: int, tz: dt.tzinfo) -> dt.datetime:
    """Wall-clock time on a local date (DST-safe: built from the date); 24:00 is midnight."""
    if minutes >= 1440:
        day, minutes = day + dt.timedelta(days=1), minutes - 1440
    return dt.datetime(day.year, day.month, day.day, minutes // 60, minutes % 60, tzinfo=tz)
