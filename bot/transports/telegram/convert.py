"""Telegram to the neutral model and back: updates to engine inputs, messages to sendable parts."""

from __future__ import annotations

import re
from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram import Message as TgMessage

from bot.engine import inputs as i
from bot.engine.replies import Button, Message

TEXT_LIMIT = 4096  # characters (UTF-16 code units) per message, after entity parsing
DATA_LIMIT = 64  # bytes of callback_data
START_CODE = re.compile(r"[A-Za-z0-9_-]{1,64}")  # what t.me/<bot>?start= accepts
# The command menu: Telegram command name -> engine command. Other slash words go to the
# engine as text, so translated commands ("/wissen", "/taal") keep working.
MENU: tuple[tuple[str, str], ...] = (
    ("start", "restart"),
    ("language", "language"),
    ("erase", "erase"),
    ("help", "help"),
    ("112", "danger"),
)
# Kinds of non-text messages, checked in this order (a venue also carries a location).
NON_TEXT = (
    "contact",
    "venue",
    "location",
    "photo",
    "voice",
    "video_note",
    "video",
    "audio",
    "animation",
    "sticker",
    "document",
    "poll",
    "dice",
    "game",
    "story",
)
REVEALING = frozenset({"contact", "venue", "location"})  # identify the resident: delete at once


def to_input(message: TgMessage) -> i.Input | None:
    """The engine input for a resident's message; None for service messages (joins, pins)."""
    if message.text is not None:
        return text_input(message.text)
    kind = non_text_kind(message)
    return i.Unsupported(kind, message.caption) if kind else None


def text_input(text: str) -> i.Input:
    """Slash commands of the menu become commands, `/start CODE` a start; the rest is text."""
    if not text.startswith("/"):
        return i.Text(text)
    head, _, rest = text.partition(" ")
    name = head[1:].split("@", 1)[0].lower()
    if name == "start":
        code = rest.strip()
        return i.Start(code if START_CODE.fullmatch(code) else None)
    command = dict(MENU).get(name)
    return i.Command(command) if command and command != "restart" else i.Text(text)


def non_text_kind(message: TgMessage) -> str | None:
    """'photo', 'contact', ...: the first non-text content the message carries."""
    for kind in NON_TEXT:
        if getattr(message, kind, None):
            return kind
    return None


def utf16_len(text: str) -> int:
    """Length as Telegram counts it."""
    return len(text.encode("utf-16-le")) // 2


@dataclass(frozen=True)
class Part:
    """One sendable Telegram message: plain text (no parse_mode) and maybe a keyboard."""

    text: str
    keyboard: InlineKeyboardMarkup | None


def render(msg: Message) -> list[Part]:
    """Split a message into parts within the text limit; the keyboard goes on the last part.

    The last paragraph of an engine message is the acute-danger line; every part repeats it,
    so no part is ever sent without the emergency number.
    """
    body, sep, footer = msg.text.rpartition("\n\n")
    if not sep or utf16_len(msg.text) <= TEXT_LIMIT:
        chunks = split(msg.text, TEXT_LIMIT)
    else:
        chunks = [f"{c}\n\n{footer}" for c in split(body, TEXT_LIMIT - utf16_len(footer) - 2)]
    board = keyboard(msg)
    return [Part(c, board if n == len(chunks) - 1 else None) for n, c in enumerate(chunks)]


def split(text: str, limit: int) -> list[str]:
    """Cut text into pieces of at most `limit`, at a paragraph, line or word end if possible."""
    pieces: list[str] = []
    while utf16_len(text) > limit:
        cut = _cut(text, limit)
        pieces.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    return [*pieces, text] if text or not pieces else pieces


def _cut(text: str, limit: int) -> int:
    room = limit
    while utf16_len(text[:room]) > limit:  # astral characters count twice
        room -= 1
    for mark in ("\n\n", "\n", " "):
        at = text.rfind(mark, 0, room)
        if at > room // 2:
            return at
    return room


def keyboard(msg: Message) -> InlineKeyboardMarkup | None:
    """Options one per row, then the global commands two per row."""
    options = [[_button(b)] for b in msg.options if _fits(b)]
    commands = [_button(b) for b in msg.commands if _fits(b)]
    rows = options + [commands[n : n + 2] for n in range(0, len(commands), 2)]
    return InlineKeyboardMarkup(rows) if rows else None


def _button(b: Button) -> InlineKeyboardButton:
    return InlineKeyboardButton(b.label, callback_data=b.id)


def _fits(b: Button) -> bool:
    # `vrede check` keeps ids short; a longer one would make Telegram refuse the whole message.
    return 0 < len(b.id.encode()) <= DATA_LIMIT
