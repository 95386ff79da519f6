"""Which rooms the bot talks in: it joins an invitation only to look, leaves a group with one
neutral line, and talks in a one-to-one chat where it may redact every message (Element's
direct chats give the invited bot the resident's own power level); where it may not, it opens
a room of its own, leaves one line pointing to the invitation, and leaves. A room the resident
left is erased and left."""

from __future__ import annotations

import time
from typing import Any

from nio import AsyncClient, MegolmEvent

from bot.engine import inputs as i
from bot.engine.language import guess
from bot.runner import Runner
from bot.store.base import OwnRoom, SyncState
from bot.transports.matrix.connect import MatrixConfig
from bot.transports.matrix.conversations import PLATFORM, Conversations
from bot.transports.matrix.homeserver import Homeserver
from bot.transports.matrix.render import classify, content, entry_code

CLAIM_MEMORY = 3600.0  # seconds a handled foreign room is remembered (against double handling)


class Rooms:
    """Decides per room: talk, adopt, wait for the first message, or leave."""

    def __init__(
        self,
        client: AsyncClient,
        runner: Runner,
        hs: Homeserver,
        state: SyncState,
        cfg: MatrixConfig,
        talk: Conversations,
    ) -> None:
        self.client, self.runner, self.hs = client, runner, hs
        self.state, self.cfg, self.talk = state, cfg, talk
        self.me = str(client.user_id)
        self._claimed: dict[str, float] = {}  # foreign room -> when it was handled
        self._waiting: dict[str, float] = {}  # foreign room -> when to stop waiting
        self._sealed: dict[str, MegolmEvent] = {}  # foreign room -> first message, still locked

    def dues(self) -> list[float]:
        """When waiting rooms stop waiting (the sync loop wakes up in time)."""
        return list(self._waiting.values())

    async def invited(self, room_id: str) -> None:
        self.runner.metrics.inc("matrix_invites")
        await self.hs.join(room_id)

    async def joined(self, room_id: str, events: list[Any]) -> None:
        room = self.client.rooms.get(room_id)
        if room is None:
            return
        key = self.runner.key(PLATFORM, room_id)
        own = await self.state.room(key)
        others = [u for u in room.users if u != self.me]
        if own is None:
            await self._foreign(room_id, others, events)
        elif len(others) > 1:  # someone joined the resident's private conversation
            await self._one_to_one_only(room_id, key, "third_member")
        elif not others:
            await self._close(room_id, key, erase=True)  # the resident left or declined
        else:
            await self._own_room(room_id, key, own, events)

    async def _own_room(self, room_id: str, key: str, own: OwnRoom, events: list[Any]) -> None:
        if not own.greeted:
            start = i.Start(own.code, own.lang)
            deliver = self.talk.deliverer(room_id, key, f"g{key}")
            await self.runner.handle(PLATFORM, room_id, start, deliver, numbered=True)
            await self.state.greeted(key)
        for event in events:
            if getattr(event, "sender", self.me) != self.me:
                await self.talk.event(room_id, key, event)

    async def _foreign(self, room_id: str, others: list[str], events: list[Any]) -> None:
        """Someone else's room: leave a group; move a one-to-one chat into a room of our own."""
        if len(others) != 1:
            if self._claim(room_id):
                await self._one_to_one_only(room_id, None)
            return
        first = next((t for e in events if (t := _text_from(e, others[0])) is not None), None)
        if first is not None:
            if self._claim(room_id):
                await self._adopt(room_id, others[0], first)
        else:
            sealed = [e for e in events if isinstance(e, MegolmEvent) and e.sender == others[0]]
            if sealed:
                self._sealed.setdefault(room_id, sealed[0])
            # Clients often send the first message (maybe an entry code) just after the invite:
            # wait a moment for it. The sync loop wakes up in time (see _sync_timeout).
            self._waiting.setdefault(room_id, time.monotonic() + self.cfg.first_message_seconds)

    async def adopt_due(self) -> None:
        """Adopt waiting rooms whose first message became readable, or whose wait is over."""
        now = time.monotonic()
        for room_id, due in list(self._waiting.items()):
            room = self.client.rooms.get(room_id)
            others = [u for u in room.users if u != self.me] if room is not None else []
            first = self._unsealed(room_id)
            if (first is not None or due <= now) and self._claim(room_id) and len(others) == 1:
                await self._adopt(room_id, others[0], first or "")

    def _unsealed(self, room_id: str) -> str | None:
        """The text of an encrypted first message, once its room key has arrived."""
        sealed = self._sealed.get(room_id)
        try:
            event = self.client.decrypt_event(sealed) if sealed is not None else None
        except Exception:  # nio raises EncryptionError and friends while the key is missing
            return None
        return _text_from(event, sealed.sender) if sealed is not None else None

    def _claim(self, room_id: str) -> bool:
        """True for the first caller only: each foreign room is handled once."""
        if room_id in self._claimed:
            return False
        now = time.monotonic()
        for old in [r for r, at in self._claimed.items() if at < now - CLAIM_MEMORY]:
            del self._claimed[old]  # long left: forget (the ids live in memory only)
        self._claimed[room_id] = now
        self._waiting.pop(room_id, None)
        self._sealed.pop(room_id, None)
        return True

    async def _adopt(self, room_id: str, resident: str, first: str) -> None:
        """Talk here when the bot may redact everything here; otherwise open a room of our own
        with the resident (greeting there once they join), point to it, and leave theirs."""
        code = entry_code(first, self.runner.entry_codes)
        tr = self.runner.translator  # the current catalogs: a reload may add a language
        lang = None if code else guess(first, tr.languages, tr.native_name)
        room = self.client.rooms[room_id]
        if await self.hs.may_moderate(room_id, "redact"):
            await self._stay(room_id, code, lang)
            return
        new_room = await self.hs.create(resident, bool(room.encrypted))
        if new_room is not None:
            await self.state.add_room(self.runner.key(PLATFORM, new_room), code, lang)
            self.runner.metrics.inc("matrix_rooms_opened")
            # One line instead of vanishing: where the conversation goes on, with 112.
            key = self.runner.key(PLATFORM, room_id)
            await self.hs.send(room_id, content(self.runner.notice(lang, "moved")), f"mv{key}")
        await self.hs.leave(room_id)

    async def _stay(self, room_id: str, code: str | None, lang: str | None) -> None:
        """The resident's own chat becomes the conversation: greet here, now."""
        key = self.runner.key(PLATFORM, room_id)
        await self.state.add_room(key, code, lang)
        self.runner.metrics.inc("matrix_rooms_kept")
        await self.hs.history_from_invite(room_id)
        await self._own_room(room_id, key, OwnRoom(code, lang, greeted=False), [])

    async def expire(self) -> None:
        """Leave, without a word, the conversations that expired (a message a day later could
        show up on a screen someone else reads); the encryption store then forgets them."""
        for room_id in list(self.client.rooms):
            key = self.runner.key(PLATFORM, room_id)
            own = await self.state.room(key)
            if own is not None and own.greeted and not await self.runner.ongoing(PLATFORM, room_id):
                self.runner.metrics.inc("matrix_rooms_expired")
                await self.state.drop_room(key)
                await self.hs.leave(room_id)

    async def _one_to_one_only(
        self, room_id: str, key: str | None, line: str = "private_only"
    ) -> None:
        """One neutral line, then leave: conversations stay one to one."""
        self.runner.metrics.inc("matrix_group_leaves")
        msg = self.runner.notice(await self.runner.language(PLATFORM, room_id), line)
        txn = f"group{key or self.runner.key(PLATFORM, room_id)}"
        await self.hs.send(room_id, content(msg), txn)
        await self._close(room_id, key, erase=False)

    async def _close(self, room_id: str, key: str | None, erase: bool) -> None:
        """Forget the conversation and leave; with `erase`, redact the room first."""
        if erase:
            await self.hs.redact_all(room_id)
        if key is not None:
            await self.runner.erase(PLATFORM, room_id)
            await self.state.drop_room(key)
        await self.hs.leave(room_id)


def _text_from(event: Any, sender: str) -> str | None:
    """The text of a message event by `sender`, or None."""
    if getattr(event, "sender", None) != sender:
        return None
    incoming = classify(getattr(event, "source", {}) or {})
    return incoming.text if incoming.kind == "text" else None
