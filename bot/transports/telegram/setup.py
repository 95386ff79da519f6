"""`vrede telegram setup`: the command menu and the bot's descriptions, in every shipped language.

Telegram shows a phone the menu and descriptions for its language_code, so a Turkish phone
shows the Turkish menu. Texts come from the dialogue and the catalogs, like every other text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from telegram import Bot, BotCommand

from bot.engine.engine import Engine
from bot.engine.text import placeholders
from bot.transports.telegram.convert import MENU

SOURCE = "nl"
DESCRIPTION_LIMIT, SHORT_LIMIT, COMMAND_LIMIT = 512, 120, 256
ISO_639_1 = re.compile(r"[a-z]{2}")  # the only language codes the Bot API accepts


@dataclass(frozen=True)
class Profile:
    """What Telegram shows for one language: menu, description and short description."""

    lang: str
    commands: tuple[BotCommand, ...]
    description: str
    short_description: str


def profile(engine: Engine, lang: str) -> Profile:
    """The profile of one language, from the catalogs."""
    return Profile(lang, menu(engine, lang), description(engine, lang), short(engine, lang))


def menu(engine: Engine, lang: str) -> tuple[BotCommand, ...]:
    """start, language, erase, help and 112, each described by its translated label."""
    commands = engine.dialogue.commands
    return tuple(
        BotCommand(
            name, _cut(_t(engine, lang, f"command.{cmd}.label", commands[cmd].label), COMMAND_LIMIT)
        )
        for name, cmd in MENU
        if cmd in commands
    )


def description(engine: Engine, lang: str) -> str:
    """`system.bot_description` if the dialogue has it, else the opening text."""
    text = _system_or_opening(engine, lang, "bot_description")
    return _cut(text, DESCRIPTION_LIMIT)


def short(engine: Engine, lang: str) -> str:
    """`system.bot_short_description` if the dialogue has it, else the opening's first line."""
    text = _system_or_opening(engine, lang, "bot_short_description")
    return _cut(text.strip().splitlines()[0] if text.strip() else text, SHORT_LIMIT)


def _system_or_opening(engine: Engine, lang: str, key: str) -> str:
    if key in engine.dialogue.system:
        return engine.system_text(lang, key)
    entry = engine.dialogue.nodes[engine.dialogue.entry]
    text = _t(engine, lang, f"{entry.id}.text", entry.text)
    # The opening is neutral by design (it may show in a preview); never one with a placeholder.
    return text.strip() if not placeholders(text) else ""


def _t(engine: Engine, lang: str, context: str, source: str) -> str:
    return engine.tr.text(lang, context, source)


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def telegram_code(lang: str) -> str | None:
    """The Bot API language_code for an offered language, or None when it has none."""
    return lang if ISO_639_1.fullmatch(lang) else None


async def publish(bot: Bot, engine: Engine) -> list[str]:
    """Publish the source language as the default and every language under its code."""
    done = []
    await _publish_one(bot, profile(engine, SOURCE), None)
    for lang in engine.tr.languages:
        code = telegram_code(lang)
        if code is None:
            continue
        await _publish_one(bot, profile(engine, lang), code)
        done.append(code)
    return done


async def _publish_one(bot: Bot, p: Profile, code: str | None) -> None:
    await bot.set_my_commands(p.commands, language_code=code)
    if p.description:
        await bot.set_my_description(p.description, language_code=code)
    if p.short_description:
        await bot.set_my_short_description(p.short_description, language_code=code)
