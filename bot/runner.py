"""The runner: the one port a transport sees. Conversation key -> lock -> load -> engine ->
deliver -> save, and purging, live here once.

A transport turns what arrived into an input, gives the runner a `deliver` function that
sends replies its own way, and asks the runner for anything else: whether a text is urgent,
a notice of its own (which the engine renders with the 112 line like every message), the
conversation's language, or to forget a conversation. It never touches the engine or the
session store itself.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import time
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import replace

from bot.content.live import Content
from bot.engine import inputs as i
from bot.engine.engine import Engine, Turn
from bot.engine.numbered import pick
from bot.engine.replies import Reply
from bot.engine.session import Session
from bot.figures.record import Recorder
from bot.locks import KeyedLocks
from bot.metrics import Metrics
from bot.relay.service import Relay, Sender, Timing
from bot.runner_parts import (
    Shown,
    answer,
    count,
    deliver_safely,
    move,
    noting,
    on_screen,
    opening,
    picked,
    remembering,
    store_failed,
)
from bot.runner_port import Answers
from bot.store.base import Figures, RelayStore, SessionStore
from bot.store.keys import Keyer

log = logging.getLogger(__name__)
Clock = Callable[[], dt.datetime]
PURGE_EVERY = 600  # seconds between purges of expired sessions
Deliver = Callable[[tuple[Reply, ...]], Awaitable[None]]


def utc_now() -> dt.datetime:
    """The real clock (the only place that reads it)."""
    return dt.datetime.now(dt.UTC)


class Runner(Answers):
    """Handles one update per conversation at a time; different conversations in parallel."""

    def __init__(
        self,
        engine: Engine | Content,
        store: SessionStore,
        keyer: Keyer,
        negotiate: Callable[[str | None], str],
        clock: Clock = utc_now,
        metrics: Metrics | None = None,
        figures: Figures | None = None,
        relay: RelayStore | None = None,
        timing: Timing | None = None,
    ) -> None:
        # A reload may replace the content (content/live.py): a turn reads the engine once.
        self.content = engine if isinstance(engine, Content) else Content(engine)
        self.store, self.keyer = store, keyer
        self.negotiate, self.clock = negotiate, clock
        self.metrics = metrics or Metrics()
        self.recorder = Recorder(figures, self.metrics, clock)
        self._locks = KeyedLocks()
        self._next_purge = 0
        self._shown = Shown()  # what a typed number refers to, and the language, per conversation
        # The live relay to trusted persons; without a relay store, asking for a person
        # leads to Veilig Thuis and 112 at once.
        self.relay = (
            Relay(self, relay, keyer, self.metrics, self.recorder, timing or Timing())
            if relay
            else None
        )

    # ----------------------------------------------------------------- the port
    async def language(self, platform: str, chat_id: str | int) -> str:
        """The conversation's language, or the default one when there is no conversation."""
        session = await self.store.load(self.key(platform, chat_id), self.timestamp())
        return session.lang if session else self.negotiate(None)

    async def ongoing(self, platform: str, chat_id: str | int) -> bool:
        """Whether the conversation has a session that has not expired."""
        return await self.store.load(self.key(platform, chat_id), self.timestamp()) is not None

    def attach(self, platform: str, sender: Sender, *, numbered: bool = False) -> None:
        """A transport that can write to any of its chats at any time (the live relay); with
        `numbered`, a typed number refers to what it was last given to show, also then."""
        if self.relay is not None:
            keyed = functools.partial(self.key, platform)
            self.relay.attach(platform, noting(self._shown, keyed, sender) if numbered else sender)

    async def detach(self, platform: str) -> None:
        """The transport stops writing."""
        if self.relay is not None:
            await self.relay.detach(platform)

    async def erase(self, platform: str, chat_id: str | int) -> None:
        """Forget a conversation (the transport removes its messages itself)."""
        key, *old = self.keys(platform, chat_id)
        async with self.conversation(key):
            for k in (key, *old):
                session = await self.store.load(k, self.timestamp())
                if self.relay is not None and session is not None and session.relay:
                    await self.relay.erased(k, session)  # the trusted person is told, too
                await self.store.delete(k)
            self._shown.forget(key)

    async def purge(self) -> int:
        """Delete expired sessions now (transports call this on a timer when idle)."""
        dropped = await self.store.purge(self.timestamp())
        self.metrics.inc("sessions_purged", dropped)
        return dropped

    async def handle(
        self,
        platform: str,
        chat_id: str | int,
        inp: i.Input,
        deliver: Deliver,
        client_lang: str | None = None,
        *,
        numbered: bool = False,
        guess: str | None = None,
        update: str | int | None = None,
        helpers: bool = True,
    ) -> Turn:
        """Run one input through the engine and deliver the replies, under the lock.

        `client_lang`: the language the client suggests (a phone's setting), for a new
        conversation. `numbered`: the transport shows choices as numbers, so a typed number
        picks one of the choices it showed last. `guess`: the language a text seems to be in,
        for a new conversation, and for one that has only been greeted so far (a greeting in
        a guessed language is corrected by the first real answer). `update`: the platform's
        id of this input, where it may deliver it again (at least once): an input whose turn
        was saved already gets no second turn. `helpers`: a trusted person may use this
        transport (not the web chat, which cannot write to anyone later).
        """
        began = time.perf_counter()
        key, *old = self.keys(platform, chat_id)
        if numbered:  # what a typed number refers to: the choices of what was delivered last
            deliver = remembering(self._shown, key, deliver)
        if (
            helpers
            and self.relay is not None
            and await self.relay.takes(
                platform, chat_id, picked(self._shown, key, inp) if numbered else inp, deliver
            )
        ):
            return Turn(None, ())  # a trusted person's chat: never a resident's conversation
        async with self.conversation(key):
            if old:  # after a change of secret: the conversation moves to its new key
                await move(self.store, old[0], key, self.timestamp())
            engine = self.engine  # one version for the whole turn, also after a reload
            where = (platform, str(chat_id))
            token = None if update is None else self.key(f"{platform}-update", update)
            turn, loaded, whole = await self._handle(
                engine, key, where, inp, deliver, client_lang, numbered, guess, token
            )
        self.metrics.observe_reply(time.perf_counter() - began)
        if whole:  # a turn cut short by a broken store counts for no figure
            await self.recorder.turn(platform, loaded, turn, engine.dialogue)
        return turn

    # ----------------------------------------------------------------- inside
    def conversation(self, key: str) -> AbstractAsyncContextManager[None]:
        """Hold the per-conversation lock; locks are dropped when nobody waits on them."""
        return self._locks.hold(key)

    async def _handle(
        self,
        engine: Engine,
        key: str,
        where: tuple[str, str],
        inp: i.Input,
        deliver: Deliver,
        client_lang: str | None,
        numbered: bool,
        guess: str | None,
        token: str | None,
    ) -> tuple[Turn, Session | None, bool]:
        """The turn, the session as it was stored before it (for the figures), and whether
        the turn was whole (False: the store failed and only the 112 line was sent)."""
        now = self.clock()
        ts = int(now.timestamp())
        await self._purge(ts)
        try:
            session = loaded = await self.store.load(key, ts)
        except Exception as exc:  # a broken store must not leave a resident without 112
            store_failed(self.metrics, "load", exc)
            lang = self._shown.lang(key) or self.negotiate(client_lang or guess)
            turn = Turn(None, (engine.fallback(lang),))
            await deliver_safely(self.metrics, engine, deliver, turn, lang)
            return turn, None, False  # nothing saved: what is stored stays as it was
        if token is not None and loaded is not None and loaded.handled == token:
            self.metrics.inc("updates_answered_before")  # saved, then a crash: not again
            return Turn(loaded, ()), loaded, False
        session, inp = opening(engine, self.negotiate, session, inp, (client_lang, guess), now)
        if numbered and isinstance(inp, i.Text) and session is not None:
            node, shown = self._shown.get(key) or on_screen(engine, session, now)
            inp = pick(inp.text, shown, node)
        try:
            turn = await answer(self.relay, engine, key, where, session, inp, now)
        except Exception as exc:  # a bug must never leave a resident without the 112 line
            log.error("answering failed: %s", type(exc).__name__)
            self.metrics.inc("engine_errors")
            lang = session.lang if session else self.negotiate(client_lang or guess)
            turn = Turn(session, (engine.fallback(lang),))
        count(self.metrics, inp, turn)
        self._shown.remember(key, turn)
        latest = turn.session or session
        lang = latest.lang if latest is not None else self.negotiate(client_lang)
        await deliver_safely(self.metrics, engine, deliver, turn, lang)
        try:
            if turn.session is None:
                await self.store.delete(key)
            else:
                await self.store.save(key, replace(turn.session, handled=token), ts)
        except Exception as exc:  # answered already: a lost step is better than a repeat
            store_failed(self.metrics, "save", exc)
        return turn, loaded, True

    async def _purge(self, ts: int) -> None:
        """Delete expired sessions now and then, so nothing outlives its TTL on disk for long."""
        if ts >= self._next_purge:
            self._next_purge = ts + PURGE_EVERY
            try:
                self.metrics.inc("sessions_purged", await self.store.purge(ts))
            except Exception as exc:  # the transports' timers purge again; answer first
                store_failed(self.metrics, "purge", exc)
