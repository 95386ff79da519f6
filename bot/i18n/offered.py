"""Which languages residents are offered: a language listed in locales/languages.yaml is left
out of the language menu and the language guess while it is incomplete.

Incomplete means any of:
- its catalog `locales/<code>/LC_MESSAGES/messages.po` is missing, unreadable, or has a
  syntax error that `msgfmt --check` calls fatal (see posyntax.py);
- it has no danger words file `dialogues/danger/<code>.yaml` (a resident's "he has a knife"
  in that language would go unrecognised);
- fewer than MIN_SHARE of the dialogue's texts have a current translation (not empty, not
  fuzzy).

Why a share and not every text: a maintainer who adds one node, or rewords one sentence, makes
that text new or fuzzy in every language at once; those few show in Dutch until the
translators catch up (and `vrede check` warns), rather than every language vanishing from the
menu. A language that is new or half done stays out until it is nearly all there.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Collection
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from bot.i18n.posyntax import PoError, check_po

MIN_SHARE = 0.9
Key = tuple[str, str]  # (msgctxt, msgid)


def po_path(locales: Path, lang: str) -> Path:
    """locales/<lang>/LC_MESSAGES/messages.po"""
    return locales / lang / "LC_MESSAGES" / "messages.po"


def syntax_errors(path: Path) -> list[PoError]:
    """The fatal syntax errors of a .po file ([] when it reads cleanly)."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        return [PoError(1, f"not UTF-8 text ({exc.reason} at byte {exc.start})")]
    return check_po(text)


def quiet_read_po(path: Path) -> Catalog:
    """Babel's reader, with its raw WARNING prints kept off the terminal (they are found and
    reported with their lines by posyntax before Babel is asked)."""
    with path.open("rb") as fh, contextlib.redirect_stdout(io.StringIO()):
        return read_po(fh, abort_invalid=False)


def current(catalog: Catalog) -> set[Key]:
    """The entries with a translation that is not empty and not fuzzy."""
    return {
        (m.context or "", m.id)
        for m in catalog
        if isinstance(m.id, str) and m.id and isinstance(m.string, str) and m.string
        if not m.fuzzy
    }


def missing_parts(locales: Path, lang: str, danger: Path | None) -> tuple[bool, list[str]]:
    """Whether the catalog of `lang` can be read, and why the language cannot be offered
    whatever its texts say: no catalog, a catalog with syntax errors, no danger words file."""
    path = po_path(locales, lang)
    out = []
    if not path.exists():
        out.append(f"it has no catalog ({path.name}): run 'vrede i18n update' and translate it")
    elif errors := syntax_errors(path):
        first = errors[0].line
        out.append(f"its catalog has {len(errors)} syntax errors (the first at line {first})")
    readable = not out
    if danger is not None and not (danger / f"{lang}.yaml").exists():
        out.append(
            f"it has no danger words file (danger/{lang}.yaml): copy the structure of nl.yaml"
        )
    return readable, out


def too_few(done: set[Key], wanted: Collection[Key]) -> str | None:
    """Why the translated share is too small to offer the language, or None."""
    if not wanted:
        return None
    have = len(done & set(wanted))
    if have >= MIN_SHARE * len(wanted):
        return None
    return (
        f"only {have} of {len(wanted)} texts are translated and current; at least "
        f"{MIN_SHARE:.0%} must be"
    )
