"""Conversations in the bot's own rooms: each resident event answered once, through the
runner; replies sent in order (urgent first); erase redacts the room and leaves afterwards;
encrypted events whose keys have not arrived wait a while, then get the calm reply."""

from __future__ import annotations

import asyncio
import secrets
import time
from dataclasses import dataclass
from typing import Any

from nio import AsyncClient, MegolmEvent, RoomMemberEvent

from bot.engine import inputs as i
from bot.engine.language import guess
from bot.engine.replies import Erase, Handoff, Message, Reply
from bot.runner import Deliver, Runner
from bot.store.base import SyncState, UpdateLog
from bot.transports.background import Background
from bot.transports.inbox import Inbox
from bot.transports.matrix.connect import MatrixConfig
from bot.transports.matrix.homeserver import Homeserver
from bot.transports.matrix.render import Incoming, classify, content, entry_code

PLATFORM = "matrix"


@dataclass
class Parked:
    """An encrypted event whose room key has not arrived yet."""

    room_id: str
    key: str
    event: MegolmEvent
    since: float


class Conversations:
    """Answers residents in the rooms the bot opened."""

    def __init__(
        self,
        client: AsyncClient,
        runner: Runner,
        hs: Homeserver,
        state: SyncState,
        handled: UpdateLog,
        cfg: MatrixConfig,
        later: Background,
    ) -> None:
        self.client, self.runner, self.hs = client, runner, hs
        self.state, self.cfg, self.later = state, cfg, later
        self.inbox = Inbox(handled, runner.timestamp, runner.metrics, "matrix")
        self._parked: dict[str, Parked] = {}

    def dues(self) -> list[float]:
        """When parked events are given up on (the sync loop wakes up in time)."""
        return [p.since + self.cfg.undecryptable_seconds for p in self._parked.values()]

    async def event(self, room_id: str, key: str, event: Any) -> None:
        if isinstance(event, MegolmEvent):
            self.park(room_id, key, event)
            return
        incoming = classify(getattr(event, "source", {}) or {})
        if incoming.kind == "ignore" or isinstance(event, RoomMemberEvent):
            return
        await self.once(room_id, key, str(event.event_id), incoming)

    async def once(self, room_id: str, key: str, event_id: str, incoming: Incoming) -> None:
        """Answer an event unless it was answered before (a replay after a restart)."""
        ekey = self.runner.key("matrix-event", event_id)
        if not await self.inbox.fresh([ekey]):
            return  # a replay after a restart (counted as matrix_duplicates)
        inp, hint = self._input(incoming)
        deliver = self.deliverer(room_id, key, ekey)
        answered = asyncio.Event()
        self.later.spawn(lambda: self._signal(room_id, event_id, answered))  # beside the reply
        try:
            await self.runner.handle(PLATFORM, room_id, inp, deliver, numbered=True, guess=hint)
        except Exception as exc:  # a poisoned event must not be answered after every restart
            await self.inbox.give_up(ekey, exc)
            raise
        finally:
            answered.set()
        await self.inbox.done(ekey)

    async def _signal(self, room_id: str, event_id: str, answered: asyncio.Event) -> None:
        """Show the resident that their message arrived and, until the reply is out, that one
        is being written (each step best effort, a few seconds at most)."""
        steps = []
        if self.cfg.read_receipts:
            steps.append(self.hs.seen(room_id, event_id))
        if self.cfg.typing:
            steps.append(self._typing(room_id, answered))
        await asyncio.gather(*steps)

    async def _typing(self, room_id: str, answered: asyncio.Event) -> None:
        """ "Typing..." from the start until the reply is out (not at all if it already is)."""
        if answered.is_set():
            return
        await self.hs.typing(room_id, True)
        await answered.wait()
        await self.hs.typing(room_id, False)

    def _input(self, incoming: Incoming) -> tuple[i.Input, str | None]:
        """The engine input for an event, and the language its text seems to be in."""
        if incoming.kind == "unsupported":
            return i.Unsupported(incoming.text, incoming.caption), None
        if incoming.kind == "edit":
            return i.Edited(incoming.text), None
        text = incoming.text
        tr = self.runner.translator  # the current catalogs: a reload may add a language
        hint = guess(text, tr.languages, tr.native_name)
        code = entry_code(text, self.runner.entry_codes)
        return (i.Start(code) if code is not None else i.Text(text)), hint

    def sender(self, room_id: str) -> Deliver:
        """How the core writes to a room outside its own turn (the live relay: the resident,
        or a trusted person's own room). An erase there (the end of a relay, in a trusted
        person's room) redacts the room but stays in it: that room is how they are reached."""
        key = self.runner.key(PLATFORM, room_id)
        return self.deliverer(room_id, key, f"relay{secrets.token_hex(8)}", leave=False)

    def deliverer(self, room_id: str, key: str, txn_base: str, leave: bool = True) -> Deliver:
        """Send replies in order (urgent first); erase redacts the room and leaves afterwards."""
        count = 0

        async def deliver(replies: tuple[Reply, ...]) -> None:
            nonlocal count
            erased = False
            for reply in sorted(replies, key=lambda r: not (isinstance(r, Message) and r.urgent)):
                if isinstance(reply, Erase):
                    erased = True
                    await self.hs.redact_all(room_id)
                elif isinstance(reply, Message):
                    event_id = await self.hs.send(room_id, content(reply), f"{txn_base}.{count}")
                    count += 1
                    self._shown_now(reply, room_id, event_id)
                elif isinstance(reply, Handoff):
                    self.runner.metrics.inc("matrix_handoffs")
            if erased and leave:
                # Stay until the erase note has vanished, so the resident sees that it worked.
                self.later.later(
                    self.cfg.ephemeral_seconds + 0.5, lambda: self._after_erase(room_id, key)
                )

        return deliver

    def _shown_now(self, msg: Message, room_id: str, event_id: str | None) -> None:
        if msg.ephemeral and event_id is not None:  # the erase note: it vanishes by itself
            self.later.later(self.cfg.ephemeral_seconds, lambda: self._vanish(room_id, event_id))

    async def _vanish(self, room_id: str, event_id: str) -> None:
        await self.hs.redact(room_id, event_id)

    async def _after_erase(self, room_id: str, key: str) -> None:
        await self.state.drop_room(key)
        await self.hs.leave(room_id)

    def park(self, room_id: str, key: str, event: MegolmEvent) -> None:
        self.runner.metrics.inc("matrix_undecryptable")
        self._parked.setdefault(str(event.event_id), Parked(room_id, key, event, time.monotonic()))

    async def unpark(self) -> None:
        """Retry parked events once their keys came; answer them as unreadable after a while."""
        for event_id, p in list(self._parked.items()):
            try:
                event: Any = self.client.decrypt_event(p.event)
            except Exception:  # nio raises EncryptionError and friends while the key is missing
                event = None
            if event is None and time.monotonic() - p.since < self.cfg.undecryptable_seconds:
                continue
            del self._parked[event_id]
            incoming = classify(event.source) if event is not None else Incoming("text", "")
            if incoming.kind != "ignore":
                await self.once(p.room_id, p.key, event_id, incoming)

    def _now(self) -> int:
        return self.runner.timestamp()
