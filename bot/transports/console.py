"""The terminal chat: numbered options, answers by number or words; works with piped input.

Lines the terminal itself adds (how to quit, "the conversation is erased", a handoff) are not
the bot's words: they are in English, in parentheses and start with "vrede:", so nobody takes
them for what a resident would see.
"""

from __future__ import annotations

import asyncio
import codecs
import os
import select
import sys
from collections.abc import Awaitable, Callable, Iterable, Iterator
from typing import TextIO

from bot.engine import inputs as i
from bot.engine.numbered import listing
from bot.engine.replies import Erase, Handoff, Message, Reply
from bot.runner import Runner

PLATFORM = "console"
HOW_TO_QUIT = "(vrede: a chat in the terminal. Type a number or words; Ctrl-C or Ctrl-D quits.)"
HELPER = "@vp "  # a line typed as the trusted person (vrede chat --helper PERSON)
HELPER_CHAT = "helper"
HELPER_BUTTONS = ("available", "pause", "accept", "decline", "end")  # "@vp accept"


def render(msg: Message) -> str:
    """The text of a message and its choices numbered 1..n (options first, then commands)."""
    numbered = listing(msg)
    return "\n".join(
        [msg.text, "", *(f"  {line}" for line in numbered)] if numbered else [msg.text]
    )


class Console:
    """One local conversation between a maintainer and the bot."""

    def __init__(self, runner: Runner, out: TextIO = sys.stdout, echo: bool = False) -> None:
        self.runner, self.out, self.echo = runner, out, echo

    def sender(self, chat: str) -> Callable[[tuple[Reply, ...]], Awaitable[None]]:
        """Where the core writes outside a turn (the live relay): the resident or the helper."""
        return self.as_helper if chat == HELPER_CHAT else self.deliver

    async def as_helper(self, replies: tuple[Reply, ...]) -> None:
        """What the trusted person's chat gets, marked so (their buttons: "@vp 1")."""
        for reply in replies:
            if isinstance(reply, Message):
                lines = render(reply).splitlines()
                self.out.write("\n" + "\n".join(f"[vertrouwenspersoon] {x}" for x in lines) + "\n")
            elif isinstance(reply, Erase):
                self.out.write("\n(vrede: the trusted person's chat is erased)\n")
        self.out.flush()

    async def deliver(self, replies: tuple[Reply, ...]) -> None:
        """Print replies as the bot would send them."""
        for reply in replies:
            if isinstance(reply, Message):
                self.out.write(f"\n{render(reply)}\n")
            elif isinstance(reply, Erase):
                if not self.echo:
                    self.out.write("\x1b[2J\x1b[H")  # clear the screen, as a real erase would
                self.out.write("\n(vrede: the conversation is erased)\n")
            elif isinstance(reply, Handoff):
                self.out.write(f"\n(vrede: handoff to {reply.target})\n")
        self.out.flush()

    async def run(
        self, lines: Iterable[str], lang: str | None, code: str | None, helper: str | None = None
    ) -> None:
        """Start (enrolling `helper` as the trusted person of "@vp" lines), then answer line
        by line until the input ends."""
        self.runner.attach(PLATFORM, self.sender, numbered=True)
        if helper is not None and self.runner.relay is not None:
            invite = await self.runner.relay.invite(helper)
            await self.runner.handle(
                PLATFORM, HELPER_CHAT, i.Text(invite), self.as_helper, numbered=True
            )
        await self.runner.handle(PLATFORM, "local", i.Start(code, lang), self.deliver)
        for line in lines:
            await self.answer(line)

    async def answer(self, line: str) -> None:
        """One line typed by the resident: a number picks a choice shown, words are read."""
        if self.echo:
            self.out.write(f"\n> {line.rstrip()}\n")
        if line.startswith(HELPER):  # "@vp accept" or "@vp 1" presses a button, else text
            text = line[len(HELPER) :].strip()
            word = f"helper.{text}"
            inp: i.Input = i.Choice(word) if text in HELPER_BUTTONS else i.Text(text)
            await self.runner.handle(PLATFORM, HELPER_CHAT, inp, self.as_helper, numbered=True)
            return
        await self.runner.handle(PLATFORM, "local", i.Text(line), self.deliver, numbered=True)


def prompt_lines(prompt: str = "\n> ", fd: int = 0, out: TextIO = sys.stdout) -> Iterator[str]:
    """Lines typed at a prompt until end of input (Ctrl-D) or Ctrl-C.

    Not `input()`: a Ctrl-C that arrives just before its blocking read starts is only seen
    after the next Enter. Here the wait wakes up four times a second, so a Ctrl-C pressed at
    any moment ends the chat at once."""
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    pending = ""
    try:
        while True:
            out.write(prompt)
            out.flush()
            while "\n" not in pending:
                while not select.select([fd], [], [], 0.25)[0]:
                    pass
                chunk = os.read(fd, 4096)
                if not chunk:  # Ctrl-D or the end of piped input
                    if pending:
                        yield pending.rstrip("\r")
                    return
                pending += decoder.decode(chunk)
            line, pending = pending.split("\n", 1)
            yield line.rstrip("\r")
    except KeyboardInterrupt:
        return


def run_in_terminal(
    console: Console,
    lines: Iterable[str],
    lang: str | None,
    code: str | None,
    helper: str | None = None,
) -> None:
    """The whole chat. Lines are read outside the event loop, so that the first Ctrl-C stops
    at once (inside asyncio.run, the first one only cancels, at the next await)."""
    with asyncio.Runner() as loop:
        try:
            loop.run(console.run((), lang, code, helper))
            for line in lines:
                loop.run(console.answer(line))
        except KeyboardInterrupt:
            pass
    console.out.write("\n")
    console.out.flush()
