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
import datetime as dt
import logging
import secrets
from collections.abc import Callable, Sequence
from urllib.parse import urlsplit

from aiohttp import web
from telegram import Bot, Update
from telegram.error import TelegramError, TimedOut
from telegram.ext import Application

from bot.metrics import Metrics
from bot.store.base import UpdateLog

log = logging.getLogger(__name__)
HANDLE_LIMIT = 300.0  # seconds one update may take once its turn has come (retries included)
RECENT = 1024  # answered update ids kept in memory, so a page fetched again skips them cheaply
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
    first. An acute-danger message never waits for a turn: in a rush it would otherwise wait
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
        self.app, self.updates, self.clock, self.metrics = app, updates, clock, metrics
        self.urgent = urgent
        self.in_flight: dict[int, asyncio.Task[None]] = {}
        self.completed = 0
        self._progress = asyncio.Event()
        self._turns = asyncio.Semaphore(workers)
        self._recent: dict[int, None] = {}  # an ordered set, oldest first

    async def accept(self, batch: Sequence[Update]) -> list[asyncio.Task[None]]:
        """Start handling the updates that are neither in flight nor answered before."""
        fresh = [
            u
            for u in batch
            if u.update_id not in self.in_flight and u.update_id not in self._recent
        ]
        answered = await self.updates.seen([tag(u.update_id) for u in fresh])
        started = []
        for update in fresh:
            if tag(update.update_id) in answered:
                self.metrics.inc("telegram_duplicate_updates")
                continue
            task = asyncio.create_task(self._handle(update, urgent=self.urgent(update)))
            self.in_flight[update.update_id] = task
            started.append(task)
        return started

    async def _handle(self, update: Update, urgent: bool) -> None:
        try:
            if urgent:
                await self._process(update)
            else:
                async with self._turns:
                    await self._process(update)
            # Marked done even when handling failed: a poisoned update must not loop forever.
            await self.updates.done(tag(update.update_id), self.clock())
            self._remember(update.update_id)
        finally:
            self.in_flight.pop(update.update_id, None)
            self.completed += 1
            self._progress.set()

    async def _process(self, update: Update) -> None:
        """PTB handles the update; a failure or a hang is counted, never kept in flight."""
        try:
            async with asyncio.timeout(HANDLE_LIMIT):
                await self.app.process_update(update)
        except Exception as exc:  # TimeoutError included; CancelledError (a stop) is not
            self.metrics.inc("telegram_update_failed")
            log.error("handling an update failed: %s", type(exc).__name__)

    def _remember(self, update_id: int) -> None:
        self._recent[update_id] = None
        if len(self._recent) > RECENT:
            del self._recent[next(iter(self._recent))]

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


async def _backoff(failures: int) -> None:
    """Wait longer after each failure in a row: 1, 2, 4 ... up to 30 seconds."""
    await asyncio.sleep(min(30.0, 0.5 * 2.0**failures))


