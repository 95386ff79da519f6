"""The `vrede` command's arguments: every subcommand and option with its help, the version,
and the environment variables (config.py reads them; a test keeps this list complete)."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Mapping
from importlib import metadata
from typing import Any

from bot.figures.names import REGIONS
from bot.figures.report import FORMATS

GRAPH_FORMATS = ("mermaid", "md", "dot", "svg", "png")

Handler = Callable[[argparse.Namespace, Any], int]

ENVIRONMENT = (
    ("VREDE_DATA_DIR", "folder for the database, the secret and Matrix keys (default: data)"),
    ("VREDE_DIALOGUES", "the dialogue folder (default: dialogues/ of the checkout)"),
    ("VREDE_LOCALES", "the translations folder (default: locales/ of the checkout)"),
    ("VREDE_SECRET", "secret for the conversation keys (default: made once in the data dir)"),
    ("VREDE_OLD_SECRET", "the secret before a change, kept for one conversation lifetime"),
    ("VREDE_TTL_HOURS", "hours a conversation is kept after its last message (default: 24)"),
    ("VREDE_TRUSTED_PERSONS", "the trusted-person directory file, kept outside git"),
    ("VREDE_LOG_LEVEL", "DEBUG, INFO (default), WARNING or ERROR"),
    ("VREDE_CACHE_DIR", "compiled content cache; 'off' for none (default: ~/.cache/vrede)"),
    ("XDG_CACHE_HOME", "base of the default cache folder"),
    ("VREDE_REDIS_URL", "Valkey/Redis shared by several bot processes (default: SQLite)"),
    ("VREDE_METRICS_LISTEN", "HOST:PORT for the /metrics endpoint (default: off)"),
    ("VREDE_WATCH", "off: do not reload changed content files by themselves (default: on)"),
    ("VREDE_WEB_TITLE", "the web chat's neutral page title (default: Informatie)"),
    ("VREDE_WEB_FAVICON", "the web chat's icon file, .ico/.png/.svg (default: a plain icon)"),
    ("VREDE_WEB_EXIT_URL", "where quick exit goes (default: a weather page)"),
    ("VREDE_WEB_FRAME_ANCESTORS", "origins that may embed the web chat (default: none)"),
    ("VREDE_WEB_TTL_MINUTES", "minutes an idle web conversation is kept (default: 30)"),
    ("TELEGRAM_TOKEN", "the bot token from @BotFather: `vrede run` then runs on Telegram"),
    ("TELEGRAM_API_URL", "another Bot API server (default: https://api.telegram.org)"),
    ("TELEGRAM_BOT_USERNAME", "the bot's @name for `vrede link` when no token is set"),
    ("VREDE_WEB_URL", "the web chat's public address, for `vrede link` and `vrede flyer`"),
    ("MATRIX_HOMESERVER", "e.g. https://matrix.example.org: `vrede run` then runs on Matrix"),
    ("MATRIX_USER", "the bot's Matrix user, e.g. @vrede:example.org"),
    ("MATRIX_PASSWORD", "its password (or use MATRIX_ACCESS_TOKEN)"),
    ("MATRIX_ACCESS_TOKEN", "an access token instead of user and password"),
    ("MATRIX_READ_RECEIPTS", "off: no read receipt on residents' messages (default: on)"),
    ("MATRIX_TYPING", "off: no typing notice while a reply is prepared (default: on)"),
)


def version() -> str:
    """The installed package's version."""
    try:
        return metadata.version("huiselijke-vrede")
    except metadata.PackageNotFoundError:
        return "unknown (not installed)"


def epilog() -> str:
    """The environment variables, for the main help."""
    width = max(len(name) for name, _ in ENVIRONMENT)
    lines = [f"  {name:<{width}}  {what}" for name, what in ENVIRONMENT]
    return "environment variables:\n" + "\n".join(lines) + "\n\nSee README.md for more."


