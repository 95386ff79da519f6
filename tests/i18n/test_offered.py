"""Incomplete languages are not offered: not in the menu, never guessed (offered.py)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.content.loader import load
from bot.i18n.catalogs import Catalogs
from bot.i18n.extract import wanted

ROOT = Path(__file__).resolve().parents[2]
DANGER = ROOT / "dialogues" / "danger"


@pytest.fixture(scope="module")
def texts() -> set[tuple[str, str]]:
    return wanted(load(ROOT / "dialogues").sources)


@pytest.fixture
def locales(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "locales", tmp_path / "locales")
    return tmp_path / "locales"


def _po(locales: Path, lang: str) -> Path:
    return locales / lang / "LC_MESSAGES" / "messages.po"


def test_every_shipped_language_is_offered(texts: set[tuple[str, str]]) -> None:
    catalogs = Catalogs.load(ROOT / "locales", texts, DANGER)
    assert catalogs.left_out == {}
    assert catalogs.languages == catalogs.listed


def test_a_language_without_catalog_is_not_offered_nor_guessed(
    locales: Path, texts: set[tuple[str, str]]
) -> None:
    listing = locales / "languages.yaml"
    listing.write_text(listing.read_text(encoding="utf-8") + "  - code: de\n", encoding="utf-8")
    catalogs = Catalogs.load(locales, texts, DANGER)
    assert "de" not in catalogs.languages and "de" in catalogs.listed
    assert "no catalog" in catalogs.left_out["de"] and "danger/de.yaml" in catalogs.left_out["de"]
    assert catalogs.negotiate("de-DE") == "nl"


def test_a_catalog_with_a_syntax_error_is_left_out_without_raw_warnings(
    locales: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    po = _po(locales, "pl")
    text = po.read_text(encoding="utf-8")
    po.write_text(text + '\nmsgctxt "extra"\nmsgid "Zonder msgstr"\n', encoding="utf-8")
    catalogs = Catalogs.load(locales)
    assert "pl" not in catalogs.languages and "syntax errors" in catalogs.left_out["pl"]
    assert catalogs.negotiate("pl") == "nl"
    out, err = capfd.readouterr()
    assert "WARNING" not in out + err


def test_a_language_is_offered_from_ninety_percent(
    locales: Path, texts: set[tuple[str, str]]
) -> None:
    po = _po(locales, "tr")
    entries = po.read_text(encoding="utf-8").split("\n\n")
    cut = int(len(entries) * 0.2)  # a fifth of the entries lose their translation
    blanked = [e if n > cut else _blank(e) for n, e in enumerate(entries)]
    po.write_text("\n\n".join(blanked), encoding="utf-8")
    catalogs = Catalogs.load(locales, texts, DANGER)
    assert "tr" not in catalogs.languages and "at least 90%" in catalogs.left_out["tr"]
    few = [e if n > 5 else _blank(e) for n, e in enumerate(entries)]
    po.write_text("\n\n".join(few), encoding="utf-8")
    assert "tr" in Catalogs.load(locales, texts, DANGER).languages


def test_a_language_without_danger_words_is_not_offered(
    locales: Path, texts: set[tuple[str, str]], tmp_path: Path
) -> None:
    danger = tmp_path / "danger"
    shutil.copytree(DANGER, danger)
    (danger / "ti.yaml").unlink()
    catalogs = Catalogs.load(locales, texts, danger)
    assert "ti" not in catalogs.languages and "danger/ti.yaml" in catalogs.left_out["ti"]


def _blank(entry: str) -> str:
    """The entry with an empty translation (the header entry is kept)."""
    if 'msgid ""\n' in entry and "msgctxt" not in entry:
        return entry
    head, sep, _ = entry.partition("\nmsgstr ")
    return f'{head}{sep}""' if sep else entry
