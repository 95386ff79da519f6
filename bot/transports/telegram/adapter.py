"""The thin Telegram adapter: one update in, engine through the runner, replies out via the outbox.

Privacy: chat ids live only in memory while a turn is handled; what is stored is the session
(under the HMAC key) and message ids under the same key for as long as they can be deleted.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable

from telegram import Bot, CallbackQuery, Chat, Update
from telegram import Message as TgMessage
from telegram.error import BadRequest, TelegramError

from bot.engine import inputs as i
from bot.engine.replies import Erase, Handoff, Message, Reply
from bot.runner import Deliver, Runner
from bot.store.base import MessageTrail
from bot.transports.background import Background
from bot.transports.outbox import MaybeSent, Outbox
from bot.transports.telegram.convert import REVEALING, TEXT_LIMIT, Part, render, to_input
from bot.transports.telegram.fairness import Collapser
from bot.transports.telegram.notices import Notices
from bot.transports.telegram.screens import Ctx, Screens

log = logging.getLogger(__name__)
PLATFORM = "telegram"
DELETE_BATCH = 100  # deleteMessages takes at most 100 ids
NOT_MODIFIED = "message is not modified"


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
        self.collapse = Collapser(runner, bot, outbox, trail).collapse
        self.notices = Notices(runner, bot, outbox)  # lines outside a turn: groups, store down

    # ----------------------------------------------------------------- updates in
    async def on_update(self, update: object) -> None:
        """Every update of the bot passes here; raises when the answer was not delivered (the
        intake tries it again later, or counts it as undelivered)."""
        if not isinstance(update, Update) or update.effective_chat is None:
            return
        chat = update.effective_chat
        if chat.type != Chat.PRIVATE:
            await self.notices.leave(update, chat)
        elif update.callback_query is not None:
            await self._callback(update.callback_query, chat.id, update.update_id)
        elif update.message is not None:
            await self._message(update.message, chat.id, update.update_id)
        elif update.edited_message is not None:
            await self._message(update.edited_message, chat.id, update.update_id, edited=True)
        # reactions and the like are left alone on purpose

    async def _message(
        self, message: TgMessage, chat_id: int, update_id: int, edited: bool = False
    ) -> None:
        inp = to_input(message)
        if inp is None:
            return
        if edited:  # read again for danger only; an edit without danger gets no reply
            typed = inp.text if isinstance(inp, i.Text) else getattr(inp, "caption", None)
            if not typed:
                return
            inp = i.Edited(typed)
        key = self.runner.key(PLATFORM, chat_id)
        await self._file(key, [message.message_id])
        if isinstance(inp, i.Unsupported) and inp.kind in REVEALING:
            await self._delete_now(chat_id, key, message.message_id)
        self.metrics.inc(f"telegram_in_{type(inp).__name__.lower()}")
        lang = message.from_user.language_code if message.from_user else None
        deliver = self._deliverer(Ctx(chat_id, key))
        await self.runner.handle(PLATFORM, chat_id, inp, deliver, lang, update=update_id)

    async def _callback(self, query: CallbackQuery, chat_id: int, update_id: int) -> None:
        await self._quietly(self.outbox.call(lambda: query.answer()))
        if not query.data:
            return
        key = self.runner.key(PLATFORM, chat_id)
        shown = query.message.message_id if query.message is not None else None
        inp = i.Choice(query.data, self.screens.node(key, shown))
        edit = shown if self.screens.is_latest(key, shown) else None
        self.metrics.inc("telegram_in_choice")
        lang = query.from_user.language_code if query.from_user else None
        deliver = self._deliverer(Ctx(chat_id, key, edit))
        await self.runner.handle(PLATFORM, chat_id, inp, deliver, lang, update=update_id)

    # ----------------------------------------------------------------- replies out
    def sender(self, chat: str) -> Deliver:
        """How the core writes to a chat outside its own turn (the live relay)."""
        return self._deliverer(Ctx(int(chat), self.runner.key(PLATFORM, chat)))

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
        try:
            parts = render(msg)
        except Exception as exc:  # a bug in rendering: the text alone, which ends with 112
            self._failed("render", exc)
            parts = [Part(msg.text[-TEXT_LIMIT // 2 :], None)]
        edit, ctx.edit_id = ctx.edit_id, None  # only the first reply may replace the screen
        if edit is not None and len(parts) == 1 and await self._edit(ctx, edit, parts[0], msg):
            self.screens.remember(ctx.key, edit, msg.node)
            return
        ids = [mid for p in parts if (mid := await self._send(ctx.chat_id, p, msg.urgent))]
        if not ids:
            return
        await self._file(ctx.key, ids)
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
        except MaybeSent:  # Telegram may have shown it (twice at most): not sent a third time
            self.metrics.inc("telegram_maybe_sent")
            return None
        except TelegramError as exc:
            self._failed("send", exc)
            raise  # not answered: the runner tries its short line, the intake tries later
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
            ids += [int(m) for m in await self.trail.take(key, self.runner.timestamp())]
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
    async def _file(self, key: str, ids: list[int]) -> None:
        """Message ids for erase; a failure costs erase these ids, never the resident's answer."""
        try:
            await self.trail.add(key, [str(m) for m in ids], self.runner.timestamp())
        except Exception as exc:
            self._failed("trail", exc)

    async def _quietly(self, call: Awaitable[object]) -> None:
        """Await a call whose failure must not stop the turn; count it, log only its type."""
        try:
            await call
        except (TelegramError, MaybeSent) as exc:
            self._failed("call", exc)

    def _failed(self, what: str, exc: Exception) -> None:
        self.metrics.inc(f"telegram_{what}_failed")  # the type only: a description may quote
        log.warning("telegram %s failed: %s", what, type(exc).__name__)  # what was sent

    async def close(self) -> None:
        """Cancel pending self-deletions (their ids stay in the trail for a later erase)."""
        await self.later.cancel()
