"""`vrede graph` and `vrede reload`: the maintainers' commands about content (cli.py wires them)."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bot.app import App, build
from bot.config import Settings
from bot.content.check import check
from bot.content.loader import load
from bot.content.prepared import ContentError
from bot.engine.problem import errors
from bot.graph import dot, markdown, mermaid, missing
from bot.live import live, signal_running

NO_DOT = (
    "vrede graph: --format {fmt} needs Graphviz's 'dot', which is not installed.\n"
    "Install it (Debian/Ubuntu: sudo apt-get install graphviz), or use --format md or dot."
)


def cmd_graph(args: argparse.Namespace, settings: Settings) -> int:
    """Print the dialogue as Mermaid, Markdown or dot, or render it to SVG or PNG."""
    loaded = load(settings.dialogues)
    d = loaded.dialogue
    if d is None:
        raise ContentError(errors(loaded.problems))
    bad = missing(d)
    if bad:
        for m in bad:
            print(m, file=sys.stderr)
        print(f"vrede graph: {len(bad)} options go to a node that does not exist", file=sys.stderr)
        return 1
    focus = args.focus
    if focus is not None and focus not in d.nodes:
        print(f"vrede graph: no node '{focus}' (vrede graph lists every node)", file=sys.stderr)
        return 2
    fmt = args.format
    if fmt in ("svg", "png"):
        return _render(dot(d, focus), fmt, args.out)
    text = {"mermaid": mermaid, "md": markdown, "dot": dot}[fmt](d, focus)
    return _write(text.encode(), args.out)


def _render(source: str, fmt: str, out: str | None) -> int:
    """Graphviz renders the dot source; its own message when it fails."""
    exe = shutil.which("dot")
    if exe is None:
        print(NO_DOT.format(fmt=fmt), file=sys.stderr)
        return 2
    done = subprocess.run(
        [exe, f"-T{fmt}"], input=source.encode(), capture_output=True, timeout=120, check=False
    )
    if done.returncode != 0:
        print(f"vrede graph: dot failed: {done.stderr.decode(errors='replace')}", file=sys.stderr)
        return 1
    if out is None and fmt == "png" and sys.stdout.isatty():
        print("vrede graph: a PNG is not for the terminal; add --out FILE.png", file=sys.stderr)
        return 2
    return _write(done.stdout, out)


def _write(data: bytes, out: str | None) -> int:
    if out:
        Path(out).write_bytes(data)
    else:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    return 0


def cmd_reload(args: argparse.Namespace, settings: Settings) -> int:
    """Check the files, then ask the running bot to load them (SIGHUP via its pid file)."""
    problems = check(
        settings.dialogues, settings.locales, dt.date.today(), settings.trusted_persons
    )
    bad = errors(problems)
    if bad:
        for p in bad:
            print(p)
        print(f"not reloaded: {len(bad)} errors; the bot keeps the version it runs now")
        return 1
    sent, said = signal_running(settings.data_dir)
    print(said, file=sys.stdout if sent else sys.stderr)
    return 0 if sent else 1


@contextmanager
def running(app: App, pid_file: bool = True) -> Iterator[App]:
    """While a transport runs: reload on file changes and SIGHUP; the pid file for
    `vrede reload` (not for the terminal chat, which keeps nothing on disk)."""
    pid_dir = app.settings.data_dir if pid_file else None
    with live(app.reloader, app.settings.watch, pid_dir):
        yield app


def cmd_people(args: argparse.Namespace, settings: Settings) -> int:
    """`vrede people`: enrolled trusted persons (no residents' data); `invite PERSON`: a code."""
    app = build(settings)
    relay = app.runner.relay
    assert relay is not None
    trusted = app.engine.dialogue.trusted
    if args.action == "invite":
        if args.person not in trusted:
            print(f"vrede people: unknown person '{args.person}'; valid: {', '.join(trusted)}")
            return 2
        code = asyncio.run(relay.invite(args.person))
        print(f"one-time code for {args.person} (valid 7 days): {code}")
        print("They send it to the bot in a private chat (Telegram: /start " + code + ").")
        return 0
    helpers = {h.person: h for h in asyncio.run(relay.store.helpers())}
    for pid, person in trusted.items():
        h = helpers.get(pid)
        state = (
            "not enrolled"
            if h is None
            else f"{h.platform}, " + ("available" if h.available else "paused")
        )
        reports = f", {h.reports} report(s)" if h is not None and h.reports else ""
        if h is not None and app.runner.keyer.unseal(h.sealed) is None:
            reports += ", cannot be reached: invite again"  # sealed another way (before 0.4)
        print(f"{pid:<12} {person.name:<24} {state}{reports}")
    return 0
