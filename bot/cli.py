"""`vrede`: the command line, and the one place where the parts are wired together."""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import datetime as dt
import json
import logging
import os
import sys
from collections.abc import Sequence

from bot.app import App, build
from bot.config import Settings
from bot.content import roundtrip
from bot.content.check import check
from bot.content.loader import load
from bot.content.prepared import ContentError
from bot.content.problems import errors
from bot.figures import service
from bot.figures.names import REGIONS
from bot.figures.report import FORMATS
from bot.figures.weeks import parse_range
from bot.graph import dot, mermaid
from bot.transports.console import Console

HOW_TO_CONNECT = (
    "(Local chat in the terminal. To connect the bot, set TELEGRAM_TOKEN for Telegram, or "
    "MATRIX_HOMESERVER with MATRIX_USER and MATRIX_PASSWORD for Matrix; for the web chat run "
    "'vrede web' (or 'make web') and open http://127.0.0.1:8081/; see README.md.)"
)


def cmd_check(args: argparse.Namespace, settings: Settings) -> int:
    """Print problems; exit 1 when there are errors."""
    problems = check(
        settings.dialogues, settings.locales, dt.date.today(), settings.trusted_persons
    )
    bad = errors(problems)
    if args.format == "json":
        print(
            json.dumps(
                {"ok": not bad, "problems": [p.as_dict() for p in problems]},
                ensure_ascii=False,
                indent=2,
            )
        )
    else:
        for p in problems:
            print(p)
        warn = len(problems) - len(bad)
        print("ok" if not bad else "failed", f"({len(bad)} errors, {warn} warnings)")
    return 1 if bad else 0


def cmd_danger(args: argparse.Namespace, settings: Settings) -> int:
    """What each line triggers in the danger lexicons, and which rules (for maintainers)."""
    loaded = load(settings.dialogues)
    if errors(loaded.problems):
        raise ContentError(loaded.problems)
    detector = loaded.detector
    texts = list(args.text)
    if args.unlisted:  # the examples found only because they are listed
        texts += [
            t
            for lex in loaded.lexicons.values()
            for ex in lex.examples.values()
            for t in ex
            if not (d := detector.detect(t, (lex.lang,), unlisted=True)) or not d.certain
        ]
    for text in texts:
        found = detector.detect(text, (args.lang,), unlisted=args.unlisted)
        if found is None:
            print(f"{text!r}: nothing (routing and the fallback decide)")
            continue
        level = "opens the screen for" if found.certain else "asks about"
        print(f"{text!r}: {level} {found.kind} ({found.lang}.yaml: '{found.rule}')")
        for m in detector.matches(text):
            kind = "certain" if m.rule.certain else "possible"
            print(f"    {m.rule.lang}.yaml {m.rule.tag} {kind}: '{m.rule.label}'")
    return 0


def cmd_chat(args: argparse.Namespace, settings: Settings) -> int:
    """The terminal chat."""
    app = build(settings, persistent=False, example_people=True)
    interactive = sys.stdin.isatty()
    if getattr(args, "hint", False) and interactive:
        print(HOW_TO_CONNECT)
    console = Console(app.runner, echo=not interactive)
    asyncio.run(console.run(_lines(interactive), args.lang, args.start))
    return 0


def _lines(interactive: bool) -> Sequence[str] | _Prompt:
    return _Prompt() if interactive else sys.stdin.read().splitlines()


class _Prompt:
    """Lines typed at a prompt until end of input or Ctrl-C."""

    def __iter__(self) -> _Prompt:
        return self

    def __next__(self) -> str:
        try:
            return input("\n> ")
        except (EOFError, KeyboardInterrupt):
            raise StopIteration from None


def cmd_graph(args: argparse.Namespace, settings: Settings) -> int:
    """Print the dialogue as Mermaid or dot."""
    loaded = load(settings.dialogues)
    if loaded.dialogue is None:
        raise ContentError(errors(loaded.problems))
    print(dot(loaded.dialogue) if args.format == "dot" else mermaid(loaded.dialogue), end="")
    return 0


def cmd_i18n(args: argparse.Namespace, settings: Settings) -> int:
    """extract | update | compile."""
    if args.step == "extract":
        path, count = roundtrip.extract(settings.dialogues, settings.locales)
        print(f"wrote {path} ({count} texts)")
    elif args.step == "update":
        for path in roundtrip.update(settings.locales):
            print(f"updated {path}")
    else:
        for path in roundtrip.compile_all(settings.locales):
            print(f"compiled {path}")
    return 0


def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    """Telegram when TELEGRAM_TOKEN is set, Matrix when MATRIX_HOMESERVER is, else the terminal."""
    if settings.telegram_token:
        return cmd_telegram(argparse.Namespace(action="run", webhook=None, listen=None), settings)
    if settings.matrix_homeserver:
        return cmd_matrix(argparse.Namespace(), settings)
    return cmd_chat(argparse.Namespace(hint=True, lang=None, start=None), settings)


def cmd_telegram(args: argparse.Namespace, settings: Settings) -> int:
    """Run on Telegram (imported here so the terminal chat never loads the Telegram library)."""
    from bot.transports.telegram import main as telegram_main  # type: ignore[attr-defined,unused-ignore]

    return int(telegram_main(_serving(build(settings)), args))


def cmd_matrix(args: argparse.Namespace, settings: Settings) -> int:
    """Run on Matrix (imported here so the terminal chat never loads matrix-nio)."""
    from bot.transports.matrix import main as matrix_main  # type: ignore[import-not-found,unused-ignore]

    return int(matrix_main(_serving(build(settings)), args))


