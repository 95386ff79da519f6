"""The at-least-once inbox every transport uses: platforms deliver an update again until it is
confirmed (Telegram) or replay a sync batch after a restart (Matrix); the inbox makes sure each
is answered once, and, where a transport confirms updates before answering them, that none is
lost.

An update is `fresh` unless it was answered (or given up on) before; `done` records an answer;
`give_up` records an update whose handling failed for good, so that a poisoned update cannot
loop forever, and counts it as undelivered, never as answered. The ids are the platform's
running numbers or an HMAC of an event id, linked to no conversation; the log (store/base.py
UpdateLog) forgets them after a day.

`keep` writes an update to the short-lived inbox on disk (store/base.py PendingUpdates), sealed
with a key derived from the secret, before the platform is told it arrived; `done` and
`give_up` delete it the moment it is answered. After a crash, `backlog` reads back what was
confirmed but not answered.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bot.metrics import Metrics
from bot.store.base import Pending, PendingUpdates, UpdateLog

log = logging.getLogger(__name__)
RECENT = 1024  # answered ids also kept in memory, so a page fetched again skips them cheaply
Seal = Callable[[str, bytes], bytes]  # (id, data) -> sealed; and back


@dataclass(frozen=True)
class Kept:
    """An unanswered update read back from the inbox on disk, opened."""

    id: str
    seq: int
    data: bytes


class Inbox:
    """Answered-once bookkeeping over an UpdateLog, with a small memory in front of it, and
    (when given `pending` and the seal functions) the unanswered updates on disk."""

    def __init__(
        self,
        updates: UpdateLog,
        clock: Callable[[], int],
        metrics: Metrics,
        name: str,
        pending: PendingUpdates | None = None,
        seal: tuple[Seal, Seal] | None = None,
    ) -> None:
        self.updates, self.clock, self.metrics, self.name = updates, clock, metrics, name
        self.pending, self._seal = pending, seal
        self._recent: dict[str, None] = {}  # an ordered set, oldest first

    async def fresh(self, ids: Sequence[str]) -> list[str]:
        """The ids not answered before, in the given order."""
        unknown = [u for u in ids if u not in self._recent]
        answered = await self.updates.seen(unknown)
        if answered:
            self.metrics.inc(f"{self.name}_duplicates", len(answered))
        return [u for u in unknown if u not in answered]

    async def keep(self, update_id: str, seq: int, key: str, data: bytes) -> None:
        """Write an update to disk, sealed, before it is confirmed to the platform."""
        if self.pending is None or self._seal is None:
            return
        sealed = self._seal[0](update_id, data)
        await self.pending.put(Pending(update_id, seq, key, sealed), self.clock())

    async def read(self, update_id: str) -> bytes | None:
        """A kept update, opened; None when it is gone or no known secret opens it."""
        if self.pending is None or (item := await self.pending.get(update_id)) is None:
            return None
        return self._open(item)

    async def backlog(self, after: int, limit: int) -> list[Kept]:
        """The next kept updates in order (seq above `after`), opened; unreadable ones (a
        secret changed without VREDE_OLD_SECRET) are dropped and counted."""
        if self.pending is None:
            return []
        out = []
        for item in await self.pending.page(after, limit):
            data = self._open(item)
            if data is not None:
                out.append(Kept(item.id, item.seq, data))
        return out

    async def done(self, update_id: str) -> None:
        """Answered: never again, and off the disk now."""
        await self.updates.done(update_id, self.clock())
        if self.pending is not None:
            await self.pending.done(update_id)
        self._recent[update_id] = None
        if len(self._recent) > RECENT:
            del self._recent[next(iter(self._recent))]

    async def give_up(self, update_id: str, exc: BaseException) -> None:
        """Handling failed for good: counted as undelivered (not answered), logged by type
        only, and not tried again."""
        self.metrics.inc(f"{self.name}_given_up")
        self.metrics.inc("updates_given_up")
        self.metrics.inc("updates_undelivered")
        log.error("%s: giving up on an update: %s", self.name, type(exc).__name__)
        await self.done(update_id)

    def _open(self, item: Pending) -> bytes | None:
        assert self._seal is not None
        try:
            return self._seal[1](item.id, item.sealed)
        except Exception as exc:  # Unreadable: the secret changed; the row stays until purged
            self.metrics.inc(f"{self.name}_unreadable")
            log.warning("%s: a kept update cannot be opened: %s", self.name, type(exc).__name__)
            return None
