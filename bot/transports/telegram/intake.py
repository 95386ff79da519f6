"""Getting updates in: at least once from Telegram, answered once, by polling or webhook.

Theory of operation. Telegram forgets an update once the bot confirms it (a getUpdates call
with a higher offset, or a 2xx answer to the webhook). So an update is confirmed only when it
is done: handled through the engine, its replies sent, its id written to the update log. After a
crash, Telegram delivers the unconfirmed updates again and the log skips the ones already
answered. One exception keeps a rush moving: getUpdates returns at most 100 updates from the
offset, so when a full page holds nothing new (every update in it is being handled or was
answered) the poller confirms it to see what comes after (an acute-danger message may be
waiting there), up to `max_held` updates in flight; beyond that Telegram keeps them. Under such
a rush a crash, or a stop that cannot finish within its drain time, loses the messages that
were confirmed but not yet answered (the stop logs how many); the residents can write again.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence

from telegram import Update
from telegram.ext import Application

from bot.locks import KeyedLocks
from bot.metrics import Metrics
from bot.store.base import UpdateLog
from bot.transports.inbox import Inbox

log = logging.getLogger(__name__)
HANDLE_LIMIT = 300.0  # seconds one update may take once its turn has come (retries included)
ALLOWED_UPDATES = (
    "message",
    "edited_message",
    "callback_query",
    "my_chat_member",
    "channel_post",
)
PAGE = 100  # getUpdates returns at most this many
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


def tag(update_id: int) -> str:
    """The update log id of a Telegram update."""
    return f"tg:{update_id}"


class Intake:
    """Hands each update to PTB once; knows which ones are in flight; marks them done.

    At most `workers` ordinary updates are handled at once; the others wait their turn, oldest
    first. Updates of one chat wait in their chat's lane before they take a turn, so a chat that
    sends hundreds of messages holds one turn at a time and never starves the other residents. An acute-danger message never waits for a turn: in a rush it would otherwise wait
    until a thousand greetings before it were computed, and those can only leave through the
    outbox at Telegram's pace (30 a second) anyway.
    """

    def __init__(
        self,
        app: Application,  # type: ignore[type-arg]
        updates: UpdateLog,
        clock: Callable[[], int],
        metrics: Metrics,
        urgent: Callable[[Update], bool] = lambda _: False,
        workers: int = 64,
    ) -> None:
        self.app, self.metrics, self.urgent = app, metrics, urgent
        self.inbox = Inbox(updates, clock, metrics, "telegram")
        self.in_flight: dict[int, asyncio.Task[None]] = {}
        self.completed = 0
        self._progress = asyncio.Event()
        self._turns = asyncio.Semaphore(workers)
        self._lanes = KeyedLocks()  # one update per chat at a time, in the order they came

    async def accept(self, batch: Sequence[Update]) -> list[asyncio.Task[None]]:
        """Start handling the updates that are neither in flight nor answered before."""
        waiting = [u for u in batch if u.update_id not in self.in_flight]
        fresh = set(await self.inbox.fresh([tag(u.update_id) for u in waiting]))
        started = []
        for update in waiting:
            if tag(update.update_id) not in fresh:
                continue
            task = asyncio.create_task(self._handle(update, urgent=self.urgent(update)))
            self.in_flight[update.update_id] = task
            started.append(task)
        return started

    async def _handle(self, update: Update, urgent: bool) -> None:
        try:
            chat = update.effective_chat.id if update.effective_chat else update.update_id
            async with self._lanes.hold(chat):
                if urgent:
                    failed = await self._process(update)
                else:
                    async with self._turns:
                        failed = await self._process(update)
            if failed is None:
                await self.inbox.done(tag(update.update_id))
            else:  # a poisoned update must not loop forever
                await self.inbox.give_up(tag(update.update_id), failed)
        finally:
            self.in_flight.pop(update.update_id, None)
            self.completed += 1
            self._progress.set()

    async def _process(self, update: Update) -> Exception | None:
        """PTB handles the update; a failure or a hang is returned, never kept in flight."""
        try:
            async with asyncio.timeout(HANDLE_LIMIT):
                await self.app.process_update(update)
        except Exception as exc:  # TimeoutError included; CancelledError (a stop) is not
            self.metrics.inc("telegram_update_failed")
            return exc
        return None

    def lowest_in_flight(self) -> int | None:
        """The oldest update still being handled."""
        return min(self.in_flight, default=None)

    def highest_in_flight(self) -> int | None:
        """The newest update still being handled."""
        return max(self.in_flight, default=None)

    async def wait_progress(self, mark: int, timeout: float) -> None:
        """Until an update is done after `completed` was `mark`, or `timeout` seconds."""
        self._progress.clear()
        if self.completed != mark:
            return
        try:
            await asyncio.wait_for(self._progress.wait(), timeout)
        except TimeoutError:
            return

    async def drain(self, timeout: float) -> list[int] | None:
        """Let in-flight updates finish; cancel the rest (Telegram will deliver them again).

        Returns the cancelled update ids (None when all finished): the unconfirmed ones among
        them must stay unconfirmed.
        """
        tasks = {task: update_id for update_id, task in self.in_flight.items()}
        if not tasks:
            return None
        _, late = await asyncio.wait(tasks, timeout=timeout)
        for task in late:
            task.cancel()
        await asyncio.gather(*late, return_exceptions=True)
        return [tasks[t] for t in late] or None