class Poller:
    """Long polling that confirms an update only once it is done (or a full page is in flight).

    `offset` is what the next getUpdates confirms: everything below the oldest update still in
    flight, never more than has been seen (`top`). While updates are in flight Telegram answers
    getUpdates at once (they are unconfirmed), so the poller waits for one to finish, or
    `idle_wait` seconds, before it looks for new ones again. Once nothing is in flight, the next
    call is a long poll that also confirms what was done.
    """

    def __init__(
        self,
        bot: Bot,
        intake: Intake,
        timeout: int = 30,
        idle_wait: float = 0.01,
        max_held: int = 10_000,
    ) -> None:
        self.bot, self.intake, self.timeout, self.idle_wait = bot, intake, timeout, idle_wait
        self.max_held = max_held  # beyond this many in flight, Telegram keeps the rest
        self.offset = 0
        self.top = 0  # one past the highest update id seen
        self._task: asyncio.Task[None] | None = None
        self._stopping = False

    async def start(self) -> None:
        """Make sure no webhook is set (Telegram refuses getUpdates then), and poll."""
        await self.bot.delete_webhook(drop_pending_updates=False)
        self._task = asyncio.create_task(self._run(), name="telegram-poller")

    async def _run(self) -> None:
        failures = 0
        # A flag as well as cancel(): in Python 3.11 asyncio.wait_for can swallow a
        # cancellation that arrives just as its inner wait completes (wait_progress), and the
        # loop would then poll forever.
        while not self._stopping:
            mark = self.intake.completed
            self._advance()
            try:
                batch = await self._poll()
                failures = 0
            except TimedOut:
                continue
            except TelegramError as exc:
                failures += 1
                log.warning("getUpdates failed: %s", type(exc).__name__)
                await _backoff(failures)
                continue
            try:
                await self.intake.accept(batch)
            except Exception as exc:  # the update log, say: Telegram keeps the batch
                failures += 1
                log.error("accepting updates failed: %s", type(exc).__name__)
                await _backoff(failures)
                continue
            self.top = max([self.top, *(u.update_id + 1 for u in batch)])
            if len(batch) >= PAGE and len(self.intake.in_flight) < self.max_held:
                # A whole page and nothing new in it (all of it is being handled or was
                # answered): confirm it at once, or what comes after it (an acute-danger
                # message, perhaps) stays out of sight.
                self.intake.metrics.inc("telegram_confirmed_in_flight")
                self.offset = max(self.offset, self.top)
            elif self._unconfirmed_in_flight():
                # Polling now would only bring the updates in flight back: wait until one is
                # done, or `idle_wait`, so a new message is not kept waiting behind a slow one.
                await self.intake.wait_progress(mark, self.idle_wait)

    def _unconfirmed_in_flight(self) -> bool:
        """True while Telegram would hand back updates we are still handling."""
        newest = self.intake.highest_in_flight()
        return newest is not None and newest >= self.offset

    async def _poll(self) -> tuple[Update, ...]:
        # With unconfirmed updates in flight getUpdates returns at once anyway; with only
        # confirmed ones (a rush) a long poll is right: it returns as soon as a message comes.
        wait = 0 if self._unconfirmed_in_flight() else self.timeout
        return await self.bot.get_updates(
            offset=self.offset or None,
            limit=PAGE,
            timeout=dt.timedelta(seconds=wait),
            allowed_updates=ALLOWED_UPDATES,
        )

    def _advance(self) -> None:
        """Confirm everything below the oldest update still in flight; never go back."""
        held = self.intake.lowest_in_flight()
        self.offset = max(self.offset, self.top if held is None else min(held, self.top))

    async def stop(self, drain: float = 10.0) -> None:
        """Stop polling, let handled updates finish, and confirm them."""
        self._stopping = True
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        cancelled = await self.intake.drain(drain)
        if cancelled is None:
            self._advance()
        else:  # the same rule as _advance, with the cancelled ones still held
            lost = sum(1 for u in cancelled if u < self.offset)
            if lost:
                self.intake.metrics.inc("telegram_unanswered_at_stop", lost)
                log.warning("stopped with %d confirmed messages unanswered (a rush)", lost)
            self.offset = max(self.offset, min([*cancelled, self.top]))
        if self.offset:
            try:
                await self.bot.get_updates(offset=self.offset, limit=1, timeout=dt.timedelta(0))
            except TelegramError as exc:
                log.warning("final confirmation failed: %s", type(exc).__name__)


class Webhook:
    """Updates by webhook; the answer to Telegram waits until the update is done (or `hold`)."""

    def __init__(
        self, bot: Bot, intake: Intake, url: str, host: str, port: int, hold: float = 5.0
    ) -> None:
        self.bot, self.intake, self.url, self.hold = bot, intake, url, hold
        self.host, self.port = host, port
        self._secret = secrets.token_urlsafe(32)
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        """Listen, then tell Telegram where to send updates."""
        app = web.Application()
        app.router.add_post(urlsplit(self.url).path or "/", self._receive)
        self._runner = web.AppRunner(app, access_log=None)  # access logs would carry ips
        await self._runner.setup()
        await web.TCPSite(self._runner, self.host, self.port).start()
        await self.bot.set_webhook(
            self.url,
            secret_token=self._secret,
            allowed_updates=ALLOWED_UPDATES,
            max_connections=100,
        )

    async def _receive(self, request: web.Request) -> web.Response:
        if request.headers.get(SECRET_HEADER) != self._secret:
            return web.Response(status=403)
        update = Update.de_json(await request.json(), self.bot)
        started = await self.intake.accept([update])
        if started:
            # Not answering yet keeps the update at Telegram until it is done; after `hold`
            # seconds we answer anyway, so a rush does not stall Telegram's delivery.
            await asyncio.wait(started, timeout=self.hold)
        return web.Response()

    async def stop(self, drain: float = 10.0) -> None:
        """Stop listening; the webhook stays set, so Telegram keeps updates until we are back."""
        if self._runner is not None:
            await self._runner.cleanup()
        await self.intake.drain(drain)
