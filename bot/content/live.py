"""The content the bot answers with now, and how a new version replaces it: checked first.

One place owns the current content: a `Content` holder that the runner reads once per turn.
A new version is built beside the old one and swapped in with one assignment, so a turn
sees either the old content or the new one, never a mix. Transports do not reload anything
themselves; they answer through the runner, which always asks the holder.

`Reloader.reload()` runs the full `vrede check` (errors refuse the new version, warnings do
not), builds the engine, and swaps. When anything fails, the old version keeps answering and
the log says how many problems there are and where (file, line, code; never a text: a
problem's message may quote a dialogue line, and logs carry no text at all).
"""

from __future__ import annotations

import datetime as dt
import gc
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bot.content.check import check
from bot.content.prepared import ContentError, prepare
from bot.engine.engine import Engine
from bot.engine.problem import Problem, errors
from bot.engine.translate import Translator
from bot.metrics import Metrics

log = logging.getLogger(__name__)
SHOWN_PROBLEMS = 20  # places logged for a refused version; the count is always complete


def settle() -> None:
    """Take what lives as long as the process (the dialogue, catalogs, danger words and the
    libraries, loaded at start) out of the cyclic garbage collector's passes (gc.freeze).

    A full pass over all of it takes some 30 ms, and would fall on some resident's reply; after
    this, the passes look only at what turns create. Called once a transport is about to
    serve, and again after a reload swapped the content (the old version may then go).
    """
    if gc.get_freeze_count():
        gc.unfreeze()
    gc.collect()
    gc.freeze()


class Content:
    """The engine (dialogue, catalogs, danger words, trusted persons) answering now."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    @property
    def engine(self) -> Engine:
        """The current engine; read it once per turn and keep using that one."""
        return self._engine

    @property
    def translator(self) -> Translator:
        """The current catalogs (languages offered, their names)."""
        return self._engine.tr

    def swap(self, engine: Engine) -> None:
        """Replace the content as a whole (one reference assignment: atomic for readers)."""
        self._engine = engine


@dataclass(frozen=True)
class Sources:
    """Where the content comes from: what `vrede check` and `prepare` read."""

    dialogues: Path
    locales: Path
    trusted: Path | None
    cache_dir: Path | None = None


class Reloader:
    """Builds a new version from the files and swaps it in only when it passes the check."""

    def __init__(
        self,
        content: Content,
        sources: Sources,
        metrics: Metrics,
        today: Callable[[], dt.date] = dt.date.today,
    ) -> None:
        self.content, self.sources, self.metrics, self.today = content, sources, metrics, today
        self._lock = threading.Lock()  # one reload at a time (a watcher and a signal may race)

    def reload(self, why: str = "request") -> bool:
        """Check and load the files again; True when the new version now answers."""
        with self._lock:
            try:
                engine = self._build()
            except _Refused as refused:
                self._refuse(why, refused.problems)
                return False
            except Exception as exc:  # whatever breaks, the old version keeps answering
                self.metrics.inc("reload_failures")
                log.error(
                    "content reload (%s) failed: %s; still answering with the old version",
                    why,
                    type(exc).__name__,
                )
                return False
            old = self.content.engine.dialogue.version
            self.content.swap(engine)
            if gc.get_freeze_count():  # a serving process: the new version settles too
                settle()
            self.metrics.inc("reloads")
            log.info("content reloaded (%s): dialogue %s -> %s", why, old, engine.dialogue.version)
            return True

    def _build(self) -> Engine:
        s, today = self.sources, self.today()
        problems = check(s.dialogues, s.locales, today, s.trusted)
        if errors(problems):
            raise _Refused(problems)
        try:
            prepared = prepare(s.dialogues, s.locales, s.trusted, today, s.cache_dir)
        except ContentError as exc:  # the start-up rules are a subset of the check: rare
            raise _Refused(exc.problems) from None
        return prepared.engine()

    def _refuse(self, why: str, problems: list[Problem]) -> None:
        self.metrics.inc("reload_failures")
        bad = errors(problems)
        log.error(
            "content reload (%s) refused: %d errors, %d warnings; still answering with the "
            "old version (run 'vrede check' for the messages)",
            why,
            len(bad),
            len(problems) - len(bad),
        )
        for p in bad[:SHOWN_PROBLEMS]:
            log.error("  %s:%d %s", p.file or "(no file)", p.line, p.code)


class _Refused(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"{len(problems)} problems")
        self.problems = problems
