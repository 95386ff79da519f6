"""What a chat that writes faster than it can be answered gets: its extra updates are
collapsed (the intake decides which) and answered once, together, with a calm line in the
conversation's language (system text `one_by_one`, with 112 like every message).

A collapsed update is still treated as the resident's: its message id goes to the trail (so
erase removes it), a shared contact or location is deleted at once, a pressed button's spinner
is stopped. Its text is not read by the engine (the intake read it for danger already: a danger
text is never collapsed).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable

from telegram import Bot, Chat, Update
from telegram.error import TelegramError

from bot.engine import inputs as i
from bot.runner import Runner
from bot.store.base import MessageTrail
from bot.transports.outbox import MaybeSent, Outbox
from bot.transports.telegram.convert import REVEALING, render, to_input

log = logging.getLogger(__name__)
PLATFORM = "telegram"
NOTICE = "one_by_one"


class Collapser:
    """Answers the collapsed updates of a chat."""

    def __init__(self, runner: Runner, bot: Bot, outbox: Outbox, trail: MessageTrail) -> None:
        self.runner, self.bot, self.outbox, self.trail = runner, bot, outbox, trail

    async def collapse(self, update: Update, notify: bool) -> None:
        """Keep the update's traces erasable; say the one_by_one line when `notify`."""
        chat = update.effective_chat
        if chat is None or chat.type != Chat.PRIVATE:
            return
        key = self.runner.key(PLATFORM, chat.id)
        query = update.callback_query
        if query is not None:
            await self._quietly(self.outbox.call(lambda: query.answer()))
        message = update.message or update.edited_message
        if message is not None:
            await self.trail.add(key, [str(message.message_id)], self.runner.timestamp())
            inp = to_input(message)
            if isinstance(inp, i.Unsupported) and inp.kind in REVEALING:
                mid = message.message_id
                await self._quietly(self.outbox.call(lambda: self.bot.delete_message(chat.id, mid)))
        if notify:
            await self._notify(chat.id, key)

    async def _notify(self, chat_id: int, key: str) -> None:
        lang = await self.runner.language(PLATFORM, chat_id)
        for part in render(self.runner.notice(lang, NOTICE)):
            text = part.text

            async def send(text: str = text) -> object:
                return await self.bot.send_message(chat_id, text, protect_content=True)

            sent = await self.outbox.send(chat_id, send)
            mid = getattr(sent, "message_id", None)
            if mid is not None:
                await self.trail.add(key, [str(mid)], self.runner.timestamp())
        self.runner.metrics.inc("telegram_one_by_one")

    async def _quietly(self, call: Awaitable[object]) -> None:
        try:
            await call
        except (TelegramError, MaybeSent) as exc:
            log.warning("telegram call failed: %s", type(exc).__name__)
