"""Telegram transport on python-telegram-bot 22: `vrede telegram` and `vrede telegram setup`."""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import TYPE_CHECKING

from telegram.error import InvalidToken

from bot.transports import logs
from bot.transports.retry import StartFailed, connect
from bot.transports.telegram.service import Options, TelegramBot, application, transient_at_start
from bot.transports.telegram.setup import publish

if TYPE_CHECKING:
    from bot.app import App

__all__ = ["main"]
REFUSED = (
    "vrede telegram: Telegram refused TELEGRAM_TOKEN: copy it again from @BotFather "
    "(/mybots, your bot, API Token)"
)


def main(app: App, args: argparse.Namespace) -> int:
    """Run the bot (`action` run, by polling or `--webhook URL`) or publish its menu (setup)."""
    token = app.settings.telegram_token
    if not token:
        print("vrede telegram: set TELEGRAM_TOKEN (from @BotFather).", file=sys.stderr)
        return 2
    logs.install()
    try:
        if getattr(args, "action", "run") == "setup":
            return asyncio.run(_setup(app, token))
        options = Options(
            token,
            app.settings.telegram_api_url,
            webhook=getattr(args, "webhook", None),
            listen=_listen(getattr(args, "listen", None)),
        )
        asyncio.run(_serve(app, options))
    except InvalidToken:  # its own message holds the token: never printed
        print(REFUSED, file=sys.stderr)
        return 2
    except StartFailed as exc:
        print(f"vrede telegram: {exc}", file=sys.stderr)
        return 2
    return 0


async def _serve(app: App, options: Options) -> None:
    bot = TelegramBot(app.runner, app.stores, options)
    try:
        await bot.run_until_stopped()
    finally:
        await app.stores.close()


async def _setup(app: App, token: str) -> int:
    ptb = application(token, app.settings.telegram_api_url)
    await connect(ptb.initialize, transient_at_start, "the Telegram Bot API")
    async with ptb:
        codes = await publish(ptb.bot, app.engine)
    print(f"published the menu and descriptions: default (nl), {', '.join(codes)}")
    return 0


def _listen(value: str | None) -> tuple[str, int]:
    """HOST:PORT for the webhook listener; 127.0.0.1:8080 behind a reverse proxy by default."""
    host, _, port = (value or "127.0.0.1:8080").rpartition(":")
    return host or "127.0.0.1", int(port)
