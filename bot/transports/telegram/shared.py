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
import logging
from collections.abc import Awaitable, Callable, Sequence

from telegram import Bot, Update

from bot.metrics import Metrics
from bot.store.coordination import Lease, TurnQueue
from bot.transports.inbox import Inbox
from bot.transports.leader import Leader
from bot.transports.telegram.intake import Hooks, Intake, answer, chat_of, tag
from bot.transports.telegram.receive import Poller
from bot.transports.turns import Turns

log = logging.getLogger(__name__)
Apologize = Callable[[Update], Awaitable[None]]


class SharedIntake(Intake):
    """Queues updates in Redis instead of keeping them on this machine's disk; nothing stays
    in flight here that another process could not answer."""

    def __init__(
        self,
        hooks: Hooks,
        inbox: Inbox,
        metrics: Metrics,
        queue: TurnQueue,
        apologize: Apologize,
        workers: int = 64,
    ) -> None:
        super().__init__(hooks, inbox, metrics, workers)
        self.apologize = apologize
        self.turns = Turns(queue, self._answer, metrics, workers)

    async def accept(self, batch: Sequence[Update]) -> list[asyncio.Task[None]]:
        """Queue the updates not answered before; they are confirmed to Telegram once queued."""
        try:
            fresh = set(await self.inbox.fresh([tag(u.update_id) for u in batch]))
            await self.turns.push(
                [
                    (self.hooks.key(chat_of(u)), self.hooks.encode(u), self.hooks.urgent(u))
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

    async def resume(self) -> int:
        """Nothing to read back: what was confirmed waits in Redis, for any process."""
        return 0

    async def _answer(self, item: bytes) -> None:
        """A queued update, handled by this process because it holds its conversation; tried
        once more after RETRY_LATER when its answer could not be delivered (the conversation's
        later updates wait meanwhile: their order is kept)."""
        update = self.hooks.decode(item)
        if not await self.inbox.fresh([tag(update.update_id)]):
            return  # answered before (queued twice around a failover)
        await answer(self.inbox, self.metrics, update, lambda: self._process(update))

    async def drain(self, timeout: float) -> int:
        """Nothing is in flight here: queued updates wait in Redis for any worker (the turns
        themselves are stopped by the service, after the receiver)."""
        return 0


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
