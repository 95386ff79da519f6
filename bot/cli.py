"""`vrede`: the command line, and the one place where the parts are wired together."""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import logging
import os
import sys
from collections.abc import Sequence

from bot import cli_parser
from bot.app import App, build
from bot.cli_content import cmd_graph, cmd_people, cmd_reload, running
from bot.cli_kit import cmd_flyer, cmd_link
from bot.config import Settings
from bot.content import roundtrip
from bot.content.check import check
from bot.content.live import settle
from bot.content.loader import load
from bot.content.prepared import ContentError
from bot.engine.problem import errors
from bot.figures import service
from bot.figures.weeks import parse_range
from bot.transports.console import HOW_TO_QUIT, Console, prompt_lines, run_in_terminal

HOW_TO_CONNECT = (
    "(vrede: to connect the bot, set TELEGRAM_TOKEN for Telegram, or "
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
    args.lang = _one_of("--lang", args.lang, sorted(loaded.lexicons))
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
    d = app.engine.dialogue
    codes = [*d.entry_codes, *(p.code for p in d.trusted.values() if p.code)]
    lang = _one_of("--lang", args.lang, app.catalogs.languages)
    code = _one_of("--start", args.start, codes)
    interactive = sys.stdin.isatty()
    if getattr(args, "hint", False) and interactive:
        print(HOW_TO_CONNECT)
    if interactive:
        print(HOW_TO_QUIT)
    console = Console(app.runner, echo=not interactive)
    lines = prompt_lines() if interactive else sys.stdin.read().splitlines()
    with running(app, pid_file=False):  # edits show up in the next answer
        run_in_terminal(console, lines, lang, code, getattr(args, "helper", None))
    return 0


class UsageError(Exception):
    """A value on the command line that is not one of the valid ones."""


def _one_of(option: str, value: str | None, valid: Sequence[str]) -> str | None:
    """`value` as spelled in `valid`, compared case-insensitively; None stays None."""
    if value is None:
        return None
    found = {v.lower(): v for v in valid}.get(value.lower())
    if found is None:
        raise UsageError(f"unknown {option} '{value}'; valid: {', '.join(valid) or '(none)'}")
    return found


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
    """Telegram when TELEGRAM_TOKEN is set, Matrix when MATRIX_HOMESERVER is, both in one
    process when both are (a relay may then cross between them), else the terminal."""
    if settings.telegram_token and settings.matrix_homeserver:
        from bot.both import run_both

        with running(_serving(build(settings))) as app:
            return run_both(app)
    if settings.telegram_token:
        return cmd_telegram(argparse.Namespace(action="run", webhook=None, listen=None), settings)
    if settings.matrix_homeserver:
        return cmd_matrix(argparse.Namespace(), settings)
    return cmd_chat(argparse.Namespace(hint=True, lang=None, start=None), settings)


def cmd_telegram(args: argparse.Namespace, settings: Settings) -> int:
    """Run on Telegram (imported here so the terminal chat never loads the Telegram library)."""
    from bot.transports.telegram import main as telegram_main  # type: ignore[attr-defined,unused-ignore]

    app = _serving(build(settings))
    if getattr(args, "action", "run") == "setup":
        return int(telegram_main(app, args))
    with running(app):
        return int(telegram_main(app, args))


def cmd_matrix(args: argparse.Namespace, settings: Settings) -> int:
    """Run on Matrix (imported here so the terminal chat never loads matrix-nio)."""
    from bot.transports.matrix import main as matrix_main  # type: ignore[import-not-found,unused-ignore]

    with running(_serving(build(settings))) as app:
        return int(matrix_main(app, args))


def cmd_web(args: argparse.Namespace, settings: Settings) -> int:
    """Serve the web chat; its conversations are forgotten after VREDE_WEB_TTL_MINUTES idle."""
    from bot.transports.web import main as web_main

    ttl = dataclasses.replace(settings, ttl_hours=settings.web_ttl_minutes / 60)
    with running(_serving(build(ttl))) as app:
        return int(web_main(app, args))


def _serving(app: App) -> App:
    """Start the metrics endpoint when VREDE_METRICS_LISTEN asks for one; settle what was
    loaded (it lives as long as the process)."""
    settle()
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
    text = service.report(
        settings.data_dir, first, last, args.region, args.format, today, settings.redis_url
    )
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
        sys.stdout.write(
            service.this_week(settings.data_dir, dt.datetime.now(dt.UTC).date(), settings.redis_url)
        )
    return 0


HANDLERS = {
    "check": cmd_check,
    "danger": cmd_danger,
    "chat": cmd_chat,
    "graph": cmd_graph,
    "reload": cmd_reload,
    "i18n": cmd_i18n,
    "run": cmd_run,
    "telegram": cmd_telegram,
    "matrix": cmd_matrix,
    "report": cmd_report,
    "web": cmd_web,
    "status": cmd_status,
    "people": cmd_people,
    "link": cmd_link,
    "flyer": cmd_flyer,
}


def parser() -> argparse.ArgumentParser:
    """The argument parser (cli_parser.py), wired to the commands here."""
    return cli_parser.parser(HANDLERS)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `vrede` command: never a traceback for a closed pipe or Ctrl-C."""
    try:
        code = _main(argv)
        sys.stdout.flush()  # a closed pipe shows here, not in the interpreter's exit
        return code
    except BrokenPipeError:
        # `vrede check --format json | head -1`: the reader has gone. Say nothing more, and
        # keep the interpreter's own flush at exit from failing again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141  # as a program stopped by SIGPIPE
    except KeyboardInterrupt:
        print(file=sys.stderr)
        return 130  # as a program stopped by Ctrl-C


def _main(argv: Sequence[str] | None) -> int:
    # Every file the bot creates (the database and its -wal and -shm files, the secret, the
    # Matrix keys, the compiled cache) is readable by this user only, also after a crash.
    os.umask(0o077)
    cli = parser()
    args = cli.parse_args(argv)
    if args.command is None:
        cli.print_help()
        return 0
    settings = Settings.from_env()
    logging.basicConfig(
        level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    try:
        return int(args.func(args, settings))
    except UsageError as exc:
        print(f"vrede {args.command}: {exc}", file=sys.stderr)
        return 2
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
