"""A relay's life between a resident and trusted persons: choosing who is offered it, the
offer, passing it on, connecting, closing. The relay service (service.py) builds on it."""

from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import dataclass, replace

from bot.engine.model import TrustedPerson
from bot.engine.relaying import CHATTING, SEARCHING
from bot.engine.replies import Erase, Turn
from bot.engine.session import Session
from bot.figures.names import TRUSTED
from bot.figures.record import Recorder
from bot.metrics import Metrics
from bot.relay.desk import Desk, Host
from bot.relay.matching import candidates, on_duty
from bot.store.base import Pairing, RelayStore
from bot.store.keys import Keyer


@dataclass(frozen=True)
class Timing:
    """Seconds: an offer waits `offer`, a search `total`; `idle` silence ends a relay."""

    offer: int = 90
    total: int = 300
    idle: int = 1800
    every: float = 5.0  # how often timeouts are checked


class Pairings(Desk):
    """Offers and relays; `_mutex` guards choosing a free person."""

    def __init__(
        self,
        host: Host,
        store: RelayStore,
        keyer: Keyer,
        metrics: Metrics,
        recorder: Recorder,
        timing: Timing,
    ) -> None:
        super().__init__(host, store, keyer, metrics)
        self.recorder, self.timing = recorder, timing
        self._mutex = asyncio.Lock()

    # ----------------------------------------------------------------- pairing life
    async def _pick(
        self, s: Session, tried: tuple[str, ...], now: dt.datetime
    ) -> TrustedPerson | None:
        """The best free person for this resident (the caller holds `_mutex`)."""
        ts = int(now.timestamp())
        available = {h.person for h in await self.store.helpers() if h.available}
        busy = {p.person for p in await self.store.pairings(ts)}
        found = candidates(self.host.engine.dialogue, s, available - busy - set(tried), now)
        return found[0] if found else None

    async def _offer(self, p: Pairing, s: Session) -> bool:
        """The neutral offer to the trusted person: language, region, via their link."""
        engine = self.host.engine
        person = engine.dialogue.trusted[p.person]
        lang = self._lang(p.person)
        region = engine.dialogue.regions.get(s.region or "")
        via = "relay_yes" if person.code and s.entry_code == person.code else "relay_no"
        msg = engine.helper_message(
            lang,
            "helper_offer",
            ("helper.accept", "helper.decline"),
            language=engine.tr.native_name(s.lang),
            region=region or engine.system_text(lang, "relay_region_unknown"),
            via=engine.system_text(lang, via),
        )
        return await self._to_helper(p.person, (msg,))

    async def _pass_on(self, p: Pairing, now: dt.datetime, note: str) -> None:
        """The offer goes to the next person who fits (under the resident's lock)."""
        await self._tell(p.person, note)
        s = await self.host.store.load(p.resident, int(now.timestamp()))
        if s is None or s.relay != p.id:
            await self._forget(p)
            return
        await self._pass_on_now(p, s, now, send=True)

    async def _pass_on_now(
        self, p: Pairing, s: Session, now: dt.datetime, send: bool = False
    ) -> Turn:
        ts = int(now.timestamp())
        tried = (*p.tried, p.person)
        nxt = None
        if ts - p.started < self.timing.total:
            async with self._mutex:
                nxt = await self._pick(s, tried, now)
                if nxt is not None:
                    p = replace(p, person=nxt.id, touched=ts, tried=tried)
                    await self.store.save_pairing(p, self._expiry(p))
        if nxt is not None and await self._offer(p, s):
            if not send:
                note = self.host.engine.relay_note(s, "relay_searching", now, SEARCHING)
                return Turn(s, (note,))
            return Turn(s, ())
        turn = await self._counted_fallback(s, now, "relay_nobody")
        if send:  # before forgetting: the resident's chat is known only while the relay lives
            await self._to_resident(p, turn)
        await self._forget(p)
        return turn

    async def _accepted(self, p: Pairing, now: dt.datetime) -> bool:
        """Connect both sides (under the resident's lock)."""
        engine, ts = self.host.engine, int(now.timestamp())
        p = replace(p, state="active", touched=ts)
        await self.store.save_pairing(p, self._expiry(p))
        name = engine.dialogue.trusted[p.person].name
        s = await self.host.store.load(p.resident, ts)
        if s is None or s.relay != p.id:
            await self._forget(p)
            return False
        note = engine.relay_note(s, "relay_connected", now, CHATTING, name=name)
        if not await self._to_resident(p, Turn(s.touch(ts), (note,))):
            await self._forget(p)
            return False
        self.metrics.inc("relay_accepted")
        await self.recorder.add(s.region, (TRUSTED[1],))
        return True

    async def _close(self, p: Pairing, helper_note: str) -> None:
        """End a relay from the resident's side or a timeout: the trusted person is told, and
        the relayed messages are deleted from their chat."""
        await self._forget(p)
        if p.state == "active":
            self.metrics.inc("relay_completed")
            await self.recorder.add(None, (TRUSTED[2],))
            await self._tell(p.person, helper_note, Erase())
        else:
            await self._tell(p.person, "helper_offer_gone")

    async def _forget(self, p: Pairing) -> None:
        await self.store.drop_pairing(p.id)
        self._residents.pop(p.resident, None)

    async def _counted(self, fallback: Turn, s: Session) -> Turn:
        self.metrics.inc("relay_fell_back")
        await self.recorder.add(s.region, (TRUSTED[3],))
        return fallback

    async def _counted_fallback(self, s: Session, now: dt.datetime, note: str) -> Turn:
        return await self._counted(self.host.engine.relay_fallback(s, now, note), s)

    def _expiry(self, p: Pairing) -> int:
        """A relay is gone from the store ten minutes after it should have ended by itself."""
        if p.state == "active":
            return p.touched + self.timing.idle + 600
        return p.started + self.timing.total + 600

    # ----------------------------------------------------------------- availability
    async def _auto_pause(self, now: dt.datetime) -> None:
        """At the end of their directory hours, an available person is set to pause."""
        trusted = self.host.engine.dialogue.trusted
        for h in await self.store.helpers():
            person = trusted.get(h.person)
            if h.available and (person is None or not on_duty(person, now)):
                await self.store.enrol(replace(h, available=False))
                await self._tell(h.person, "helper_hours_over")

    async def _flag(self, person: str) -> None:
        """ "Er klopt iets niet": one more report for the coordinator, without any content."""
        self.metrics.inc("relay_reported")
        for h in await self.store.helpers():
            if h.person == person:
                await self.store.enrol(replace(h, reports=h.reports + 1))
