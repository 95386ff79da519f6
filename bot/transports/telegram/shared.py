"""Telegram on several processes sharing one Redis (README, "Two machines").

- SharedIntake: an update that arrives (by webhook at any process, or at the polling leader)
  goes into its conversation's queue in Redis, sealed, and is then confirmed to Telegram: from
  there whichever process holds the conversation's lock answers it (transports/turns.py), in
  order. Answered update ids go to the shared update log, so after a failover an update that
  Telegram delivers again, or that was queued twice, is answered once.
- LeadingPoller: exactly one process polls, the holder of a lease (transports/leader.py); when
  it dies, a standby polls within seconds and Telegram hands it what was not confirmed.
- When Redis cannot be reached, an update cannot be queued: the resident gets the calm "try
  again in a moment" line with 112 straight away, rather than nothing.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable, Sequence

from telegram import Bot, Update
from telegram.ext import Application

from bot.metrics import Metrics
from bot.store.base import UpdateLog
from bot.store.coordination import Lease, TurnQueue
from bot.transports.leader import Leader
from bot.transports.telegram.intake import Intake, tag
from bot.transports.telegram.receive import Poller
from bot.transports.turns import Turns

log = logging.getLogger(__name__)
KeyOf = Callable[[Update], str]
Apologize = Callable[[Update], Awaitable[None]]


class SharedIntake(Intake):
    """Queues updates in Redis instead of handling them here; nothing stays in flight."""

    def __init__(
        self,
        app: Application,  # type: ignore[type-arg]
        updates: UpdateLog,
        clock: Callable[[], int],
        metrics: Metrics,
        queue: TurnQueue,
        key_of: KeyOf,
        apologize: Apologize,
        urgent: Callable[[Update], bool] = lambda _: False,
        workers: int = 64,
    ) -> None:
        super().__init__(app, updates, clock, metrics, urgent, workers)
        self.key_of, self.apologize = key_of, apologize
        self.turns = Turns(queue, self._answer, metrics, workers)

    async def accept(self, batch: Sequence[Update]) -> list[asyncio.Task[None]]:
        """Queue the updates not answered before; they are confirmed to Telegram once queued."""
        try:
            fresh = set(await self.inbox.fresh([tag(u.update_id) for u in batch]))
            await self.turns.push(
                [
                    (self.key_of(u), json.dumps(u.to_dict()).encode(), self.urgent(u))
                    for u in batch
                    if tag(u.update_id) in fresh
                ]
            )
        except Exception as exc:  # Redis gone: answer now with 112 and "try again"
            self.metrics.inc("telegram_store_unreachable")
            log.error(
                "queueing updates failed: %s; answering with the fallback line", type(exc).__name__
            )
            for update in batch:
                await self.apologize(update)
        self.completed += len(batch)
        return []

    async def _answer(self, item: bytes) -> None:
        """A queued update, handled by this process because it holds its conversation."""
        update = Update.de_json(json.loads(item), self.app.bot)
        if not await self.inbox.fresh([tag(update.update_id)]):
            return  # answered before (queued twice around a failover)
        failed = await self._process(update)
        if failed is None:
            await self.inbox.done(tag(update.update_id))
        else:
            await self.inbox.give_up(tag(update.update_id), failed)

    async def drain(self, timeout: float) -> list[int] | None:
        """Nothing is in flight here: queued updates wait in Redis for any worker."""
        return None


class LeadingPoller:
    """A Poller that runs only while this process holds the polling lease."""

    def __init__(
        self, bot: Bot, intake: Intake, lease: Lease, name: str, metrics: Metrics, timeout: int
    ) -> None:
        self.bot, self.intake, self.timeout = bot, intake, timeout
        self.poller: Poller | None = None
        # With Redis gone for 10 s and nobody polling, poll anyway: residents then get the
        # fallback line with 112 (Telegram refuses a second poller with 409 by itself).
        self.leader = Leader(lease, name, self._lead, self._step_down, metrics, orphaned=10.0)

    async def _lead(self) -> None:
        self.poller = Poller(self.bot, self.intake, self.timeout)
        await self.poller.start()

    async def _step_down(self) -> None:
        if self.poller is not None:
            await self.poller.stop()
            self.poller = None

    async def start(self) -> None:
        """Lead or stand by."""
        self.leader.start()

    async def stop(self, drain: float = 10.0) -> None:
        """Stop polling (if leading) and free the lease for a standby."""
        await self.leader.stop()