def parser(handlers: Mapping[str, Handler]) -> argparse.ArgumentParser:
    """The argument parser; `handlers` maps each subcommand to its function."""
    p = argparse.ArgumentParser(
        prog="vrede",
        description="Huiselijke Vrede: an anonymous chatbot about safety at home.",
        epilog=epilog(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--version", action="version", version=f"%(prog)s {version()}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    def add(name: str, text: str) -> argparse.ArgumentParser:
        c = sub.add_parser(name, help=text, description=text[:1].upper() + text[1:] + ".")
        c.set_defaults(func=handlers[name])
        return c

    c = add("check", "check dialogues, danger words and translations; exit 1 on errors")
    c.add_argument(
        "--format", choices=["text", "json"], default="text", help="output form (default: text)"
    )
    c = add("danger", "show what a line triggers in the danger words")
    c.add_argument("text", nargs="*", help="one or more lines, each in quotes")
    c.add_argument(
        "--unlisted",
        action="store_true",
        help="also list the examples that are recognised only because they are listed",
    )
    c.add_argument(
        "--lang", default="nl", help="the conversation's language, breaks ties (default: nl)"
    )
    c = add("chat", "talk to the bot in the terminal (Ctrl-C or Ctrl-D quits)")
    c.add_argument("--lang", help="start in this language, e.g. en or tr")
    c.add_argument("--start", metavar="CODE", help="entry code, as from a deep link")
    c.add_argument(
        "--helper",
        metavar="PERSON",
        help="also play this trusted person of the example directory: lines starting with "
        "'@vp ' are theirs ('@vp available', '@vp accept', '@vp end', or text)",
    )
    c = add("graph", "print the conversation as a diagram")
    c.add_argument(
        "--format",
        choices=GRAPH_FORMATS,
        default="mermaid",
        help="mermaid (default), md (Mermaid in a Markdown block, with a legend), dot, "
        "or svg/png (drawn by Graphviz, when installed)",
    )
    c.add_argument("--focus", metavar="NODE", help="only this node and its neighbours")
    c.add_argument("--out", metavar="FILE", help="write to FILE instead of the terminal")
    add("reload", "check the content, then make the running bot load it (no restart)")
    c = add("i18n", "translation round trip")
    c.add_argument(
        "step",
        choices=["extract", "update", "compile"],
        help="extract: dialogues -> messages.pot; update: -> every messages.po; compile: .mo files",
    )
    add("run", "run on Telegram, Matrix or the terminal, by configuration")
    c = add("telegram", "run on Telegram (TELEGRAM_TOKEN), or publish its menu")
    c.add_argument(
        "action",
        nargs="?",
        choices=["run", "setup"],
        default="run",
        help="run (default), or setup: publish the menu and descriptions",
    )
    c.add_argument("--webhook", metavar="URL", help="receive updates by webhook instead of polling")
    c.add_argument(
        "--listen", metavar="HOST:PORT", help="where the webhook listens (default 127.0.0.1:8080)"
    )
    add("matrix", "run on Matrix (MATRIX_HOMESERVER, MATRIX_USER, ...)")
    c = add("web", "serve the web chat for a municipality's website")
    c.add_argument(
        "--listen", metavar="HOST:PORT", help="where it listens (default 127.0.0.1:8081)"
    )
    c = add("report", "weekly figures for the municipality, protected")
    c.add_argument(
        "--weeks", required=True, metavar="2026-W40..2026-W48", help="the weeks to report"
    )
    c.add_argument("--format", choices=FORMATS, default="html", help="default: html")
    c.add_argument("--region", choices=REGIONS, help="one region (default: all together)")
    c.add_argument("--out", metavar="FILE", help="write to FILE instead of the terminal")
    add("status", "live figures of a running bot, or this week's so far")
    c = add("people", "trusted persons: who is enrolled and available, or invite one")
    c.add_argument(
        "action", nargs="?", choices=["list", "invite"], default="list", help="default: list"
    )
    c.add_argument("person", nargs="?", help="invite: the person's id in the directory")
    c = add("link", "a trusted person's personal links and QR code (SVG and PNG)")
    c.add_argument("person", help="the person's id in the directory")
    c.add_argument("--out", metavar="DIR", default=".", help="where the QR files go (default: .)")
    c = add("flyer", "a printable one-page flyer with the QR code, per language (HTML)")
    c.add_argument("person", nargs="?", help="the person whose link it holds (default: none)")
    c.add_argument("--lang", default="nl", metavar="nl,tr", help="languages, comma-separated")
    c.add_argument("--out", metavar="DIR", default=".", help="where the files go (default: .)")
    return p
