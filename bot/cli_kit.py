"""`vrede link` and `vrede flyer`: the trusted persons' kit (cli.py wires them)."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from bot.app import build
from bot.config import Settings
from bot.engine.engine import Engine
from bot.kit.flyer import flyer
from bot.kit.links import Links, describe, links, write_qr


def cmd_link(args: argparse.Namespace, settings: Settings) -> int:
    """A person's links printed, and their QR code written as SVG and PNG."""
    engine = build(settings, persistent=False).engine
    found = _links(args.person, settings, engine)
    if found is None:
        return 2
    print("\n".join(describe(args.person, engine.dialogue.trusted[args.person].name, found)))
    if found.primary:
        for path in write_qr(found.primary, Path(args.out), f"qr-{args.person}"):
            print(f"wrote {path}")
    return 0


def cmd_flyer(args: argparse.Namespace, settings: Settings) -> int:
    """One printable HTML page per language, with the person's QR code (or the bot's own)."""
    engine = build(settings, persistent=False).engine
    langs = [code.strip() for code in args.lang.split(",") if code.strip()]
    unknown = [code for code in langs if code not in engine.tr.languages]
    if unknown or not langs:
        offered = ", ".join(engine.tr.languages)
        print(f"vrede flyer: unknown --lang {','.join(unknown)}; valid: {offered}", file=sys.stderr)
        return 2
    found = _links(args.person, settings, engine) if args.person else _plain(settings)
    if found is None:
        return 2
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    stem = f"flyer-{args.person}" if args.person else "flyer"
    for lang in langs:
        path = out / f"{stem}-{lang}.html"
        path.write_text(flyer(engine, lang, found), encoding="utf-8")
        note = "" if engine.tr.reviewed(lang) else " (translation not reviewed yet)"
        print(f"wrote {path}{note}")
    return 0


def _links(person: str, settings: Settings, engine: Engine) -> Links | None:
    trusted = engine.dialogue.trusted
    if person not in trusted:
        valid = ", ".join(trusted) or "(none: set VREDE_TRUSTED_PERSONS)"
        print(f"vrede: unknown person '{person}'; valid: {valid}", file=sys.stderr)
        return None
    return links(
        trusted[person].code, _telegram_name(settings), settings.matrix_user, settings.web_url
    )


def _plain(settings: Settings) -> Links:
    return links(None, _telegram_name(settings), settings.matrix_user, settings.web_url)


def _telegram_name(settings: Settings) -> str | None:
    """The bot's @name: from Telegram (getMe) when a token is set, else TELEGRAM_BOT_USERNAME."""
    if not settings.telegram_token:
        return settings.telegram_bot_username
    try:
        return asyncio.run(_get_me(settings.telegram_token, settings.telegram_api_url))
    except Exception as exc:  # only the type: the error may quote the token
        print(f"vrede: getMe failed ({type(exc).__name__}); using TELEGRAM_BOT_USERNAME")
        return settings.telegram_bot_username


async def _get_me(token: str, api_url: str | None) -> str | None:
    from telegram import Bot

    base = (api_url or "https://api.telegram.org").rstrip("/")
    async with Bot(token, base_url=f"{base}/bot") as bot:  # initialize() asks getMe
        return bot.username
