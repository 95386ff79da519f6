"""How updates arrive from Telegram: long polling (getUpdates) or a webhook. Either way they
go to the Intake, which keeps each on disk before it is confirmed and answers each once."""

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
    """Long polling. The intake keeps every update on disk before `accept` returns, so what
    was accepted is confirmed with the next getUpdates call: Telegram's queue never holds
    what the bot already has, and a backlog of any size is read page by page (each page read
    for danger first) instead of stopping at what fits in memory."""

    def __init__(self, bot: Bot, intake: Intake, timeout: int = 30) -> None:
        self.bot, self.intake, self.timeout = bot, intake, timeout
        self.offset = 0  # what the next getUpdates confirms: one past the last update kept
        self._task: asyncio.Task[None] | None = None
        self._stopping = False

    async def start(self) -> None:
        """Make sure no webhook is set (Telegram refuses getUpdates then), read back what a
        crash left unanswered, and poll."""
        await self.bot.delete_webhook(drop_pending_updates=False)
        await self.intake.resume()
        self._task = asyncio.create_task(self._run(), name="telegram-poller")

    async def _run(self) -> None:
        failures = 0
        while not self._stopping:
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
            except Exception as exc:  # the disk, say: not confirmed, Telegram keeps the batch
                failures += 1
                log.error("accepting updates failed: %s", type(exc).__name__)
                await asyncio.sleep(backoff(failures))
                continue
            self.offset = max([self.offset, *(u.update_id + 1 for u in batch)])

    async def _poll(self) -> tuple[Update, ...]:
        return await self.bot.get_updates(
            offset=self.offset or None,
            limit=PAGE,
            timeout=dt.timedelta(seconds=self.timeout),
            allowed_updates=ALLOWED_UPDATES,
        )

    async def stop(self, drain: float = 10.0) -> None:
        """Stop polling, let handled updates finish (the rest stay on disk), and confirm what
        was kept."""
        self._stopping = True
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        await self.intake.drain(drain)
        if self.offset:
            try:
                await self.bot.get_updates(offset=self.offset, limit=1, timeout=dt.timedelta(0))
            except TelegramError as exc:
                log.warning("final confirmation failed: %s", type(exc).__name__)


class Webhook:
    """Updates by webhook; Telegram gets its answer once the update is kept on disk."""

    def __init__(
        self, bot: Bot, intake: Intake, url: str, host: str, port: int, secret: str | None = None
    ) -> None:
        self.bot, self.intake, self.url = bot, intake, url
        self.host, self.port = host, port
        # Several processes behind one URL must all know the secret_token Telegram sends.
        self._secret = secret or secrets.token_urlsafe(32)
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        """Read back what a crash left unanswered, listen, then tell Telegram where to send
        updates."""
        await self.intake.resume()
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
        await self.intake.accept([update])  # kept on disk (or an error: Telegram sends again)
        return web.Response()

    async def stop(self, drain: float = 10.0) -> None:
        """Stop listening; the webhook stays set, so Telegram keeps updates until we are back."""
        if self._runner is not None:
            await self._runner.cleanup()
        await self.intake.drain(drain)
