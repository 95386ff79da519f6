"""Telegram <-> neutral model: commands, deep-link codes, and splitting long texts."""

from __future__ import annotations

import pytest

from bot.engine import inputs as i
from bot.engine.replies import Button, Message
from bot.transports.telegram.convert import TEXT_LIMIT, render, text_input, utf16_len

CASES = [
    ("/start", i.Start(None), "plain start"),
    ("/start campagne", i.Start("campagne"), "deep link with an entry code"),
    ("/start K3F9_a-b", i.Start("K3F9_a-b"), "every allowed character class"),
    ("/start " + "x" * 65, i.Start(None), "too long: ignored, not cut"),
    ("/start caf\u00e9", i.Start(None), "non-ASCII: ignored"),
    ("/start@vrede_test_bot", i.Start(None), "command addressed to the bot by name"),
    ("/erase", i.Command("erase"), "menu command"),
    ("/112", i.Command("danger"), "the emergency command is a digit command"),
    ("/ERASE@vrede_test_bot", i.Command("erase"), "case and bot name do not matter"),
    ("/wissen", i.Text("/wissen"), "translated commands are words the engine knows"),
    ("hallo /erase", i.Text("hallo /erase"), "a command only counts at the start"),
]


@pytest.mark.parametrize(("text", "expected", "why"), CASES, ids=[c[2] for c in CASES])
def test_text_input(text: str, expected: i.Input, why: str) -> None:
    assert text_input(text) == expected, why


def message(text: str) -> Message:
    return Message(
        text=text,
        node="n",
        lang="nl",
        options=(Button("a", "A"), Button("x" * 65, "too long id")),
        commands=(Button("cmd.erase", "Wissen"),),
    )


def test_long_text_is_split_and_every_part_keeps_the_emergency_line() -> None:
    footer = "Nu in gevaar? Bel 112."
    body = "\n\n".join(f"Alinea {n} " + "\U0001f600" * 300 for n in range(20))
    parts = render(message(f"{body}\n\n{footer}"))
    assert len(parts) > 1
    assert all(utf16_len(p.text) <= TEXT_LIMIT for p in parts)
    assert all(p.text.endswith(footer) for p in parts)
    assert [p.keyboard is not None for p in parts] == [False] * (len(parts) - 1) + [True]


def test_keyboard_has_options_then_commands_and_drops_oversized_ids() -> None:
    (part,) = render(message("kort\n\nNu in gevaar? Bel 112."))
    assert part.keyboard is not None
    rows = [[b.callback_data for b in row] for row in part.keyboard.inline_keyboard]
    assert rows == [["a"], ["cmd.erase"]]
