"""How updates arrive from Telegram: long polling (getUpdates) or a webhook. Either way they
go to the Intake, which answers each once and says when it may be confirmed."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import secrets
from urllib.parse import urlsplit

from aiohttp import web
from telegram import Bot, Update
from telegram.error import TelegramError, TimedOut

from bot.transports.retry import backoff
from bot.transports.telegram.intake import ALLOWED_UPDATES, PAGE, SECRET_HEADER, Intake

log = logging.getLogger(__name__)


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
                await asyncio.sleep(backoff(failures))
                continue
            try:
                await self.intake.accept(batch)
            except Exception as exc:  # the update log, say: Telegram keeps the batch
                failures += 1
                log.error("accepting updates failed: %s", type(exc).__name__)
                await asyncio.sleep(backoff(failures))
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
        self,
        bot: Bot,
        intake: Intake,
        url: str,
        host: str,
        port: int,
        hold: float = 5.0,
        secret: str | None = None,
    ) -> None:
        self.bot, self.intake, self.url, self.hold = bot, intake, url, hold
        self.host, self.port = host, port
        # Several processes behind one URL must all know the secret_token Telegram sends.
        self._secret = secret or secrets.token_urlsafe(32)
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
