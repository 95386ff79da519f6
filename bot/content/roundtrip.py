"""The translation round trip for maintainers: extract -> update -> compile."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import yaml
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from bot.content.loader import dialogue_files
from bot.i18n.catalogs import SOURCE, po_path
from bot.i18n.extract import messages
from bot.yamlsrc import parse

PROJECT = "huiselijke-vrede"


def extract(dialogues: Path, locales: Path) -> tuple[Path, int]:
    """Write locales/messages.pot from the dialogue files; returns its path and entry count."""
    pot = Catalog(project=PROJECT, version="1", fuzzy=False)
    pot.creation_date = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)  # stable file, clean diffs
    base = dialogues.parent
    for path in dialogue_files(dialogues):
        src = parse(path.read_text(encoding="utf-8"), str(path.relative_to(base)))
        for msg in messages(src):
            pot.add(
                msg.text,
                locations=[(src.file, msg.line)],
                context=msg.context,
                auto_comments=[msg.comment] if msg.comment else [],
            )
    out = locales / "messages.pot"
    with out.open("wb") as fh:
        write_po(fh, pot, width=100, sort_output=False)
    return out, len(pot)


def languages(locales: Path) -> list[str]:
    """Codes listed in locales/languages.yaml, without the source language."""
    spec = yaml.safe_load((locales / "languages.yaml").read_text(encoding="utf-8")) or {}
    return [item["code"] for item in spec.get("languages", []) if item["code"] != SOURCE]


def update(locales: Path) -> list[Path]:
    """Merge messages.pot into every language's messages.po (new catalogs are created)."""
    with (locales / "messages.pot").open("rb") as fh:
        template = read_po(fh)
    written = []
    for lang in languages(locales):
        path = po_path(locales, lang)
        if path.exists():
            with path.open("rb") as fh:
                catalog = read_po(fh, locale=lang)
            catalog.update(template, update_header_comment=False)
            _keep_own_words(catalog)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            catalog = Catalog(locale=lang, project=PROJECT, version="1")
            catalog.update(template)
        with path.open("wb") as fh:
            write_po(fh, catalog, width=100, sort_output=False, ignore_obsolete=True)
        written.append(path)
    return written


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
