"""The relay service beside the runner: a resident asks, a trusted person accepts, text passes
both ways through the bot, either side ends it; timeouts fall back to Veilig Thuis and 112.

Theory of operation. A relay is a `Pairing` in the RelayStore (two keys, times, a pseudonym; no
text). The resident's session holds the relay's id, so the runner hands their inputs here.
Writing to a trusted person uses their sealed chat id; writing to a resident outside their own
turn uses their chat address, which lives only in this process's memory while the relay lasts
(never stored): after a restart both sides are told the relay ended, the trusted person at
once, the resident with their next message. Locks: a resident's conversation lock is always
taken before `_mutex` (which guards choosing a free person), and a trusted person's lock is
never taken while a resident's is held, so there is no cycle.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import secrets
from dataclasses import replace

from bot.engine import inputs as i
from bot.engine.relaying import CHATTING, SEARCHING
from bot.engine.replies import Message, Reply, Turn
from bot.engine.session import Session
from bot.figures.record import Recorder
from bot.metrics import RELAYS_ACTIVE, Metrics
from bot.relay.desk import Host, Sender, erases, typed_erase
from bot.relay.pairings import Pairings, Timing
from bot.store.base import Pairing, RelayStore
from bot.store.keys import Keyer

log = logging.getLogger(__name__)
__all__ = ["Host", "Relay", "Sender", "Timing"]


class Relay(Pairings):
    """One per runner. Transports `attach` a sender per platform; `tick` runs the timeouts."""

    def __init__(
        self,
        host: Host,
        store: RelayStore,
        keyer: Keyer,
        metrics: Metrics,
        recorder: Recorder,
        timing: Timing,
    ) -> None:
        super().__init__(host, store, keyer, metrics, recorder, timing)
        self._task: asyncio.Task[None] | None = None
        metrics.gauges[RELAYS_ACTIVE] = lambda: float(len(self._residents))

    # ----------------------------------------------------------------- transports
    def attach(self, platform: str, sender: Sender) -> None:
        """A transport that can write to any of its chats at any time; starts the timer."""
        self._senders[platform] = sender
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._loop())

    async def detach(self, platform: str) -> None:
        """The transport stops; the timer stops with the last one."""
        self._senders.pop(platform, None)
        if not self._senders and self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    async def _loop(self) -> None:
        while True:
            await asyncio.sleep(self.timing.every)
            try:
                await self.tick()
            except Exception as exc:  # the timer must survive anything one relay does
                self.metrics.inc("relay_errors")
                log.error("relay timer failed: %s", type(exc).__name__)

    # ----------------------------------------------------------------- resident side
    async def ask(self, key: str, where: tuple[str, str], turn: Turn, now: dt.datetime) -> Turn:
        """The resident asked for a person (under their lock): search, or leave the engine's
        answer (Veilig Thuis and 112, at once)."""
        engine, ts = self.host.engine, int(now.timestamp())
        fallback = replace(turn, replies=tuple(r for r in turn.replies if isinstance(r, Message)))
        if turn.session is None:
            return fallback
        s = turn.session
        if where[0] not in self._senders:  # a transport that cannot write later (the web)
            return await self._counted(fallback, s)
        async with self._mutex:
            person = await self._pick(s, (), now)
            if person is None:
                return await self._counted(fallback, s)
            tag = str(10 + secrets.randbelow(90))
            p = Pairing(secrets.token_hex(8), key, person.id, "offered", ts, ts, (), tag)
            await self.store.save_pairing(p, self._expiry(p))
        self._residents[key] = where
        self.metrics.inc("relay_offers")
        s = replace(s, relay=p.id)
        if not await self._offer(p, s):
            return await self._pass_on_now(p, s, now)
        return Turn(s, (engine.relay_note(s, "relay_searching", now, SEARCHING),))

    async def resident_input(
        self, key: str, where: tuple[str, str], s: Session, inp: i.Input, now: dt.datetime
    ) -> Turn:
        """An input of a resident whose session is in a relay (under their lock)."""
        engine, ts = self.host.engine, int(now.timestamp())
        p = await self.store.pairing(s.relay or "", ts)
        if p is None or p.resident != key:  # ended while they were away (timeout, restart)
            self._residents.pop(key, None)
            left = replace(s, relay=None)
            if isinstance(inp, i.Text | i.Choice) and not erases(inp):
                return engine.relay_after(left, now, "relay_lost")
            return engine.handle(left, inp, now)
        self._residents[key] = where
        if isinstance(inp, i.Choice) and inp.option.startswith("relay."):
            return await self._resident_ends(p, s, inp.option, now)
        if erases(inp) or isinstance(inp, i.Start) or typed_erase(engine, s, inp):
            await self._close(p, "helper_ended")
            return engine.handle(replace(s, relay=None), inp, now)
        if isinstance(inp, i.Text):
            return await self._resident_text(p, s, inp.text, now)
        if isinstance(inp, i.Unsupported) and not engine.is_danger(inp.caption or "", s.lang):
            buttons = CHATTING if p.state == "active" else SEARCHING
            return Turn(s.touch(ts), (engine.relay_note(s, "relay_only_text", now, buttons),))
        return engine.handle(s, inp, now)  # another screen's button, a command: relay goes on

    async def erased(self, key: str, s: Session) -> None:
        """A transport erased this resident's conversation (under their lock; the Matrix room
        was left, the web page's quick exit): a relay of theirs ends for the trusted person
        too, and the relayed messages are deleted from their chat."""
        p = await self.store.pairing(s.relay or "", int(self.host.clock().timestamp()))
        if p is not None and p.resident == key:
            await self._close(p, "helper_ended")
        self._residents.pop(key, None)

    async def _resident_text(self, p: Pairing, s: Session, text: str, now: dt.datetime) -> Turn:
        engine, ts = self.host.engine, int(now.timestamp())
        danger = engine.is_danger(text, s.lang)
        turn = engine.handle(s, i.Text(text), now) if danger else Turn(s.touch(ts), ())
        if p.state != "active":
            if danger:
                return turn
            return Turn(s.touch(ts), (engine.relay_note(s, "relay_searching", now, SEARCHING),))
        lang = self._lang(p.person)
        name = engine.system_text(lang, "relay_resident_name", tag=p.tag)
        replies: list[Reply] = [engine.helper_relayed(lang, name, text)]
        if danger:
            replies.append(engine.helper_message(lang, "helper_danger", ("helper.end",)))
        if not await self._to_helper(p.person, tuple(replies)):
            await self._close(p, "helper_lost")
            return engine.relay_after(replace(s, relay=None), now, "relay_lost")
        touched = replace(p, touched=ts)
        await self.store.save_pairing(touched, self._expiry(touched))
        return turn

    async def _resident_ends(self, p: Pairing, s: Session, option: str, now: dt.datetime) -> Turn:
        """Stop searching, stop the relay, or "Er klopt iets niet" (which also flags it)."""
        note = {"relay.report": "relay_reported", "relay.cancel": "relay_cancelled"}
        if option == "relay.report":
            await self._flag(p.person)
        await self._close(p, "helper_ended")
        return self.host.engine.relay_after(s, now, note.get(option, "relay_ended"))

    # ----------------------------------------------------------------- the timer
    async def tick(self) -> None:
        """Offers that wait too long, searches that last too long, silent relays, relays
        whose resident this process does not know (after a restart), the end of hours."""
        now = self.host.clock()
        ts, t = int(now.timestamp()), self.timing
        for p in await self.store.pairings(ts):
            async with self.host.conversation(p.resident):
                p2 = await self.store.pairing(p.id, ts)
                if p2 is None:
                    continue
                if p2.resident not in self._residents:
                    await self._close(p2, "helper_lost")
                elif p2.state == "offered" and ts >= min(
                    p2.touched + t.offer, p2.started + t.total
                ):
                    await self._pass_on(p2, now, "helper_offer_expired")
                elif p2.state == "active" and ts - p2.touched >= t.idle:
                    await self._ended_idle(p2, now)
        await self._auto_pause(now)

    async def _ended_idle(self, p: Pairing, now: dt.datetime) -> None:
        if (s := await self.host.store.load(p.resident, int(now.timestamp()))) is not None:
            await self._to_resident(p, self.host.engine.relay_after(s, now, "relay_ended_idle"))
        await self._close(p, "helper_ended_idle")