def cmd_web(args: argparse.Namespace, settings: Settings) -> int:
    """Serve the web chat; its conversations are forgotten after VREDE_WEB_TTL_MINUTES idle."""
    from bot.transports.web import main as web_main

    ttl = dataclasses.replace(settings, ttl_hours=settings.web_ttl_minutes / 60)
    return int(web_main(_serving(build(ttl)), args))


def _serving(app: App) -> App:
    """Start the metrics endpoint when VREDE_METRICS_LISTEN asks for one."""
    if app.settings.metrics_listen:
        host, port = _host_port(app.settings.metrics_listen)
        app.runner.metrics.serve(host, port)
        logging.getLogger("vrede").info("metrics on http://%s:%d/metrics", host, port)
    return app


def _host_port(text: str) -> tuple[str, int]:
    host, _, port = text.rpartition(":")
    return host or "127.0.0.1", int(port)


def cmd_report(args: argparse.Namespace, settings: Settings) -> int:
    """The weekly figures, protected, as HTML, CSV or JSON."""
    try:
        first, last = parse_range(args.weeks)
    except ValueError as exc:
        print(f"vrede report: {exc}", file=sys.stderr)
        return 2
    today = dt.datetime.now(dt.UTC).date()
    text = service.report(settings.data_dir, first, last, args.region, args.format, today)
    if args.out:
        with open(args.out, "w", encoding="utf-8") as out:
            out.write(text)
    else:
        sys.stdout.write(text)
    return 0


def cmd_status(args: argparse.Namespace, settings: Settings) -> int:
    """A running bot's live figures (VREDE_METRICS_LISTEN), else this week's stored ones."""
    if settings.metrics_listen:
        host, port = _host_port(settings.metrics_listen)
        try:
            sys.stdout.write(service.live(f"{host}:{port}"))
        except OSError as exc:
            print(f"vrede status: no bot answers on {host}:{port} ({exc})", file=sys.stderr)
            return 1
    else:
        sys.stdout.write(service.this_week(settings.data_dir, dt.datetime.now(dt.UTC).date()))
    return 0


def parser() -> argparse.ArgumentParser:
    """The argument parser."""
    p = argparse.ArgumentParser(prog="vrede", description="Huiselijke Vrede chatbot")
    sub = p.add_subparsers(dest="command", required=True)
    c = sub.add_parser("check", help="check dialogues, danger words and translations")
    c.add_argument("--format", choices=["text", "json"], default="text")
    c.set_defaults(func=cmd_check)
    c = sub.add_parser("danger", help="show what a line triggers in the danger words")
    c.add_argument("text", nargs="*", help="one or more lines, each in quotes")
    c.add_argument(
        "--unlisted",
        action="store_true",
        help="also list the examples that are recognised only because they are listed",
    )
    c.add_argument("--lang", default="nl", help="the conversation's language (breaks ties)")
    c.set_defaults(func=cmd_danger)
    c = sub.add_parser("chat", help="talk to the bot in the terminal")
    c.add_argument("--lang", help="language code, e.g. en or tr")
    c.add_argument("--start", metavar="CODE", help="entry code, as from a deep link")
    c.set_defaults(func=cmd_chat)
    c = sub.add_parser("graph", help="print the conversation as a diagram")
    c.add_argument("--format", choices=["mermaid", "dot"], default="mermaid")
    c.set_defaults(func=cmd_graph)
    c = sub.add_parser("i18n", help="translation round trip")
    c.add_argument("step", choices=["extract", "update", "compile"])
    c.set_defaults(func=cmd_i18n)
    c = sub.add_parser(
        "run",
        help="run on Telegram or Matrix when configured, else chat in the terminal "
        "(the web chat: vrede web)",
    )
    c.set_defaults(func=cmd_run)
    c = sub.add_parser("telegram", help="run on Telegram (TELEGRAM_TOKEN), or publish its menu")
    c.add_argument("action", nargs="?", choices=["run", "setup"], default="run")
    c.add_argument("--webhook", metavar="URL", help="receive updates by webhook instead of polling")
    c.add_argument(
        "--listen", metavar="HOST:PORT", help="where the webhook listens (default 127.0.0.1:8080)"
    )
    c.set_defaults(func=cmd_telegram)
    c = sub.add_parser("matrix", help="run on Matrix (MATRIX_HOMESERVER, MATRIX_USER, ...)")
    c.set_defaults(func=cmd_matrix)
    c = sub.add_parser("web", help="serve the web chat for a municipality's website")
    c.add_argument(
        "--listen", metavar="HOST:PORT", help="where it listens (default 127.0.0.1:8081)"
    )
    c.set_defaults(func=cmd_web)
    c = sub.add_parser("report", help="weekly figures for the municipality, protected")
    c.add_argument("--weeks", required=True, metavar="2026-W40..2026-W48")
    c.add_argument("--format", choices=FORMATS, default="html")
    c.add_argument("--region", choices=REGIONS, help="one region (default: all together)")
    c.add_argument("--out", metavar="FILE", help="write to FILE instead of the terminal")
    c.set_defaults(func=cmd_report)
    c = sub.add_parser("status", help="live figures of a running bot, or this week's so far")
    c.set_defaults(func=cmd_status)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `vrede` command."""
    # Every file the bot creates (the database and its -wal and -shm files, the secret, the
    # Matrix keys, the compiled cache) is readable by this user only, also after a crash.
    os.umask(0o077)
    args = parser().parse_args(argv)
    settings = Settings.from_env()
    logging.basicConfig(
        level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    try:
        return int(args.func(args, settings))
    except ContentError as exc:
        for p in exc.problems:
            print(p, file=sys.stderr)
        print("The dialogue has errors; run 'vrede check' for all of them.", file=sys.stderr)
        return 1
    except FileNotFoundError as exc:
        print(f"vrede: {exc.strerror}: {exc.filename}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
