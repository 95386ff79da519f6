"""The async glue: conversation key -> lock -> load -> engine -> deliver -> save."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import replace

from bot.engine import inputs as i
from bot.engine.engine import Engine, Turn
from bot.engine.replies import Message, Reply
from bot.metrics import Metrics
from bot.store.base import SessionStore
from bot.store.keys import Keyer

log = logging.getLogger(__name__)
Clock = Callable[[], dt.datetime]
PURGE_EVERY = 600  # seconds between purges of expired sessions
Deliver = Callable[[tuple[Reply, ...]], Awaitable[None]]


def utc_now() -> dt.datetime:
    """The real clock (the only place that reads it)."""
    return dt.datetime.now(dt.UTC)


class Runner:
    """Handles one update per conversation at a time; different conversations in parallel."""

    def __init__(
        self,
        engine: Engine,
        store: SessionStore,
        keyer: Keyer,
        negotiate: Callable[[str | None], str],
        clock: Clock = utc_now,
        metrics: Metrics | None = None,
    ) -> None:
        self.engine, self.store, self.keyer = engine, store, keyer
        self.negotiate, self.clock = negotiate, clock
        self.metrics = metrics or Metrics()
        self._locks: dict[str, tuple[asyncio.Lock, int]] = {}
        self._next_purge = 0

    def notice(self, lang: str | None, key: str) -> Message:
        """A transport's own line (leaving a group), in the best language for `lang`, through
        the engine's rendering: like every message it carries the acute-danger line."""
        return self.engine.notice(self.negotiate(lang), key)

    def key(self, platform: str, chat_id: str | int) -> str:
        """The opaque key of a conversation."""
        return self.keyer.key(platform, chat_id)

    @asynccontextmanager
    async def conversation(self, key: str) -> AsyncIterator[None]:
        """Hold the per-conversation lock; locks are dropped when nobody waits on them."""
        lock, users = self._locks.get(key, (asyncio.Lock(), 0))
        self._locks[key] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[key]
            if users <= 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)

    async def handle(
        self,
        platform: str,
        chat_id: str | int,
        inp: i.Input,
        deliver: Deliver,
        client_lang: str | None = None,
    ) -> Turn:
        """Run one input through the engine and deliver the replies, under the lock."""
        key = self.key(platform, chat_id)
        async with self.conversation(key):
            return await self.handle_locked(key, inp, deliver, client_lang)

    async def handle_locked(
        self, key: str, inp: i.Input, deliver: Deliver, client_lang: str | None = None
    ) -> Turn:
        """The same, for callers that already hold the conversation lock."""
        now = self.clock()
        ts = int(now.timestamp())
        await self._purge(ts)
        session = await self.store.load(key, ts)
        if isinstance(inp, i.Start):
            inp = replace(inp, lang=self.negotiate(inp.lang or client_lang))
        elif session is None and client_lang:
            inp_start = self.engine.start(i.Start(lang=self.negotiate(client_lang)), now)
            session = inp_start.session
        turn = self.engine.handle(session, inp, now)
        self._count(inp, turn)
        await deliver(turn.replies)
        if turn.session is None:
            await self.store.delete(key)
        else:
            await self.store.save(key, turn.session, ts)
        return turn

    async def _purge(self, ts: int) -> None:
        """Delete expired sessions now and then, so nothing outlives its TTL on disk for long."""
        if ts >= self._next_purge:
            self._next_purge = ts + PURGE_EVERY
            self.metrics.inc("sessions_purged", await self.store.purge(ts))

    def _count(self, inp: i.Input, turn: Turn) -> None:
        self.metrics.inc("turns")
        self.metrics.inc(f"input_{type(inp).__name__.lower()}")
        if turn.urgent:
            self.metrics.inc("danger_screens")
        if turn.session is None:
            self.metrics.inc("erasures")
        log.debug(
            "turn: input=%s replies=%d urgent=%s",
            type(inp).__name__,
            len(turn.replies),
            turn.urgent,
        )
