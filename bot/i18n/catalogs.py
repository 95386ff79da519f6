"""Catalogs of all languages, loaded once at start; a Translator for the engine."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import yaml
from babel import Locale, UnknownLocaleError, negotiate_locale
from babel.messages.catalog import Catalog
from babel.messages.mofile import read_mo

from bot.i18n.offered import Key, current, missing_parts, po_path, quiet_read_po, too_few

__all__ = ["SOURCE", "Catalogs", "Entry", "Language", "entries", "po_path", "read_catalog"]

SOURCE = "nl"
ALIASES = {"prs": "fa", "fa_af": "fa", "nb": "no"}  # Babel has no Dari (prs) locale: use Farsi


@dataclass(frozen=True)
class Entry:
    """A catalog entry as a maintainer sees it: the translation, fuzzy flag and line."""

    text: str
    fuzzy: bool
    line: int


@dataclass(frozen=True)
class Language:
    """One offered language with facts from Babel and its review status."""

    code: str
    native: str
    rtl: bool
    days: tuple[str, ...]
    reviewed: bool
    reviewer: str = ""
    review_date: str = ""
    aliases: tuple[str, ...] = ()  # other words for it, from languages.yaml


def read_catalog(path: Path) -> Catalog:
    """Read a .po file, or its compiled .mo when that is at least as new."""
    mo = path.with_suffix(".mo")
    if mo.exists() and mo.stat().st_mtime >= path.stat().st_mtime:
        with mo.open("rb") as fh:
            return read_mo(fh)
    return quiet_read_po(path)


def entries(path: Path) -> dict[tuple[str, str], Entry]:
    """All entries of a .po file keyed by (msgctxt, msgid), fuzzy ones included."""
    catalog = quiet_read_po(path)
    out = {}
    for msg in catalog:
        if msg.id and isinstance(msg.id, str) and isinstance(msg.string, str):
            line = msg.lineno or 0
            out[(msg.context or "", msg.id)] = Entry(msg.string, msg.fuzzy, line)
    return out


def describe(code: str, review: dict[str, Any] | None) -> Language:
    """Babel's facts about a language plus the review status from languages.yaml."""
    try:
        loc = Locale.parse(code)
    except (UnknownLocaleError, ValueError):
        loc = Locale.parse("en")
    native = loc.get_display_name(loc) or code
    native = native[:1].upper() + native[1:]
    days = tuple(loc.days["format"]["wide"][d] for d in range(7))
    review = review or {}
    reviewed = code == SOURCE or review.get("status") == "reviewed"
    return Language(
        code,
        native,
        loc.character_order == "right-to-left",
        days,
        reviewed,
        str(review.get("by") or ""),
        str(review.get("date") or ""),
    )


def _known(code: str) -> bool:
    try:
        Locale.parse(code)
    except (UnknownLocaleError, ValueError):
        return False
    return True


class Catalogs:
    """Translations for every language, keyed per session language (never process-wide)."""

    def __init__(
        self,
        languages: list[Language],
        texts: dict[str, dict[tuple[str, str], str]],
        left_out: dict[str, str] | None = None,
    ):
        self.left_out = dict(left_out or {})  # code -> why it is not offered (offered.py)
        self._langs = {lang.code: lang for lang in languages if lang.code not in self.left_out}
        self._listed = tuple(lang.code for lang in languages)
        self._texts = texts
        self._others: dict[str, str] = {}

    @classmethod
    def load(
        cls,
        locales: Path,
        wanted: Collection[Key] | None = None,
        danger: Path | None = None,
    ) -> Catalogs:
        """Read locales/languages.yaml and each language's catalog (fuzzy entries skipped).

        Incomplete languages are left out (offered.py): always one whose catalog is missing
        or has syntax errors; one without `danger/<code>.yaml` when `danger` is given; one
        with too few current translations of `wanted` (the dialogue's texts) when given.
        """
        spec = yaml.safe_load((locales / "languages.yaml").read_text(encoding="utf-8")) or {}
        languages = [
            replace(describe(item["code"], item.get("review")), aliases=tuple(item.get("aka", ())))
            for item in spec.get("languages", [])
        ]
        if not any(lang.code == SOURCE for lang in languages):
            languages.insert(0, describe(SOURCE, None))
        texts: dict[str, dict[tuple[str, str], str]] = {}
        left_out: dict[str, str] = {}
        for lang in languages:
            if lang.code == SOURCE:
                continue
            path = po_path(locales, lang.code)
            readable, why = missing_parts(locales, lang.code, danger)
            catalog = read_catalog(path) if readable else None
            if catalog is not None and wanted is not None:
                why += filter(None, [too_few(current(catalog), wanted)])
            if why or catalog is None:
                left_out[lang.code] = "; ".join(why)
                continue
            texts[lang.code] = {
                (m.context or "", m.id): m.string
                for m in catalog
                if isinstance(m.id, str)
                and isinstance(m.string, str)
                and m.string
                # A stale intent list is still that language's own words: keep it (a changed
                # Dutch list marks it fuzzy, but it was never a literal translation).
                and (not m.fuzzy or (m.context or "").startswith("intent."))
            }
        return cls(languages, texts, left_out)

    @property
    def languages(self) -> tuple[str, ...]:
        """Offered language codes, source first."""
        return tuple(self._langs)

    @property
    def listed(self) -> tuple[str, ...]:
        """Every language in languages.yaml, offered or not (for the checks)."""
        return self._listed

    def language(self, code: str) -> Language:
        """The facts about one language."""
        return self._langs[code]

    def text(self, lang: str, context: str, source: str) -> str:
        """The translation, or the source text itself when there is none."""
        table = self._texts.get(lang)
        return table.get((context, source), source) if table else source

    def native_name(self, lang: str) -> str:
        """Nederlands, Türkçe, العربية, ... (also for languages not offered, e.g. of a trusted person)."""
        if lang not in self._langs:
            self._others.setdefault(lang, describe(lang, None).native if _known(lang) else lang)
            return self._others[lang]
        return self._langs[lang].native

    def names(self, lang: str) -> tuple[str, ...]:
        """The name of `lang` in every offered language and in English, and its aliases."""
        if lang not in self._langs:
            return ()
        codes = dict.fromkeys((*self._langs, "en"))
        found = [Locale.parse(lang).get_display_name(Locale.parse(c)) or "" for c in codes]
        return tuple(dict.fromkeys(n for n in (*found, *self._langs[lang].aliases) if n))

    def day_name(self, lang: str, weekday: int) -> str:
        """A weekday name in `lang`."""
        return self._langs[lang if lang in self._langs else SOURCE].days[weekday]

    def is_rtl(self, lang: str) -> bool:
        """Arabic and Farsi are right to left."""
        return lang in self._langs and self._langs[lang].rtl

    def reviewed(self, lang: str) -> bool:
        """Whether a native speaker reviewed this language."""
        return lang not in self._langs or self._langs[lang].reviewed

    def negotiate(self, client_code: str | None) -> str:
        """The best offered language for a client's language code (e.g. 'tr', 'pt-BR')."""
        if not client_code:
            return SOURCE
        code = client_code.replace("-", "_").lower()
        code = ALIASES.get(code, code)
        found = negotiate_locale([code, code.split("_")[0]], list(self.languages), sep="_")
        return found or SOURCE
