"""Lines the Telegram bot says outside a conversation's turn, storing nothing: the neutral line
before it leaves a group or channel, and the calm "try again in a moment" (with 112, like
every message) when the store cannot be reached (several processes on Redis: shared.py)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable

from telegram import Bot, Chat, Update
from telegram.error import TelegramError

from bot.runner import Runner
from bot.transports.outbox import MaybeSent, Outbox
from bot.transports.telegram.convert import render

log = logging.getLogger(__name__)


class Notices:
    """Says a system text to a chat in the language its phone is set to."""

    def __init__(self, runner: Runner, bot: Bot, outbox: Outbox) -> None:
        self.runner, self.bot, self.outbox = runner, bot, outbox
        self.metrics = runner.metrics

    async def leave(self, update: Update, chat: Chat) -> None:
        """Groups and channels: one neutral line, then leave. Nothing is stored."""
        self.metrics.inc("telegram_left_group")
        await self._say(update, chat, "private_only", urgent=False)
        await self._quietly(self.outbox.call(lambda: self.bot.leave_chat(chat.id)))

    async def apologize(self, update: Update) -> None:
        """The store cannot be reached: a calm "try again in a moment", with the 112 line."""
        chat = update.effective_chat
        if chat is None or chat.type != Chat.PRIVATE:
            return
        self.metrics.inc("telegram_apologized")
        await self._say(update, chat, "error", urgent=True)

    async def _say(self, update: Update, chat: Chat, key: str, urgent: bool) -> None:
        user = update.effective_user
        notice = self.runner.notice(user.language_code if user else None, key)
        for part in render(notice):

            async def send(text: str = part.text) -> object:
                return await self.bot.send_message(chat.id, text, protect_content=True)

            await self._quietly(self.outbox.send(chat.id, send, urgent=urgent))

    async def _quietly(self, call: Awaitable[object]) -> None:
        """A failure must not stop anything else: counted, and logged by type only."""
        try:
            await call
        except (TelegramError, MaybeSent) as exc:
            self.metrics.inc("telegram_call_failed")
            log.warning("telegram call failed: %s", type(exc).__name__)
