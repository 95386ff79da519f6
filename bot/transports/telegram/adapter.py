"""The thin Telegram adapter: one update in, engine through the runner, replies out via the outbox.

Privacy: chat ids live only in memory while a turn is handled; what is stored is the session
(under the HMAC key) and message ids under the same key for as long as they can be deleted.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from telegram import Bot, CallbackQuery, Chat, Update
from telegram import Message as TgMessage
from telegram.error import BadRequest, TelegramError
from telegram.ext import ContextTypes

from bot.engine import inputs as i
from bot.engine.replies import Erase, Handoff, Message, Reply
from bot.runner import Deliver, Runner
from bot.store.base import MessageTrail
from bot.transports.background import Background
from bot.transports.outbox import Outbox
from bot.transports.telegram.convert import REVEALING, Part, render, to_input

log = logging.getLogger(__name__)
PLATFORM = "telegram"
DELETE_BATCH = 100  # deleteMessages takes at most 100 ids
NOT_MODIFIED = "message is not modified"


@dataclass
class Ctx:
    """What one turn needs to answer: where, under which key, and which screen to replace."""

    chat_id: int
    key: str
    edit_id: int | None = None


class Screens:
    """Which node each recent bot message showed, so a pressed button can be checked for age.

    Memory only and bounded: after a restart, buttons are checked against the current node.
    """

    def __init__(self, size: int = 100_000) -> None:
        self.size = size
        self._nodes: OrderedDict[tuple[str, int], str] = OrderedDict()
        self._latest: dict[str, int] = {}

    def remember(self, key: str, message_id: int, node: str) -> None:
        """Record a screen; it becomes the conversation's latest."""
        self._nodes[(key, message_id)] = node
        self._latest[key] = message_id
        while len(self._nodes) > self.size:
            (old_key, old_id), _ = self._nodes.popitem(last=False)
            if self._latest.get(old_key) == old_id:
                del self._latest[old_key]

    def node(self, key: str, message_id: int | None) -> str | None:
        """The node a message showed, if known."""
        return None if message_id is None else self._nodes.get((key, message_id))

    def is_latest(self, key: str, message_id: int | None) -> bool:
        """True for the conversation's newest screen."""
        return message_id is not None and self._latest.get(key) == message_id

    def forget(self, key: str) -> None:
        """Drop a conversation (erase)."""
        self._latest.pop(key, None)
        for k in [k for k in self._nodes if k[0] == key]:
            del self._nodes[k]


