"""`vrede run` with both TELEGRAM_TOKEN and MATRIX_HOMESERVER: both messengers in one process,
on one runner, so that a resident on one can be helped by a trusted person on the other (the
live relay knows residents' chats only in this process's memory)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys

from telegram.error import InvalidToken

from bot.app import App
from bot.store.coordination import Lease
from bot.transports import logs
from bot.transports.matrix.app import config_for, leading, start
from bot.transports.matrix.connect import LoginFailed
from bot.transports.retry import StartFailed
from bot.transports.telegram import REFUSED
from bot.transports.telegram.service import Options, TelegramBot

log = logging.getLogger(__name__)


def run_both(app: App) -> int:
    """Run until SIGINT or SIGTERM; exit 2 when either messenger cannot start."""
    logs.install()
    try:
        asyncio.run(_serve(app))
    except InvalidToken:  # its own message holds the token: never printed
        print(REFUSED, file=sys.stderr)
        return 2
    except (LoginFailed, StartFailed) as exc:
        print(f"vrede run: {exc}", file=sys.stderr)
        return 2
    return 0


async def _serve(app: App) -> None:
    token = app.settings.telegram_token or ""
    telegram = TelegramBot(app.runner, app.stores, Options(token, app.settings.telegram_api_url))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    await telegram.start()
    try:
        if app.stores.shared is not None:  # several processes: Matrix only with the lease
            await _matrix_leading(app, app.stores.shared.lease, stop)
            return
        matrix = await start(app, config_for(app))
        log.info("running on Telegram and Matrix")
        try:
            await asyncio.wait(
                [asyncio.ensure_future(stop.wait()), matrix.task],
                return_when=asyncio.FIRST_COMPLETED,
            )
        finally:
            await matrix.stop()
    finally:
        await telegram.stop()
        await app.stores.close()


async def _matrix_leading(app: App, lease: Lease, stop: asyncio.Event) -> None:
    """Sync Matrix while this process holds its lease (matrix/app.py `leading`) until `stop`."""
    refused: list[LoginFailed] = []

    def give_up(exc: LoginFailed) -> None:
        refused.append(exc)
        stop.set()

    leader = leading(app, config_for(app), lease, give_up)
    leader.start()
    log.info("running on Telegram and Matrix; Matrix syncs while this process holds the lease")
    try:
        await stop.wait()
    finally:
        await leader.stop()
    if refused:
        raise refused[0]
