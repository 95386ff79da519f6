"""The at-least-once inbox every transport uses: platforms deliver an update again until it is
confirmed (Telegram) or replay a sync batch after a restart (Matrix); the inbox makes sure each
is answered once.

An update is `fresh` unless it was answered (or given up on) before; `done` records an answer;
`give_up` records an update whose handling failed, so that a poisoned update cannot loop
forever, and counts it. The ids are the platform's running numbers or an HMAC of an event id,
linked to no conversation; the log (store/base.py UpdateLog) forgets them after a day.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from bot.metrics import Metrics
from bot.store.base import UpdateLog

log = logging.getLogger(__name__)
RECENT = 1024  # answered ids also kept in memory, so a page fetched again skips them cheaply


class Inbox:
    """Answered-once bookkeeping over an UpdateLog, with a small memory in front of it."""

    def __init__(
        self, updates: UpdateLog, clock: Callable[[], int], metrics: Metrics, name: str
    ) -> None:
        self.updates, self.clock, self.metrics, self.name = updates, clock, metrics, name
        self._recent: dict[str, None] = {}  # an ordered set, oldest first

    async def fresh(self, ids: Sequence[str]) -> list[str]:
        """The ids not answered before, in the given order."""
        unknown = [u for u in ids if u not in self._recent]
        answered = await self.updates.seen(unknown)
        if answered:
            self.metrics.inc(f"{self.name}_duplicates", len(answered))
        return [u for u in unknown if u not in answered]

    async def done(self, update_id: str) -> None:
        """Answered: never again."""
        await self.updates.done(update_id, self.clock())
        self._recent[update_id] = None
        if len(self._recent) > RECENT:
            del self._recent[next(iter(self._recent))]

    async def give_up(self, update_id: str, exc: BaseException) -> None:
        """Handling failed: counted, logged by type only, and not tried again."""
        self.metrics.inc(f"{self.name}_given_up")
        self.metrics.inc("updates_given_up")
        log.error("%s: giving up on an update: %s", self.name, type(exc).__name__)
        await self.done(update_id)
