"""The translation round trip for maintainers: extract -> update -> compile."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import yaml
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import escape, normalize, read_po, unescape, write_po

from bot.content.loader import dialogue_files
from bot.i18n.catalogs import SOURCE, po_path
from bot.i18n.extract import english, messages, notes
from bot.yamlsrc import parse

PROJECT = "huiselijke-vrede"
WIDTH = 100


def extract(dialogues: Path, locales: Path) -> tuple[Path, int]:
    """Write locales/messages.pot from the dialogue files; returns its path and entry count.

    The same file as `pybabel extract -F babel.cfg -o locales/messages.pot -w 100 --project
    huiselijke-vrede --version 1 .` (README), but for the creation date, which stays fixed
    here so that the file only changes when a text does. A template's header is fuzzy (as
    pybabel and xgettext write it); the catalogs' headers never are (see update)."""
    pot = Catalog(project=PROJECT, version="1")
    pot.creation_date = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)  # stable file, clean diffs
    base = dialogues.parent
    guide = english(locales)
    for path in dialogue_files(dialogues):
        src = parse(path.read_text(encoding="utf-8"), str(path.relative_to(base)))
        for msg in messages(src):
            pot.add(
                msg.text,
                locations=[(src.file, msg.line)],
                context=msg.context,
                auto_comments=notes(msg, guide),
            )
    out = locales / "messages.pot"
    with out.open("wb") as fh:
        write_po(fh, pot, width=WIDTH, sort_output=False)
    return out, len(pot)


def languages(locales: Path) -> list[str]:
    """Codes listed in locales/languages.yaml, without the source language."""
    spec = yaml.safe_load((locales / "languages.yaml").read_text(encoding="utf-8")) or {}
    return [item["code"] for item in spec.get("languages", []) if item["code"] != SOURCE]


def update(locales: Path) -> list[Path]:
    """Merge messages.pot into every language's messages.po (new catalogs are created).

    A text is known by its context (node and field), so a changed Dutch text keeps its
    translation, marked fuzzy, with the Dutch it was made for as `#| msgid` (the previous
    text: translators see what changed). Babel's guessing by likeness is off: it would give
    one button's translation to another. Headers are never fuzzy: `pybabel compile` and
    `msgfmt` skip a catalog whose header is."""
    written = []
    for lang in languages(locales):
        # A template of its own per language: Babel puts the template's message objects for
        # new entries into the catalog, so one language's words would become the next one's.
        with (locales / "messages.pot").open("rb") as fh:
            template = read_po(fh)
        path = po_path(locales, lang)
        if path.exists():
            with path.open("rb") as fh:
                catalog = read_po(fh, locale=lang)
            _read_previous(catalog, path)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            catalog = Catalog(locale=lang, project=PROJECT, version="1")
        _merge(catalog, template)
        _keep_own_words(catalog)
        catalog.fuzzy = False
        path.write_text(_po_text(catalog), encoding="utf-8")
        written.append(path)
    return written


def _merge(catalog: Catalog, template: Catalog) -> None:
    """Babel's update, matched by context: a changed text keeps its translation as fuzzy,
    with the source it was translated from; a fuzzy entry keeps that previous text."""
    before = {m.context: m for m in catalog if m.id and m.context}
    catalog.update(template, no_fuzzy_matching=True, update_header_comment=False)
    for msg in catalog:
        old = before.get(msg.context) if msg.id and msg.context else None
        if old is None or not old.string:
            continue
        if old.id != msg.id and not msg.string:
            msg.string = old.string
            msg.flags.add("fuzzy")
            # what it was translated from: the first source, however often it changed since
            msg.previous_id = list(old.previous_id) or [str(old.id)]
        elif old.id == msg.id and msg.fuzzy and not msg.previous_id:
            msg.previous_id = list(old.previous_id)  # Babel drops it on an exact match


def _po_text(catalog: Catalog) -> str:
    """The catalog as a .po file, with `#| msgid` as gettext writes it (Babel's own
    include_previous folds a text of several lines into one comment that tools misread)."""
    buf = io.BytesIO()
    write_po(buf, catalog, width=WIDTH, sort_output=False, ignore_obsolete=True)
    text = buf.getvalue().decode("utf-8")
    for msg in catalog:
        if msg.fuzzy and msg.previous_id and msg.context:
            first, *rest = normalize(msg.previous_id[0], width=WIDTH).splitlines()
            block = "".join([f"\n#| msgid {first}", *(f"\n#| {line}" for line in rest)])
            marker = f"\nmsgctxt {escape(msg.context)}\n"
            text = text.replace(marker, block + marker, 1)
    return text


def _read_previous(catalog: Catalog, path: Path) -> None:
    """Babel writes `#| msgid` but does not read it back: take it from the file, by context."""
    found: dict[str, str] = {}
    previous: list[str] | None = None
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("#| msgid "):
            previous = [line[len("#| msgid ") :]]
        elif line.startswith('#| "') and previous is not None:
            previous.append(line[3:])
        elif line.startswith("msgctxt ") and previous is not None:
            found[unescape(line[len("msgctxt ") :])] = "".join(unescape(p) for p in previous)
            previous = None
        elif not line.startswith("#"):
            previous = None
    for msg in catalog:
        if msg.fuzzy and msg.context in found:
            msg.previous_id = [found[msg.context]]


def _keep_own_words(catalog: Catalog) -> None:
    """Intent lists are each language's own words, not translations of the Dutch list: a
    change in the Dutch words does not make them stale (Babel would mark them fuzzy)."""
    for msg in catalog:
        if (msg.context or "").startswith("intent.") and msg.string and msg.fuzzy:
            msg.flags.discard("fuzzy")
            msg.previous_id = []


def compile_all(locales: Path) -> list[Path]:
    """Write messages.mo beside every messages.po (fuzzy entries left out)."""
    written = []
    for lang in languages(locales):
        path = po_path(locales, lang)
        if not path.exists():
            continue
        with path.open("rb") as fh:
            catalog = read_po(fh, locale=lang)
        with path.with_suffix(".mo").open("wb") as fh:
            write_mo(fh, catalog, use_fuzzy=False)
        written.append(path.with_suffix(".mo"))
    return written
