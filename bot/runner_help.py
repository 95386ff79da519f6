"""Pieces of the runner's turn kept apart so that runner.py reads as one story: what a number
refers to after a restart, whether a conversation was only greeted, the turn's counts, and
moving a conversation to a new secret's key."""

from __future__ import annotations

import logging
from collections import OrderedDict
from typing import TypeVar

from bot.engine.engine import Turn
from bot.engine.numbered import choices
from bot.engine.replies import Button, Erase, Message, Reply
from bot.metrics import Metrics

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
