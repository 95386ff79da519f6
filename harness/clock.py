"""A clock that only moves when a test or bench moves it."""

from __future__ import annotations

import datetime as dt

# Monday 5 January 2026, 10:00 in Amsterdam: the Veilig Thuis chat is open.
FROZEN = dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC)


class FrozenClock:
    """A clock that only moves when a test moves it."""

    def __init__(self, now: dt.datetime = FROZEN) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **kw: float) -> None:
        """Move the clock forward (keywords as for `datetime.timedelta`)."""
        self.now += dt.timedelta(**kw)
