"""Content ready to answer with, and a compiled copy of it so that the next start is quick.

Reading the YAML files, checking them and building the danger and intent indexes takes about
a second; loading the compiled result takes a tenth of that. Like Python's own .pyc files,
the compiled copy is only a cache: it is keyed by a hash of everything it was made from (the
dialogue folder, the catalogs, the trusted-person file, the bot's own code, the Python
version, and the date, because the start-up checks depend on it), it is rebuilt whenever any
of these change, and deleting it is always safe. It holds content only, never anything about
a resident.

Where: VREDE_CACHE_DIR (`off`: none), else $XDG_CACHE_HOME/vrede, else ~/.cache/vrede
(config.py). A folder that cannot be written means no cache, not an error.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
import pickle
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from bot.content.check import startup_errors
from bot.content.loader import load
from bot.engine.engine import Engine
from bot.engine.model import Dialogue
from bot.engine.problem import Problem
from bot.engine.safety import Detector
from bot.engine.understand import Understanding
from bot.i18n.catalogs import Catalogs
from bot.i18n.extract import wanted

log = logging.getLogger(__name__)
CODE = Path(__file__).resolve().parent.parent  # the bot package: its code is part of the key
FORMAT = 1  # raise when the cached object layout changes in a way the code hash cannot see
PREFIX = "content-"


class ContentError(Exception):
    """The dialogue cannot be loaded; carries the problems to print."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"{len(problems)} problems")
        self.problems = problems


@dataclass(frozen=True)
class Prepared:
    """Checked content with its indexes built: what an engine is made of."""

    dialogue: Dialogue
    catalogs: Catalogs
    detector: Detector
    understanding: Understanding

    def engine(self) -> Engine:
        return Engine(
            self.dialogue, self.catalogs, None, self.detector, understanding=self.understanding
        )


def prepare(
    dialogues: Path,
    locales: Path,
    trusted: Path | None,
    today: dt.date,
    cache_dir: Path | None = None,
) -> Prepared:
    """Checked content, from the compiled cache when it matches, else built (and cached).

    Raises ContentError with the problems when the content has errors (never cached)."""
    key = content_key(dialogues, locales, trusted, today) if cache_dir else ""
    path = cache_dir / f"{PREFIX}{key}.pickle" if cache_dir else None
    if path is not None:
        cached = _read(path)
        if cached is not None:
            return cached
    loaded = load(dialogues, trusted)
    catalogs = Catalogs.load(locales, wanted(loaded.sources), dialogues / "danger")
    for code, why in catalogs.left_out.items():
        log.warning("language '%s' is not offered: %s (run 'vrede check')", code, why)
    problems = startup_errors(loaded, catalogs, today)
    if problems or loaded.dialogue is None:
        raise ContentError(problems)
    prepared = Prepared(
        loaded.dialogue,
        catalogs,
        loaded.detector,
        Understanding(loaded.dialogue.intents, catalogs),
    )
    if path is not None:
        _write(path, prepared)
    return prepared


def content_key(dialogues: Path, locales: Path, trusted: Path | None, today: dt.date) -> str:
    """A hash of everything the prepared content is made from."""
    h = hashlib.sha256(f"{FORMAT} {sys.version} {today.isoformat()}".encode())
    for label, root in (("code", CODE), ("dialogues", dialogues), ("locales", locales)):
        for file in sorted(p for p in root.rglob("*") if p.is_file() and _counts(p)):
            h.update(f"\0{label}/{file.relative_to(root).as_posix()}\0".encode())
            h.update(file.read_bytes())
    if trusted is not None:
        h.update(b"\0trusted\0" + (trusted.read_bytes() if trusted.is_file() else b"-"))
    return h.hexdigest()[:32]


def _counts(path: Path) -> bool:
    return path.suffix in {".py", ".yaml", ".yml", ".json", ".po"} and "__pycache__" not in str(
        path
    )


def _read(path: Path) -> Prepared | None:
    try:
        with path.open("rb") as f:
            found = pickle.load(f)
        os.utime(path)  # in use: not removed as an old copy
    except FileNotFoundError:
        return None
    except Exception as exc:  # a damaged or foreign file: rebuild and overwrite it
        log.warning("compiled content cache unreadable, rebuilding (%s)", type(exc).__name__)
        return None
    return found if isinstance(found, Prepared) else None


def _write(path: Path, prepared: Prepared) -> None:
    """Write atomically (readable by this user only), and remove older copies."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".pickle")
        with os.fdopen(fd, "wb") as f:
            pickle.dump(prepared, f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
        for old in path.parent.glob(f"{PREFIX}*.pickle"):  # copies no start used for a day
            if old != path and old.stat().st_mtime < path.stat().st_mtime - 86_400:
                old.unlink(missing_ok=True)
    except OSError as exc:
        log.info("no compiled content cache (%s)", type(exc).__name__)
