"""Numbered choices, for transports without buttons (the terminal, Matrix): one place, used
by the runner (a typed number picks what was shown) and by those transports (to show them).

A message's choices are its node's options first, then the commands; they are shown as
"1. label" lines and a resident answers with the number.
"""

from __future__ import annotations

from collections import OrderedDict

from bot.engine import inputs as i
from bot.engine.replies import Button, Message, Turn


def choices(msg: Message) -> tuple[Button, ...]:
    """The numbered choices of a message: the node's options first, then the commands."""
    return (*msg.options, *msg.commands)


def listing(msg: Message) -> list[str]:
    """The choices as lines: "1. label"."""
    return [f"{n}. {b.label}" for n, b in enumerate(choices(msg), 1)]


def pick(text: str, shown: tuple[Button, ...], node: str | None) -> i.Input:
    """A number (in any script Python calls decimal: ١, ۲, ३) picks one of the choices shown
    last; anything else is free text."""
    word = text.strip().rstrip(".")
    if word.isdecimal() and 1 <= int(word) <= len(shown):
        return i.Choice(shown[int(word) - 1].id, node)
    return i.Text(text)


class Shown:
    """Per conversation, what a typed number refers to: the node and choices of the last
    lasting message sent. At most `limit` conversations; the least recent is forgotten."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._last: OrderedDict[str, tuple[str, tuple[Button, ...]]] = OrderedDict()

    def get(self, key: str) -> tuple[str, tuple[Button, ...]] | None:
        """The node and choices last shown in a conversation, if remembered."""
        return self._last.get(key)

    def forget(self, key: str) -> None:
        """The conversation ended (erased): nothing to refer to."""
        self._last.pop(key, None)

    def clear(self) -> None:
        """Forget every conversation's choices (as a restart does)."""
        self._last.clear()

    def remember(self, key: str, turn: Turn) -> None:
        """After a turn: its last lasting message is what numbers refer to next."""
        if turn.session is None:
            self.forget(key)
            return
        shown = [r for r in turn.replies if isinstance(r, Message) and not r.ephemeral]
        if shown:
            self._last[key] = (shown[-1].node, choices(shown[-1]))
            self._last.move_to_end(key)
            if len(self._last) > self.limit:
                self._last.popitem(last=False)
