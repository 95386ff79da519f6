"""The trusted person's side of the relay: enrolment by a one-time code, available / pause,
accepting or declining an offer, writing to the resident, ending; and writing to either side.

A trusted person's chat is recognised by its key; their chat id is kept sealed (Keyer.seal)
so that the bot can write to them. Their messages never become a resident's session and are
never counted as a conversation.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import secrets
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import replace
from typing import Protocol

from bot.engine import inputs as i
from bot.engine.engine import Engine
from bot.engine.replies import Message, Reply, Turn
from bot.engine.session import Session
from bot.metrics import Metrics
from bot.relay.matching import on_duty
from bot.store.base import Helper, Pairing, RelayStore, SessionStore
from bot.store.keys import Keyer
from bot.store.relay_base import INVITE_LIFE

log = logging.getLogger(__name__)
Deliver = Callable[[tuple[Reply, ...]], Awaitable[None]]
Sender = Callable[[str], Deliver]  # chat id -> how to deliver to that chat now
STATUS = ("helper.available", "helper.pause")
INVITE = re.compile(r"VP-[A-Z2-7]{8}")  # one-time codes: "VP-" and 8 letters or digits


class Host(Protocol):
    """What the relay needs of the runner."""

    store: SessionStore
    clock: Callable[[], dt.datetime]

    @property
    def engine(self) -> Engine: ...

    def conversation(self, key: str) -> AbstractAsyncContextManager[None]: ...


def new_code() -> str:
    """A one-time enrolment code, easy to type: VP-7G4KQ2ZA."""
    return "VP-" + "".join(secrets.choice("ABCDEFGHJKLMNPQRSTUVWXYZ234567") for _ in range(8))


class Desk:
    """The trusted person's side; the relay service builds on it."""

    def __init__(self, host: Host, store: RelayStore, keyer: Keyer, metrics: Metrics) -> None:
        self.host, self.store, self.keyer, self.metrics = host, store, keyer, metrics
        self._senders: dict[str, Sender] = {}
        self._residents: dict[str, tuple[str, str]] = {}  # key -> (platform, chat): memory only

    async def _accepted(self, p: Pairing, now: dt.datetime) -> bool:
        raise NotImplementedError

    async def _pass_on(self, p: Pairing, now: dt.datetime, note: str) -> None:
        raise NotImplementedError

    async def _close(self, p: Pairing, helper_note: str) -> None:
        raise NotImplementedError

    def _expiry(self, p: Pairing) -> int:
        raise NotImplementedError

    # ----------------------------------------------------------------- enrolment
    async def invite(self, person: str) -> str:
        """A one-time code for a person in the directory; only its HMAC is stored."""
        if person not in self.host.engine.dialogue.trusted:
            raise KeyError(person)
        code = new_code()
        ts = int(self.host.clock().timestamp())
        await self.store.invite(self.keyer.key("invite", code), person, ts + INVITE_LIFE)
        return code

    async def takes(
        self, platform: str, chat_id: str | int, inp: i.Input, deliver: Deliver
    ) -> bool:
        """A trusted person's input (or an enrolment code) is handled here: True. A resident's
        is not: False, and the runner goes on as always."""
        key = self.keyer.key(platform, chat_id)
        if (code := _code(inp)) is not None:
            ts = int(self.host.clock().timestamp())
            person = await self.store.redeem(self.keyer.key("invite", code), ts)
            if person is not None and person in self.host.engine.dialogue.trusted:
                sealed = self.keyer.seal(str(chat_id))
                await self.store.enrol(Helper(person, key, platform, sealed))
                self.metrics.inc("relay_enrolled")
                await deliver((self._message(person, "helper_welcome", STATUS),))
                return True
        helper = await self.store.helper(key)
        if helper is None:
            return False
        async with self.host.conversation(key):
            await self._desk(helper, inp, deliver)
        return True

    # ----------------------------------------------------------------- their inputs
    async def _desk(self, h: Helper, inp: i.Input, deliver: Deliver) -> None:
        now = self.host.clock()
        choice = inp.option if isinstance(inp, i.Choice) else ""
        if choice in STATUS:
            await deliver((await self._set_available(h, choice == STATUS[0], now),))
        elif choice in ("helper.accept", "helper.decline"):
            await self._answer(h, choice == "helper.accept", now, deliver)
        elif choice == "helper.end":
            await self._helper_ends(h, now, deliver)
        elif isinstance(inp, i.Text | i.Unsupported) and (p := await self._mine(h, "active")):
            await self._helper_writes(h, p, inp, now, deliver)
        elif not isinstance(inp, i.Edited):
            await deliver((self._status(h.person, "", h.available),))

    async def _set_available(self, h: Helper, available: bool, now: dt.datetime) -> Message:
        person = self.host.engine.dialogue.trusted.get(h.person)
        if available and (person is None or not on_duty(person, now)):
            return self._status(h.person, "helper_outside_hours", h.available)
        await self.store.enrol(replace(h, available=available))
        return self._status(h.person, "", available)

    async def _answer(self, h: Helper, accept: bool, now: dt.datetime, deliver: Deliver) -> None:
        p = await self._mine(h, "offered")
        if p is None:
            await deliver((self._status(h.person, "helper_offer_gone", h.available),))
            return
        async with self.host.conversation(p.resident):
            p = await self.store.pairing(p.id, int(now.timestamp()))
            mine = p is not None and p.person == h.person and p.state == "offered"
            if p is None or not mine:
                await deliver((self._status(h.person, "helper_offer_gone", h.available),))
            elif not accept:
                await self._pass_on(p, now, "helper_declined")
            elif await self._accepted(p, now):
                name = self._resident_name(p)
                msg = self._message(h.person, "helper_connected", ("helper.end",), resident=name)
                await deliver((msg,))
            else:
                await deliver((self._status(h.person, "helper_offer_gone", h.available),))

    async def _helper_writes(
        self, h: Helper, p: Pairing, inp: i.Input, now: dt.datetime, deliver: Deliver
    ) -> None:
        if not isinstance(inp, i.Text):
            await deliver((self._message(h.person, "helper_only_text", ("helper.end",)),))
            return
        ts = int(now.timestamp())
        async with self.host.conversation(p.resident):
            live = await self.store.pairing(p.id, ts)
            s = await self.host.store.load(p.resident, ts)
            if live is None or s is None or s.relay != p.id:
                await deliver((self._status(h.person, "helper_lost", h.available),))
                return
            name = self.host.engine.dialogue.trusted[h.person].name
            msg = self.host.engine.relayed(s, name, inp.text, now)
            if not await self._to_resident(live, Turn(s.touch(ts), (msg,))):
                await self._close(live, "helper_lost")
                return
            touched = replace(live, touched=ts)
            await self.store.save_pairing(touched, self._expiry(touched))

    async def _helper_ends(self, h: Helper, now: dt.datetime, deliver: Deliver) -> None:
        p = await self._mine(h, "active")
        if p is None:
            await deliver((self._status(h.person, "", h.available),))
            return
        async with self.host.conversation(p.resident):
            ts = int(now.timestamp())
            s = await self.host.store.load(p.resident, ts)
            if s is not None and s.relay == p.id:
                turn = self.host.engine.relay_after(s, now, "relay_ended_by_helper")
                await self._to_resident(p, turn)
            await self._close(p, "helper_ended")

    async def _mine(self, h: Helper, state: str) -> Pairing | None:
        ts = int(self.host.clock().timestamp())
        found = [p for p in await self.store.pairings(ts) if p.person == h.person]
        return next((p for p in found if p.state == state), None)

    # ----------------------------------------------------------------- writing
    async def _to_helper(self, person: str, replies: tuple[Reply, ...]) -> bool:
        """Write to a trusted person's own chat; False when that is not possible now."""
        h = next((h for h in await self.store.helpers() if h.person == person), None)
        chat = self.keyer.unseal(h.sealed) if h is not None else None
        sender = self._senders.get(h.platform) if h is not None else None
        if chat is None or sender is None:
            return False
        return await self._send(sender(chat), replies, "helper")

    async def _tell(self, person: str, note: str, *first: Reply) -> bool:
        """A note and where they stand as stored now (available or paused: a relay that ends
        leaves them available), after `first` (an Erase)."""
        h = next((h for h in await self.store.helpers() if h.person == person), None)
        status = self._status(person, note, h is not None and h.available)
        return await self._to_helper(person, (*first, status))

    async def _to_resident(self, p: Pairing, turn: Turn) -> bool:
        """Write to a resident outside their own turn (the caller holds their lock) and save
        their session; False when their chat is not known in this process."""
        where = self._residents.get(p.resident)
        sender = self._senders.get(where[0]) if where is not None else None
        sent = where is not None and sender is not None
        if where is not None and sender is not None:
            sent = await self._send(sender(where[1]), turn.replies, "resident")
        ts = int(self.host.clock().timestamp())
        if turn.session is None:
            await self.host.store.delete(p.resident)
        else:
            await self.host.store.save(p.resident, turn.session, ts)
        return sent

    async def _send(self, deliver: Deliver, replies: tuple[Reply, ...], side: str) -> bool:
        try:
            await deliver(replies)
        except Exception as exc:  # only the type: a platform's error may quote the text
            self.metrics.inc(f"relay_send_{side}_failed")
            log.warning("relay: writing to a %s failed: %s", side, type(exc).__name__)
            return False
        return True

    # ----------------------------------------------------------------- texts
    def _lang(self, person: str) -> str:
        """A trusted person's language: the first one they speak that the bot offers."""
        engine = self.host.engine
        p = engine.dialogue.trusted.get(person)
        offered = [code for code in (p.languages if p else ()) if code in engine.tr.languages]
        return offered[0] if offered else engine.tr.languages[0]

    def _message(self, person: str, key: str, buttons: tuple[str, ...], **values: str) -> Message:
        return self.host.engine.helper_message(self._lang(person), key, buttons, **values)

    def _status(self, person: str, note: str, available: bool = False) -> Message:
        """A note (if any) and where they stand: available or paused, with both buttons."""
        engine, lang = self.host.engine, self._lang(person)
        state = engine.helper_message(
            lang, "helper_available" if available else "helper_paused", STATUS
        )
        if not note:
            return state
        return replace(state, text=f"{engine.system_text(lang, note)}\n\n{state.text}")

    def _resident_name(self, p: Pairing) -> str:
        return self.host.engine.system_text(self._lang(p.person), "relay_resident_name", tag=p.tag)


def _code(inp: i.Input) -> str | None:
    """An enrolment code sent as a deep link (/start VP-...) or typed."""
    raw = inp.code if isinstance(inp, i.Start) else inp.text if isinstance(inp, i.Text) else None
    text = (raw or "").strip().removeprefix("/start").strip().upper()
    return text if INVITE.fullmatch(text) else None


def typed_erase(engine: Engine, s: Session, inp: i.Input) -> bool:
    """`wissen` typed during a relay erases; it is never passed on."""
    return isinstance(inp, i.Text) and engine.command_in(s.lang, inp.text) == "erase"


def erases(inp: i.Input) -> bool:
    return (isinstance(inp, i.Command) and inp.name == "erase") or (
        isinstance(inp, i.Choice) and inp.option == "cmd.erase"
    )
