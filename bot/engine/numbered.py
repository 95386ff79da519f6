"""Numbered choices, for transports without buttons (the terminal, Matrix): one place, used
by the runner (a typed number picks what was shown) and by those transports (to show them).

A message's choices are its node's options first, then the commands; they are shown as
"1. label" lines and a resident answers with the number.
"""

from __future__ import annotations

from bot.engine import inputs as i
from bot.engine.replies import Button, Message


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
