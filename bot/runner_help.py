"""Pieces of the runner's turn kept apart so that runner.py reads as one story: what a number
refers to after a restart, whether a conversation was only greeted, the turn's counts, and
moving a conversation to a new secret's key."""

from __future__ import annotations

import datetime as dt
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import TypeVar

from bot.engine import inputs as i
from bot.engine.engine import Engine, Turn
from bot.engine.numbered import choices
from bot.engine.replies import Button, Message, Reply
from bot.engine.session import Session
from bot.metrics import Metrics
from bot.store.base import SessionStore

log = logging.getLogger("bot.runner")
T = TypeVar("T")
SHOWN_LIMIT = 10_000  # conversations whose last numbered choices are remembered (in memory)


class Shown:
    """What the runner remembers of recent conversations, in memory only and bounded: the
    choices of the last numbered message sent (what a typed number refers to; after a restart
    they are rebuilt by on_screen), and the language, so that even a turn whose session cannot
    be loaded is answered in it."""

    def __init__(self) -> None:
        self._shown: OrderedDict[str, tuple[str, tuple[Button, ...]]] = OrderedDict()
        self._langs: OrderedDict[str, str] = OrderedDict()

    def get(self, key: str) -> tuple[str, tuple[Button, ...]] | None:
        return self._shown.get(key)

    def lang(self, key: str) -> str | None:
        return self._langs.get(key)

    def clear(self) -> None:
        self._shown.clear()

    def forget(self, key: str) -> None:
        self._shown.pop(key, None)
        self._langs.pop(key, None)

    def remember(self, key: str, turn: Turn, numbered: bool) -> None:
        """The language, and for a numbered transport the choices of the last lasting
        message sent."""
        if turn.session is None:
            self.forget(key)
            return
        _bounded(self._langs, key, turn.session.lang)
        shown = [r for r in turn.replies if isinstance(r, Message) and not r.ephemeral]
        if numbered and shown:
            _bounded(self._shown, key, (shown[-1].node, choices(shown[-1])))


def _bounded(table: OrderedDict[str, T], key: str, value: T) -> None:
    table[key] = value
    table.move_to_end(key)
    if len(table) > SHOWN_LIMIT:
        table.popitem(last=False)


def greeted(engine: Engine, session: Session) -> bool:
    """A conversation that has shown its greeting and nothing else yet."""
    entry = engine.dialogue.entry
    return session.node == entry and session.screen is None and session.updated == session.started


def on_screen(engine: Engine, session: Session, now: dt.datetime) -> tuple[str, tuple[Button, ...]]:
    """The choices on screen after a restart, rebuilt from the session."""
    if session.screen is not None:
        return session.node, ()  # the engine reads numbers on its own screens itself
    if session.node not in engine.dialogue.nodes:
        # The node was removed by a reload: nothing to pick from; the engine starts the
        # conversation over with a note (and the 112 line, as on every message).
        return session.node, ()
    msg = engine.show(session, now)
    return msg.node, choices(msg)


def count(metrics: Metrics, inp: i.Input, turn: Turn) -> None:
    metrics.inc("turns")
    metrics.inc(f"input_{type(inp).__name__.lower()}")
    if turn.urgent:
        metrics.inc("danger_screens")
    if turn.session is None:
        metrics.inc("erasures")
    log.debug(
        "turn: input=%s replies=%d urgent=%s",
        type(inp).__name__,
        len(turn.replies),
        turn.urgent,
    )


async def move(store: SessionStore, old: str, key: str, ts: int) -> None:
    """A session filed under the previous secret's key goes to the current key."""
    session = await store.load(old, ts)
    if session is not None:
        if await store.load(key, ts) is None:
            await store.save(key, session, ts)
        await store.delete(old)


async def deliver_all(
    deliver: Callable[[tuple[Reply, ...]], Awaitable[None]],
    turn: Turn,
    fallback: Message,
    metrics: Metrics,
) -> None:
    """Deliver; when the transport fails to render or send, try once more with the short
    fallback line (it carries 112), then let the transport's own handling take over (it
    raises: the answer was not delivered)."""
    try:
        await deliver(turn.replies)
        metrics.inc("replies_sent", sum(isinstance(r, Message) for r in turn.replies))
    except Exception as exc:
        log.error("delivering a reply failed: %s", type(exc).__name__)
        metrics.inc("delivery_errors")
        await deliver((fallback,))


def store_failed(metrics: Metrics, what: str, exc: BaseException) -> None:
    """A store call failed: counted, logged by type only; the turn goes on without it."""
    log.error("%s of a conversation failed: %s", what, type(exc).__name__)
    metrics.inc("store_errors")
