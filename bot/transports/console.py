"""The terminal chat: numbered options, answers by number or words; works with piped input."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from typing import TextIO

from bot.engine import inputs as i
from bot.engine.replies import Button, Erase, Handoff, Message, Reply
from bot.runner import Runner

PLATFORM = "console"


def render(msg: Message) -> tuple[str, list[Button]]:
    """The text of a message and its buttons numbered 1..n (options first, then commands)."""
    buttons = [*msg.options, *msg.commands]
    lines = [msg.text, ""] if buttons else [msg.text]
    lines += [f"  {n}. {b.label}" for n, b in enumerate(buttons, 1)]
    return "\n".join(lines), buttons


class Console:
    """One local conversation between a maintainer and the bot."""

    def __init__(self, runner: Runner, out: TextIO = sys.stdout, echo: bool = False) -> None:
        self.runner, self.out, self.echo = runner, out, echo
        self.buttons: list[Button] = []
        self.node: str | None = None

    async def deliver(self, replies: tuple[Reply, ...]) -> None:
        """Print replies as the bot would send them."""
        for reply in replies:
            if isinstance(reply, Message):
                text, self.buttons = render(reply)
                self.node = reply.node
                self.out.write(f"\n{text}\n")
            elif isinstance(reply, Erase):
                if not self.echo:
                    self.out.write("\x1b[2J\x1b[H")  # clear the screen, as a real erase would
                self.out.write("\n(the conversation is erased)\n")
            elif isinstance(reply, Handoff):
                self.out.write(f"\n(handoff: {reply.target})\n")
        self.out.flush()

    def to_input(self, line: str) -> i.Input:
        """A number picks a button; anything else is free text."""
        word = line.strip()
        if word.isdecimal() and 1 <= int(word) <= len(self.buttons):
            return i.Choice(self.buttons[int(word) - 1].id, self.node)
        return i.Text(line)

    async def run(self, lines: Iterable[str], lang: str | None, code: str | None) -> None:
        """Start, then answer line by line until the input ends."""
        await self.runner.handle(PLATFORM, "local", i.Start(code, lang), self.deliver)
        for line in lines:
            if self.echo:
                self.out.write(f"\n> {line.rstrip()}\n")
            await self.runner.handle(PLATFORM, "local", self.to_input(line), self.deliver)
