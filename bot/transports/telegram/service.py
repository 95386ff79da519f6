"""The Telegram bot as one object: PTB Application, adapter, outbox, intake; start and stop."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import signal
import warnings
from collections.abc import Hashable
from dataclasses import dataclass, field

from telegram import Update
from telegram.error import BadRequest, Forbidden, InvalidToken, NetworkError, RetryAfter, TimedOut
from telegram.ext import Application, ApplicationBuilder
from telegram.warnings import PTBDeprecationWarning

from bot.runner import Runner
from bot.store.base import Stores
from bot.transports import logs
from bot.transports.inbox import Inbox
from bot.transports.outbox import Limits, Outbox
from bot.transports.retry import backoff, connect
from bot.transports.shared_outbox import SharedOutbox
from bot.transports.telegram.adapter import PLATFORM, Adapter
from bot.transports.telegram.intake import HELD, Hooks, Intake
from bot.transports.telegram.receive import Poller, Webhook
from bot.transports.telegram.shared import LeadingPoller, SharedIntake

# Opt in to PTB's coming behaviour (durations as timedelta) so that building a RetryAfter
# does not emit a deprecation warning; _retry_after accepts both forms.
os.environ.setdefault("PTB_TIMEDELTA", "true")
log = logging.getLogger(__name__)
DEFAULT_API = "https://api.telegram.org"
MAINTENANCE_EVERY = 600.0  # seconds between purges of expired sessions and message ids


def retry_delay(exc: BaseException, attempt: int) -> float | None:
    """Seconds to wait before retrying a Bot API call, or None when retrying cannot help."""
    if isinstance(exc, RetryAfter):
        return float(_retry_after(exc))
    if isinstance(exc, BadRequest | Forbidden | InvalidToken):
        return None
    if isinstance(exc, NetworkError):  # 5xx, timeouts, connection errors
        return backoff(attempt + 1)
    return None


def unclear(exc: BaseException) -> bool:
    """An error after which Telegram may have carried out the call: a timeout or a connection
    lost after the request went out (not one refused before sending, not an HTTP error)."""
    text = str(exc)
    if isinstance(exc, TimedOut):
        return not text.startswith("Pool timeout")  # PTB: that request was not sent
    return isinstance(exc, NetworkError) and text.startswith("httpx.") and "Connect" not in text


def transient_at_start(exc: BaseException) -> bool:
    """A network error or timeout at start; not a refused token or request."""
    return isinstance(exc, NetworkError) and not isinstance(exc, BadRequest)


def _retry_after(exc: RetryAfter) -> float:
    with warnings.catch_warnings():  # PTB warns about int vs timedelta; either is fine here
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = exc.retry_after
    return float(value if isinstance(value, int | float) else value.total_seconds())


def application(
    token: str, api_url: str | None, timeout: float = 15.0, pool: int = 128
) -> Application:  # type: ignore[type-arg]
    """A PTB Application without its Updater: the Poller confirms updates only once done."""
    logs.install()  # before PTB logs its URLs, which hold the token
    base = (api_url or DEFAULT_API).rstrip("/")
    return (
        ApplicationBuilder()
        .token(token)
        .base_url(f"{base}/bot")
        .base_file_url(f"{base}/file/bot")
        .updater(None)
        .connection_pool_size(pool)
        .pool_timeout(30.0)
        .connect_timeout(10.0)
        .read_timeout(timeout)
        .write_timeout(timeout)
        .get_updates_read_timeout(timeout)
        .build()
    )


@dataclass(frozen=True)
class Options:
    """How to run: by polling or webhook, and the outbox limits."""

    token: str
    api_url: str | None = None
    webhook: str | None = None
    listen: tuple[str, int] = ("127.0.0.1", 8080)
    limits: Limits = field(default_factory=Limits)
    vanish_after: float = 5.0
    poll_timeout: int = 30
    timeout: float = 15.0  # seconds to wait for one Bot API answer
    workers: int = 64  # ordinary updates handled at once; acute-danger ones never wait
    held: int = HELD  # updates in memory at once; the rest wait in the inbox on disk


class TelegramBot:
    """Everything that runs for Telegram; `start()` and `stop()` it, or `run_until()` a signal."""

    def __init__(self, runner: Runner, stores: Stores, options: Options) -> None:
        self.runner, self.options = runner, options
        self.trail, self.pending = stores.trail, stores.pending
        self.app = application(options.token, options.api_url, options.timeout)
        self.shared = stores.shared  # None: one process; else several share Redis (shared.py)
        self.outbox = self._outbox()
        self.adapter = Adapter(runner, self.app.bot, self.outbox, self.trail, options.vanish_after)
        self.intake = self._intake(stores)
        self.receiver = self._receiver()
        self._maintenance: asyncio.Task[None] | None = None

    def _urgent(self, update: Update) -> bool:
        """A text, caption or edit that may mean danger, in any language."""
        msg = update.message or update.edited_message
        if msg is None or not (typed := msg.text or msg.caption):
            return False
        return self.runner.is_urgent(typed, msg.from_user.language_code if msg.from_user else None)

    def _outbox(self) -> Outbox:
        limits, metrics = self.options.limits, self.runner.metrics
        if self.shared is None:
            return Outbox(retry_delay, limits, metrics, unclear=unclear)
        budget, key = self.shared.budget, self._budget_key
        return SharedOutbox(retry_delay, budget, key, limits, metrics, unclear=unclear)

    def _budget_key(self, chat: Hashable) -> str:
        """The budget sees HMAC keys, never chat ids."""
        return self.runner.key(PLATFORM, str(chat))

    def _intake(self, stores: Stores) -> Intake:
        """Updates kept on this machine's disk until answered (one process), or queued in
        Redis for whichever process holds their conversation (shared.py)."""
        runner = self.runner
        seal = (runner.sealer.seal, runner.sealer.open)
        inbox = Inbox(stores.updates, self._now, runner.metrics, "telegram", stores.pending, seal)
        hooks = Hooks(
            self.adapter.on_update,
            self.adapter.collapse,
            self._urgent,
            lambda chat: runner.key(PLATFORM, chat),
            lambda update: json.dumps(update.to_dict(), separators=(",", ":")).encode(),
            lambda data: Update.de_json(json.loads(data), self.app.bot),
        )
        o = self.options
        if self.shared is None:
            return Intake(hooks, inbox, runner.metrics, o.workers, o.held)
        turns, apologize = self.shared.turns, self.adapter.notices.apologize
        return SharedIntake(hooks, inbox, runner.metrics, turns, apologize, o.workers)

    def _receiver(self) -> Poller | Webhook | LeadingPoller:
        o = self.options
        if o.webhook:  # every process behind the URL knows Telegram's secret_token
            secret = self.runner.keyer.derive("telegram-webhook")
            return Webhook(self.app.bot, self.intake, o.webhook, *o.listen, secret=secret)
        if self.shared is not None:
            lease, metrics = self.shared.lease, self.runner.metrics
            return LeadingPoller(
                self.app.bot, self.intake, lease, "telegram-poll", metrics, o.poll_timeout
            )
        return Poller(self.app.bot, self.intake, o.poll_timeout)

    def _now(self) -> int:
        return self.runner.timestamp()

    async def start(self) -> None:
        """Connect (getMe; network errors retried, a refused token raises InvalidToken), then
        receive updates."""
        try:
            await connect(self.app.initialize, transient_at_start, "the Telegram Bot API")
        except BaseException:
            await self.app.bot.shutdown()  # the HTTP connections opened for getMe
            raise
        await self.app.start()
        self._maintenance = asyncio.create_task(self._maintain())  # purges before reading back
        await asyncio.sleep(0)
        if isinstance(self.intake, SharedIntake):
            self.intake.turns.start()
        await self.receiver.start()
        if self.shared is None:  # the relay writes to any chat, from the process that knows it
            self.runner.attach("telegram", self.adapter.sender)
        log.info(
            "telegram: receiving updates by %s", "webhook" if self.options.webhook else "polling"
        )

    async def _maintain(self) -> None:
        """Purge expired sessions, message ids and day-old unanswered updates at start (what
        expired while the bot was down goes at once, not when the next message arrives) and
        then every ten minutes."""
        while True:
            sessions = await self.runner.purge()
            ids = await self.trail.purge(self._now())
            kept = await self.pending.purge(self._now())
            log.info("purged %d sessions, %d message ids, %d updates", sessions, ids, kept)
            await asyncio.sleep(MAINTENANCE_EVERY)

    async def stop(self, drain: float = 10.0) -> None:
        """Finish what is in flight (up to `drain` seconds), confirm it, and disconnect."""
        await self.runner.detach("telegram")
        if self._maintenance is not None:
            self._maintenance.cancel()
            await asyncio.gather(self._maintenance, return_exceptions=True)
        await self.receiver.stop(drain)
        if isinstance(self.intake, SharedIntake):
            await self.intake.turns.stop(drain)
        await self.adapter.close()
        await self.outbox.close()
        if self.app.running:
            await self.app.stop()
        await self.app.shutdown()

    async def run_until_stopped(self) -> None:
        """Run until SIGINT or SIGTERM, then stop gracefully."""
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError):
                loop.add_signal_handler(sig, stop.set)
        await self.start()
        try:
            await stop.wait()
        finally:
            await self.stop()
