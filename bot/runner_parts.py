"""What the runner does around a turn, kept apart so that runner.py stays one screen of
plumbing: what it remembers per conversation (choices on screen, language), greeting checks,
the choices on screen after a restart, counting, store failures, moving keys."""

from __future__ import annotations

import datetime as dt
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import TypeVar

from bot.engine import inputs as i
from bot.engine.engine import Engine, Turn
from bot.engine.numbered import choices, pick
from bot.engine.replies import Button, Erase, Message, RelayAsk, Reply
from bot.engine.session import Session
from bot.metrics import Metrics
from bot.relay.service import Relay, Sender
from bot.store.base import SessionStore

log = logging.getLogger("bot.runner")
Deliver = Callable[[tuple[Reply, ...]], Awaitable[None]]
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

    def remember(self, key: str, turn: Turn) -> None:
        """After a turn: its language (an erase forgets the conversation)."""
        if turn.session is None:
            self.forget(key)
        else:
            _bounded(self._langs, key, turn.session.lang)

    def note(self, key: str, replies: tuple[Reply, ...]) -> None:
        """What a number refers to next: the choices of the last lasting message delivered
        to a conversation, in its own turn or pushed outside it (the live relay)."""
        if any(isinstance(r, Erase) for r in replies):
            self._shown.pop(key, None)
        lasting = [r for r in replies if isinstance(r, Message) and not r.ephemeral]
        if lasting:
            _bounded(self._shown, key, (lasting[-1].node, choices(lasting[-1])))


def _bounded(table: OrderedDict[str, T], key: str, value: T) -> None:
    table[key] = value
    table.move_to_end(key)
    if len(table) > SHOWN_LIMIT:
        table.popitem(last=False)


def store_failed(metrics: Metrics, what: str, exc: BaseException) -> None:
    """A store call failed: counted, logged by type only; the turn goes on without it."""
    log.error("%s of a conversation failed: %s", what, type(exc).__name__)
    metrics.inc("store_errors")


async def answer(
    relay: Relay | None,
    engine: Engine,
    key: str,
    where: tuple[str, str],
    session: Session | None,
    inp: i.Input,
    now: dt.datetime,
) -> Turn:
    """The engine's answer; in a relay, or asking for one, the relay service's."""
    if relay is not None and session is not None and session.relay:
        return await relay.resident_input(key, where, session, inp, now)
    turn = engine.handle(session, inp, now)
    if not any(isinstance(r, RelayAsk) for r in turn.replies):
        return turn
    if relay is None:  # the engine's answer stands: Veilig Thuis and 112
        return replace(turn, replies=tuple(r for r in turn.replies if not isinstance(r, RelayAsk)))
    return await relay.ask(key, where, turn, now)


async def deliver_safely(
    metrics: Metrics,
    engine: Engine,
    deliver: Deliver,
    turn: Turn,
    lang: str,
) -> None:
    """Deliver; when the transport fails to render or send, try once more with the short
    fallback line (it carries 112), then let the transport's own handling take over."""
    try:
        await deliver(turn.replies)
        metrics.inc("replies_sent", sum(isinstance(r, Message) for r in turn.replies))
    except Exception as exc:
        log.error("delivering a reply failed: %s", type(exc).__name__)
        metrics.inc("delivery_errors")
        await deliver((engine.fallback(lang),))


def remembering(shown: Shown, key: str, deliver: Deliver) -> Deliver:
    """`deliver`, noting the choices of what it delivered (for transports with numbers)."""

    async def noted(replies: tuple[Reply, ...]) -> None:
        await deliver(replies)
        shown.note(key, replies)

    return noted


def noting(shown: Shown, key: Callable[[str], str], sender: Sender) -> Sender:
    """A transport's sender whose deliveries are noted like `remembering` (chat -> its key)."""
    return lambda chat: remembering(shown, key(chat), sender(chat))


def picked(shown: Shown, key: str, inp: i.Input) -> i.Input:
    """A typed number as the choice it refers to, if choices were delivered (a trusted
    person's chat; a resident's own turn also rebuilds them from the session)."""
    found = shown.get(key)
    return pick(inp.text, found[1], found[0]) if found and isinstance(inp, i.Text) else inp


def opening(
    engine: Engine,
    negotiate: Callable[[str | None], str],
    session: Session | None,
    inp: i.Input,
    hints: tuple[str | None, str | None],
    now: dt.datetime,
) -> tuple[Session | None, i.Input]:
    """Where a turn starts: a start in the best language; a new conversation in the language
    the client (`hints[0]`) or the text (`hints[1]`) suggests; a greeting's language corrected
    by the first real answer."""
    client_lang, guess = hints
    if isinstance(inp, i.Start):
        known = session.lang if session else None
        return session, replace(inp, lang=negotiate(inp.lang or known or client_lang or guess))
    if session is None and (client_lang or guess):
        return engine.start(i.Start(lang=negotiate(guess or client_lang)), now).session, inp
    if session is not None and guess and guess != session.lang and greeted(engine, session):
        return replace(session, lang=negotiate(guess)), inp
    return session, inp


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
