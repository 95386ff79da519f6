"""Edits go live without a restart: a file watcher, SIGHUP, and the pid file `vrede reload` uses.

What triggers a reload, for every transport at once (they all answer through the runner,
which reads the content holder each turn; see content/live.py for what a reload does):

- a change to a dialogue, danger or catalog file, or to the trusted-person file, seen by
  `watchfiles` (inotify on Linux) in a thread of its own; edits that arrive together (an
  editor saving twice, `vrede i18n update` writing eight catalogs) are one reload;
- SIGHUP (`systemctl reload vrede`, `kill -HUP`), for deployments that turn the watcher off
  (VREDE_WATCH=off, say on a network file system);
- `vrede reload`, which checks the files first and then sends SIGHUP to the process named
  in `<data dir>/vrede.pid` (written by `vrede telegram`, `vrede matrix` and `vrede run`).

The reload itself runs in a thread: checking and building take a few seconds, and the
terminal chat waits for typed input in the main thread.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import threading
from collections.abc import Iterator
from pathlib import Path
from types import FrameType

import watchfiles

from bot.content.live import Reloader, Sources

log = logging.getLogger(__name__)
PID_FILE = "vrede.pid"
CONTENT_SUFFIXES = frozenset({".yaml", ".yml", ".json", ".po", ".mo"})
DEBOUNCE_MS = 800  # changes within this time count as one edit
QUIET = {signal.SIGINT, signal.SIGTERM, signal.SIGHUP}  # handled by the main thread only


class Watcher:
    """Watches folders in a thread and reloads when a content file in them changes."""

    def __init__(
        self,
        reloader: Reloader,
        folders: list[Path],
        only: Path | None = None,
        recursive: bool = True,
        debounce_ms: int = DEBOUNCE_MS,
    ) -> None:
        self.reloader, self.folders, self.only = reloader, folders, only
        self.recursive, self.debounce_ms = recursive, debounce_ms
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="vrede-watch", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _wanted(self, _change: watchfiles.Change, path: str) -> bool:
        p = Path(path)
        if self.only is not None:
            return p.name == self.only.name
        return p.suffix in CONTENT_SUFFIXES and not p.name.startswith(".")

    def _run(self) -> None:
        # Signals belong to the main thread: one delivered here would not interrupt the
        # main thread's wait (the first Ctrl-C of the terminal chat would be lost).
        signal.pthread_sigmask(signal.SIG_BLOCK, QUIET)
        try:
            for changes in watchfiles.watch(
                *self.folders,
                watch_filter=self._wanted,
                stop_event=self._stop,
                debounce=self.debounce_ms,
                recursive=self.recursive,
                raise_interrupt=False,
            ):
                log.info("content files changed (%d): reloading", len(changes))
                self.reloader.reload("files changed")
        except Exception as exc:  # the bot goes on answering; SIGHUP still reloads
            log.error("the file watcher stopped: %s", type(exc).__name__)


def watchers(reloader: Reloader, debounce_ms: int = DEBOUNCE_MS) -> list[Watcher]:
    """Watchers for the dialogues and catalogs, and the trusted-person file's folder (that
    folder alone: it may be /etc/vrede, and only that one file counts)."""
    s: Sources = reloader.sources
    folders = [f for f in (s.dialogues, s.locales) if f.is_dir()]
    out = [Watcher(reloader, folders, debounce_ms=debounce_ms)] if folders else []
    trusted = s.trusted
    if trusted is not None and not any(
        trusted.resolve().is_relative_to(f.resolve()) for f in folders
    ):
        out.append(Watcher(reloader, [trusted.parent], trusted, False, debounce_ms))
    return out


def _reload_quietly(reloader: Reloader) -> None:
    signal.pthread_sigmask(signal.SIG_BLOCK, QUIET)  # see Watcher._run
    reloader.reload("SIGHUP")


def on_sighup(reloader: Reloader) -> None:
    """SIGHUP reloads (in a thread: a signal handler must return at once)."""

    def handler(_sig: int, _frame: FrameType | None) -> None:
        threading.Thread(target=_reload_quietly, args=(reloader,), daemon=True).start()

    if threading.current_thread() is threading.main_thread():  # Python allows no other
        signal.signal(signal.SIGHUP, handler)


@contextlib.contextmanager
def live(
    reloader: Reloader, watch: bool = True, pid_dir: Path | None = None
) -> Iterator[list[Watcher]]:
    """While the bot runs: reload on SIGHUP, on file changes (unless `watch` is off), and
    write a pid file in `pid_dir` for `vrede reload`."""
    on_sighup(reloader)
    running = watchers(reloader) if watch else []
    for w in running:
        w.start()
    pid = write_pid(pid_dir) if pid_dir is not None else None
    try:
        yield running
    finally:
        for w in running:
            w.stop()
        if pid is not None:
            remove_pid(pid)
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGHUP, signal.SIG_DFL)


def write_pid(folder: Path) -> Path:
    """`<folder>/vrede.pid` with this process's id (the data folder: this user only)."""
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = folder / PID_FILE
    path.write_text(f"{os.getpid()}\n", encoding="ascii")
    return path


def remove_pid(path: Path) -> None:
    """Remove the pid file if it is still ours (another bot may have taken it over)."""
    with contextlib.suppress(OSError, ValueError):
        if int(path.read_text(encoding="ascii")) == os.getpid():
            path.unlink()


def signal_running(folder: Path) -> tuple[bool, str]:
    """Send SIGHUP to the bot named in `<folder>/vrede.pid`: (sent, what happened)."""
    path = folder / PID_FILE
    try:
        pid = int(path.read_text(encoding="ascii").strip())
    except (OSError, ValueError):
        return False, f"no running bot found ({path} is missing or unreadable)"
    if not _is_vrede(pid):
        return False, f"no running bot found (process {pid} from {path} is gone)"
    try:
        os.kill(pid, signal.SIGHUP)
    except OSError as exc:
        return False, f"could not signal process {pid}: {exc.strerror}"
    return True, f"asked process {pid} to reload; its log says whether the new version runs"


def _is_vrede(pid: int) -> bool:
    """Is `pid` alive, and (where /proc tells) a vrede process? A pid file outlives a crash,
    and SIGHUP would end an unrelated process that reused the number."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return False  # another user's process: not ours
    cmdline = Path(f"/proc/{pid}/cmdline")
    if not cmdline.exists():
        return True
    try:
        words = cmdline.read_bytes()
    except OSError:
        return False
    return b"vrede" in words or b"bot.cli" in words
