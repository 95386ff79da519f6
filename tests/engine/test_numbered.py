"""Numbered choices, shared by the terminal and Matrix."""

from __future__ import annotations

import pytest

from bot.engine import inputs as i
from bot.engine.numbered import choices, listing, pick
from bot.engine.replies import Button, Message

CHOICES = (Button("home", "Vertel meer"), Button("cmd.erase", "Gesprek wissen"))


@pytest.mark.parametrize(
    ("text", "expected", "why"),
    [
        ("1", i.Choice("home", "start"), "a number picks the option shown with it"),
        (" 2. ", i.Choice("cmd.erase", "start"), "commands are numbered after the options"),
        ("\u0661", i.Choice("home", "start"), "an Arabic-Indic one"),
        ("\u06f2", i.Choice("cmd.erase", "start"), "a Persian two"),
        ("3", i.Text("3"), "a number beyond the list is text for the engine"),
        ("\u2460", i.Text("\u2460"), "a circled one is not a decimal digit: text"),
        ("\u1369", i.Text("\u1369"), "an Ethiopic one is not a decimal digit: text"),
        ("vertel meer", i.Text("vertel meer"), "words go to the engine as they are"),
    ],
)
def test_pick(text: str, expected: i.Input, why: str) -> None:
    assert pick(text, CHOICES, "start") == expected, why


def test_options_come_before_commands() -> None:
    msg = Message("Hoe gaat het?\n\n112", "start", "nl", (CHOICES[0],), (CHOICES[1],))
    assert choices(msg) == CHOICES
    assert listing(msg) == ["1. Vertel meer", "2. Gesprek wissen"]