class Adapter:
    """Maps Telegram updates to engine inputs and engine replies to Telegram calls."""

    def __init__(
        self,
        runner: Runner,
        bot: Bot,
        outbox: Outbox,
        trail: MessageTrail,
        vanish_after: float = 5.0,
    ) -> None:
        self.runner, self.bot, self.outbox, self.trail = runner, bot, outbox, trail
        self.vanish_after = vanish_after
        self.screens = Screens()
        self.metrics = runner.metrics
        self.later = Background(lambda exc: self.metrics.inc("telegram_background_failed"))

    # ----------------------------------------------------------------- updates in
    async def on_update(self, update: object, _: ContextTypes.DEFAULT_TYPE | None = None) -> None:
        """The PTB handler: every update of the bot passes here."""
        if not isinstance(update, Update) or update.effective_chat is None:
            return
        chat = update.effective_chat
        if chat.type != Chat.PRIVATE:
            await self._leave(update, chat)
        elif update.callback_query is not None:
            await self._callback(update.callback_query, chat.id)
        elif update.message is not None:
            await self._message(update.message, chat.id)
        elif update.edited_message is not None:
            await self._message(update.edited_message, chat.id, edited=True)
        # reactions and the like are left alone on purpose

    async def _message(self, message: TgMessage, chat_id: int, edited: bool = False) -> None:
        inp = to_input(message)
        if inp is None:
            return
        if edited:  # read again for danger only; an edit without danger gets no reply
            typed = inp.text if isinstance(inp, i.Text) else getattr(inp, "caption", None)
            if not typed:
                return
            inp = i.Edited(typed)
        key = self.runner.key(PLATFORM, chat_id)
        await self.trail.add(key, [str(message.message_id)], self._now())
        if isinstance(inp, i.Unsupported) and inp.kind in REVEALING:
            await self._delete_now(chat_id, key, message.message_id)
        self.metrics.inc(f"telegram_in_{type(inp).__name__.lower()}")
        lang = message.from_user.language_code if message.from_user else None
        await self.runner.handle(PLATFORM, chat_id, inp, self._deliverer(Ctx(chat_id, key)), lang)

    async def _callback(self, query: CallbackQuery, chat_id: int) -> None:
        await self._quietly(self.outbox.call(lambda: query.answer()))
        if not query.data:
            return
        key = self.runner.key(PLATFORM, chat_id)
        shown = query.message.message_id if query.message is not None else None
        inp = i.Choice(query.data, self.screens.node(key, shown))
        edit = shown if self.screens.is_latest(key, shown) else None
        self.metrics.inc("telegram_in_choice")
        lang = query.from_user.language_code if query.from_user else None
        await self.runner.handle(
            PLATFORM, chat_id, inp, self._deliverer(Ctx(chat_id, key, edit)), lang
        )

    async def _leave(self, update: Update, chat: Chat) -> None:
        """Groups and channels: one neutral line, then leave. Nothing is stored."""
        self.metrics.inc("telegram_left_group")
        user = update.effective_user
        notice = self.runner.notice(user.language_code if user else None, "private_only")
        for part in render(notice):
            await self._quietly(self.outbox.send(chat.id, self._plain(chat.id, part.text)))
        await self._quietly(self.outbox.call(lambda: self.bot.leave_chat(chat.id)))

    async def apologize(self, update: Update) -> None:
        """The store cannot be reached: a calm "try again in a moment", with the 112 line."""
        chat, user = update.effective_chat, update.effective_user
        if chat is None or chat.type != Chat.PRIVATE:
            return
        self.metrics.inc("telegram_apologized")
        notice = self.runner.notice(user.language_code if user else None, "error")
        for part in render(notice):
            send = self._plain(chat.id, part.text)
            await self._quietly(self.outbox.send(chat.id, send, urgent=True))

    def _plain(self, chat_id: int, text: str) -> Callable[[], Awaitable[TgMessage]]:
        return lambda: self.bot.send_message(chat_id, text, protect_content=True)

    # ----------------------------------------------------------------- replies out
    def _deliverer(self, ctx: Ctx) -> Deliver:
        async def deliver(replies: tuple[Reply, ...]) -> None:
            for reply in replies:
                if isinstance(reply, Message):
                    await self._show(ctx, reply)
                elif isinstance(reply, Erase):
                    await self._erase(ctx)
                elif isinstance(reply, Handoff):
                    self.metrics.inc(f"handoff_{reply.target}")

        return deliver

    async def _show(self, ctx: Ctx, msg: Message) -> None:
        parts = render(msg)
        edit, ctx.edit_id = ctx.edit_id, None  # only the first reply may replace the screen
        if edit is not None and len(parts) == 1 and await self._edit(ctx, edit, parts[0], msg):
            self.screens.remember(ctx.key, edit, msg.node)
            return
        ids = [mid for p in parts if (mid := await self._send(ctx.chat_id, p, msg.urgent))]
        if not ids:
            return
        await self.trail.add(ctx.key, [str(m) for m in ids], self._now())
        if msg.ephemeral:
            self.later.later(self.vanish_after, lambda: self._vanish(ctx.chat_id, ctx.key, ids))
        else:
            self.screens.remember(ctx.key, ids[-1], msg.node)

    async def _send(self, chat_id: int, part: Part, urgent: bool) -> int | None:
        async def send() -> TgMessage:
            return await self.bot.send_message(
                chat_id, part.text, reply_markup=part.keyboard, protect_content=True
            )

        try:
            sent = await self.outbox.send(chat_id, send, urgent=urgent)
        except TelegramError as exc:
            self._failed("send", exc)
            return None
        self.metrics.inc("telegram_sent_urgent" if urgent else "telegram_sent")
        return sent.message_id

    async def _edit(self, ctx: Ctx, message_id: int, part: Part, msg: Message) -> bool:
        """Replace the pressed screen in place; False when Telegram refuses (then we send)."""

        async def edit() -> object:
            return await self.bot.edit_message_text(
                part.text, chat_id=ctx.chat_id, message_id=message_id, reply_markup=part.keyboard
            )

        try:
            await self.outbox.send(ctx.chat_id, edit, urgent=msg.urgent)
        except BadRequest as exc:
            if NOT_MODIFIED in str(exc).lower():
                return True  # the screen already shows exactly this
            self._failed("edit", exc)
            return False
        except TelegramError as exc:
            self._failed("edit", exc)
            return False
        self.metrics.inc("telegram_edited")
        return True

    # ----------------------------------------------------------------- erasing
    async def _erase(self, ctx: Ctx) -> None:
        """Delete every message of the conversation that can still be deleted, on both sides."""
        ids = []
        for key in self.runner.keys(PLATFORM, ctx.chat_id):  # also under a previous secret
            ids += [int(m) for m in await self.trail.take(key, self._now())]
        self.screens.forget(ctx.key)
        for n in range(0, len(ids), DELETE_BATCH):
            await self._delete(ctx.chat_id, ids[n : n + DELETE_BATCH])
        self.metrics.inc("telegram_erased_messages", len(ids))

    async def _delete(self, chat_id: int, ids: list[int]) -> None:
        """One deleteMessages call; Telegram skips ids it can no longer delete (48 hours)."""
        await self._quietly(self.outbox.call(lambda: self.bot.delete_messages(chat_id, ids)))

    async def _delete_now(self, chat_id: int, key: str, message_id: int) -> None:
        """Remove a shared contact or location from the chat before anything else happens."""
        await self._quietly(self.outbox.call(lambda: self.bot.delete_message(chat_id, message_id)))
        await self.trail.forget(key, [str(message_id)])
        self.metrics.inc("telegram_deleted_revealing")

    async def _vanish(self, chat_id: int, key: str, ids: list[int]) -> None:
        """The erase confirmation deletes itself after a few seconds."""
        await self._delete(chat_id, ids)
        await self.trail.forget(key, [str(m) for m in ids])

    # ----------------------------------------------------------------- helpers
    def _now(self) -> int:
        return self.runner.timestamp()

    async def _quietly(self, call: Awaitable[object]) -> None:
        """Await a call whose failure must not stop the turn; count it, log only its type."""
        try:
            await call
        except TelegramError as exc:
            self._failed("call", exc)

    def _failed(self, what: str, exc: Exception) -> None:
        # Only the type: Telegram's descriptions can quote what was sent.
        self.metrics.inc(f"telegram_{what}_failed")
        log.warning("telegram %s failed: %s", what, type(exc).__name__)

    async def close(self) -> None:
        """Cancel pending self-deletions (their ids stay in the trail for a later erase)."""
        await self.later.cancel()
