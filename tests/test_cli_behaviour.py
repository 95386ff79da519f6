"""`vrede` as a command line should behave: help, version, the environment it reads, a closed
pipe and Ctrl-C without a traceback."""

from __future__ import annotations

import argparse
import io
import os
import pty
import re
import select
import signal
import subprocess
import sys
import time

import pytest

from bot import cli
from bot.cli_parser import ENVIRONMENT, epilog
from bot.transports.console import prompt_lines, run_in_terminal
from tests.test_cli import ROOT, vrede


def test_vrede_alone_prints_the_help() -> None:
    result = vrede()
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage: vrede")
    assert "check" in result.stdout and "environment variables:" in result.stdout


def test_version() -> None:
    result = vrede("--version")
    assert result.returncode == 0
    assert re.fullmatch(r"vrede \d+\.\d+\.\d+\n", result.stdout)


def test_every_subcommand_and_option_has_help() -> None:
    sub = next(a for a in cli.parser()._actions if isinstance(a, argparse._SubParsersAction))
    helped = {c.dest: c.help for c in sub._choices_actions}
    for name, command in sub.choices.items():
        assert helped.get(name), f"vrede {name} has no help line"
        assert command.description, f"vrede {name} has no description"
        for action in command._actions:
            assert action.help, f"vrede {name} {action.option_strings or action.dest}: no help"


def test_the_main_help_lists_every_environment_variable_the_code_reads() -> None:
    code = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "bot").rglob("*.py"))
    read = set(re.findall(r"""env(?:\.get)?[\[(]["']([A-Z][A-Z0-9_]+)["']""", code))
    read |= set(re.findall(r"""["']((?:VREDE|TELEGRAM|MATRIX)_[A-Z0-9_]+)["'] in env""", code))
    listed = {name for name, _ in ENVIRONMENT}
    assert read, "the pattern no longer finds how config.py reads the environment"
    assert read <= listed, f"not in the help: {sorted(read - listed)}"
    text = epilog()
    for name in ("VREDE_DATA_DIR", "VREDE_SECRET", "VREDE_TRUSTED_PERSONS", "TELEGRAM_TOKEN"):
        assert name in text
    assert "MATRIX_HOMESERVER" in text


def test_subcommand_help_exits_cleanly() -> None:
    result = vrede("chat", "--help")
    assert result.returncode == 0 and "--lang" in result.stdout and "Ctrl-C" in result.stdout


@pytest.mark.parametrize(
    "args",
    [("check", "--format", "json"), ("graph",), ("--help",)],
    ids=["check json", "graph", "help"],
)
def test_a_closed_pipe_is_no_traceback(args: tuple[str, ...]) -> None:
    """As `vrede check --format json | head -1`: the reader goes before the writer is done."""
    env = {**os.environ, "VREDE_DATA_DIR": str(ROOT / ".pytest_cache" / "cli-data")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=ROOT,
        env=env,
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()
    with proc.stderr:
        err = proc.stderr.read().decode()
    proc.wait(timeout=60)
    assert "Traceback" not in err and "BrokenPipeError" not in err, err
    assert proc.returncode in (0, 141)


def test_prompt_lines_read_every_line_until_ctrl_d() -> None:
    """Lines pasted at once, a letter split over two reads, a last line without Enter."""
    read, write = os.pipe()
    os.write(write, b"1\r\nzwei\ndrie " + "ü".encode()[:1])
    out = io.StringIO()
    lines = prompt_lines(fd=read, out=out)
    assert [next(lines), next(lines)] == ["1", "zwei"]
    os.write(write, "ü".encode()[1:] + b"\nlast")
    os.close(write)
    assert list(lines) == ["drie ü", "last"]
    assert out.getvalue().count("> ") == 4
    os.close(read)


def test_prompt_lines_end_at_ctrl_c() -> None:
    read, write = os.pipe()
    previous = signal.signal(signal.SIGALRM, lambda *_: signal.raise_signal(signal.SIGINT))
    try:
        signal.setitimer(signal.ITIMER_REAL, 0.3)  # Ctrl-C while nothing is typed
        assert list(prompt_lines(fd=read, out=io.StringIO())) == []
    finally:
        signal.signal(signal.SIGALRM, previous)
        os.close(read)
        os.close(write)


def test_ctrl_c_while_the_bot_answers_ends_the_chat_cleanly() -> None:
    class Interrupted:
        """A console whose answer is interrupted by Ctrl-C."""

        def __init__(self) -> None:
            self.out = open(os.devnull, "w")  # noqa: SIM115
            self.answered: list[str] = []

        async def run(
            self, lines: object, lang: str | None, code: str | None, helper: str | None
        ) -> None:
            return None

        async def answer(self, line: str) -> None:
            self.answered.append(line)
            raise KeyboardInterrupt

    console = Interrupted()
    run_in_terminal(console, ["1", "2"], None, None)  # type: ignore[arg-type]
    console.out.close()
    assert console.answered == ["1"]


@pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")
def test_the_first_ctrl_c_quits_the_terminal_chat() -> None:
    """In a real terminal: the chat says how to quit, and one Ctrl-C ends it, exit 0."""
    env = {**os.environ, "VREDE_DATA_DIR": str(ROOT / ".pytest_cache" / "cli-data")}
    env.pop("TELEGRAM_TOKEN", None)
    env.pop("MATRIX_HOMESERVER", None)
    pid, fd = pty.fork()
    if pid == 0:  # the child: `vrede chat` on the terminal
        os.chdir(ROOT)
        os.execve(sys.executable, [sys.executable, "-m", "bot.cli", "chat"], env)
    seen = _read_until(fd, b"\n> ")
    assert b"Ctrl-C" in seen, seen
    os.write(fd, b"\x03")
    seen += _read_until(fd, None)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0, seen
    assert b"Traceback" not in seen


def _read_until(fd: int, marker: bytes | None, timeout: float = 60.0) -> bytes:
    out, end = b"", time.monotonic() + timeout
    while time.monotonic() < end:
        ready, _, _ = select.select([fd], [], [], 0.5)
        if not ready:
            continue
        try:
            chunk = os.read(fd, 4096)
        except OSError:  # the child has gone
            return out
        if not chunk:
            return out
        out += chunk
        if marker is not None and marker in out:
            return out
    raise AssertionError(f"timed out; got {out!r}")
