"""Opening hours: is a contact open at a given moment, and when does it open next."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from bot.engine.model import Hours

DAYS = ("mo", "tu", "we", "th", "fr", "sa", "su")
WEEK = 7 * 24 * 60


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
    """The opening status at `now` (an aware datetime)."""
    if hours.always:
        return Status(open=True, always=True)
    local = now.astimezone(hours.tz)
    week_min = local.weekday() * 24 * 60 + local.hour * 60 + local.minute
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    monday = midnight - dt.timedelta(days=local.weekday())
    best: int | None = None
    for iv in hours.intervals:
        start, end = iv.weekday * 1440 + iv.start, iv.weekday * 1440 + iv.end
        if start <= week_min < end:
            return Status(open=True, always=False, until=_at(monday, end, hours.tz))
        ahead = (start - week_min) % WEEK
        best = ahead if best is None or ahead < best else best
    if best is None:
        return Status(open=False, always=False)
    return Status(open=False, always=False, next_open=_at(monday, week_min + best, hours.tz))


def _at(monday: dt.datetime, minutes: int, tz: dt.tzinfo) -> dt.datetime:
    """Wall-clock time `minutes` after local Monday 00:00 (DST-safe: built from the date)."""
    day = (monday + dt.timedelta(days=minutes // 1440)).date()
    minute = minutes % 1440
    return dt.datetime(day.year, day.month, day.day, minute // 60, minute % 60, tzinfo=tz)
