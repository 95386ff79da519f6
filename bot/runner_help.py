"""Pieces of the runner's turn kept apart so that runner.py reads as one story: what a number
refers to after a restart, whether a conversation was only greeted, the turn's counts, and
moving a conversation to a new secret's key."""

from __future__ import annotations

import datetime as dt
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable

from bot.engine import inputs as i
from bot.engine.engine import Engine, Turn
from bot.engine.numbered import choices
from bot.engine.replies import Button, Message, Reply
from bot.engine.session import Session
from bot.metrics import Metrics
from bot.store.base import SessionStore

log = logging.getLogger("bot.runner")
SHOWN_LIMIT = 10_000  # conversations whose last numbered choices are remembered (in memory)


class Shown:
    """key -> (node, choices) of the last numbered message sent: what a typed number refers
    to. Memory only and bounded; after a restart the choices are rebuilt (on_screen)."""

    def __init__(self) -> None:
        self._shown: OrderedDict[str, tuple[str, tuple[Button, ...]]] = OrderedDict()

    def get(self, key: str) -> tuple[str, tuple[Button, ...]] | None:
        return self._shown.get(key)

    def clear(self) -> None:
        self._shown.clear()

    def forget(self, key: str) -> None:
        self._shown.pop(key, None)

    def remember(self, key: str, turn: Turn) -> None:
        """The choices of the last lasting message sent."""
        if turn.session is None:
            self.forget(key)
            return
        shown = [r for r in turn.replies if isinstance(r, Message) and not r.ephemeral]
        if shown:
            self._shown[key] = (shown[-1].node, choices(shown[-1]))
            self._shown.move_to_end(key)
            if len(self._shown) > SHOWN_LIMIT:
                self._shown.popitem(last=False)


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
