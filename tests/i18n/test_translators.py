"""What translators see: a changed text stays fuzzy with the Dutch it was translated from
(`#| msgid`), headers are never fuzzy, each warning names its texts, an English rendering
under each Dutch text, and `pybabel extract` as the README writes it gives vrede's file."""

from __future__ import annotations

import datetime as dt
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from bot.content import roundtrip
from bot.content.check import check

ROOT = Path(__file__).resolve().parents[2]
OLD = "Hallo, fijn dat je er bent."
NEW = "Hoi, goed dat je er bent."


def catalog(path: Path) -> Catalog:
    with path.open("rb") as fh:
        return read_po(fh)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A copy of the dialogues and catalogs to edit."""
    shutil.copytree(ROOT / "dialogues", tmp_path / "dialogues")
    shutil.copytree(ROOT / "locales", tmp_path / "locales")
    return tmp_path


def change_opening(repo: Path) -> None:
    path = repo / "dialogues/opening.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace(OLD, NEW), encoding="utf-8")
    roundtrip.extract(repo / "dialogues", repo / "locales")
    roundtrip.update(repo / "locales")


def test_a_changed_text_keeps_its_translation_fuzzy_with_the_previous_dutch(repo: Path) -> None:
    change_opening(repo)
    po = repo / "locales/tr/LC_MESSAGES/messages.po"
    entry = catalog(po).get(NEW + "\n" + _rest(repo), context="start.text")
    assert entry is not None and entry.fuzzy and entry.string  # the Turkish stays, marked
    block = '#, fuzzy\n#| msgid ""\n#| "Hallo, fijn dat je er bent.\\n"\n'
    assert block in po.read_text(encoding="utf-8")  # Babel does not read #| back: the file
    roundtrip.update(repo / "locales")  # a second update must not lose the previous text
    assert block in po.read_text(encoding="utf-8")


def _rest(repo: Path) -> str:
    """The opening text after its first line (only the first line changed)."""
    pot = catalog(repo / "locales/messages.pot")
    text = next(m.id for m in pot if m.context == "start.text")
    assert isinstance(text, str)
    return text.split("\n", 1)[1]


def test_headers_are_never_fuzzy_and_pybabel_compiles_every_catalog(repo: Path) -> None:
    for po in sorted((ROOT / "locales").glob("*/LC_MESSAGES/messages.po")):
        assert not catalog(po).fuzzy, f"{po.relative_to(ROOT)} has a fuzzy header"
    languages = repo / "locales/languages.yaml"
    languages.write_text(languages.read_text(encoding="utf-8") + "  - code: so\n")
    roundtrip.update(repo / "locales")
    assert not catalog(repo / "locales/so/LC_MESSAGES/messages.po").fuzzy  # a new catalog too
    pybabel = Path(sys.executable).parent / "pybabel"
    done = subprocess.run(
        [str(pybabel), "compile", "-d", str(repo / "locales"), "-D", "messages"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert "marked as fuzzy" not in done.stderr + done.stdout, done.stderr
    for po in (repo / "locales").glob("*/LC_MESSAGES/messages.po"):
        assert po.with_suffix(".mo").exists(), f"pybabel compile skipped {po.parent.parent.name}"


def test_translation_warnings_name_the_texts(repo: Path) -> None:
    change_opening(repo)
    found = check(repo / "dialogues", repo / "locales", dt.date(2026, 1, 5))
    fuzzy = [p for p in found if p.code == "fuzzy" and "'tr'" in p.message]
    assert fuzzy and "start.text" in fuzzy[0].message, [str(p) for p in found]


def test_the_english_rendering_is_under_each_dutch_text() -> None:
    pot = catalog(ROOT / "locales/messages.pot")
    start = next(m for m in pot if m.context == "start.text")
    assert "en: Hello, good to have you here." in start.auto_comments
    label = next(m for m in pot if m.context == "start.option.topic")
    assert label.auto_comments[:1] == ["Button label: keep it short."]
    assert any(c.startswith("en: ") for c in label.auto_comments)
    words = [
        m for m in pot if ".route." in (m.context or "") or (m.context or "").endswith(".words")
    ]
    assert words and not any(c.startswith("en: ") for m in words for c in m.auto_comments)


def readme_pybabel() -> list[str]:
    """The pybabel command exactly as the README writes it."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    line = re.search(r"^(\.venv/bin/pybabel extract .*?)(?:\s+#.*)?$", readme, re.M)
    assert line, "README shows no pybabel extract command"
    return shlex.split(line.group(1))


def test_pybabel_extract_as_the_readme_writes_it_gives_vredes_file(tmp_path: Path) -> None:
    args = readme_pybabel()
    out = tmp_path / "pybabel.pot"
    args[args.index("-o") + 1] = str(out)
    args[0] = str(Path(sys.executable).parent / "pybabel")
    subprocess.run(args, cwd=ROOT, check=True, capture_output=True)
    shutil.copytree(ROOT / "locales", tmp_path / "locales")
    roundtrip.extract(ROOT / "dialogues", tmp_path / "locales")
    ours = (tmp_path / "locales/messages.pot").read_text(encoding="utf-8")
    theirs = out.read_text(encoding="utf-8")
    # pybabel writes today's date; vrede keeps one date so the file changes only with a text
    date = re.compile(r'^"POT-Creation-Date: .*\\n"$', re.M)
    year = re.compile(r"\b20\d\d\b")  # the copyright year in the header comment
    assert year.sub("YEAR", date.sub("", theirs)) == year.sub("YEAR", date.sub("", ours))


def test_a_changed_dutch_intent_list_keeps_every_language_its_own_words(repo: Path) -> None:
    """Intent lists are each language's own: after the Dutch list changes, Turkish keeps its
    Turkish words and Polish its Polish ones (Babel once handed one language's to the next)."""
    before = {
        lang: _intent_words(repo / f"locales/{lang}/LC_MESSAGES/messages.po")
        for lang in ("ar", "en", "pl", "tr", "uk")
    }
    assert len(set(before.values())) == len(before), "the languages' lists differ to begin with"
    path = repo / "dialogues/intents.yaml"
    text = path.read_text(encoding="utf-8")
    assert '"=wissen", ' in text
    path.write_text(text.replace('"=wissen", ', '"=wissen", "=uitvegen", ', 1), encoding="utf-8")
    roundtrip.extract(repo / "dialogues", repo / "locales")
    roundtrip.update(repo / "locales")
    for lang, words in before.items():
        po = repo / f"locales/{lang}/LC_MESSAGES/messages.po"
        assert _intent_words(po) == words, f"{lang} lost its own erase words"
        entry = next(m for m in catalog(po) if m.context == "intent.erase.words")
        assert "=uitvegen" in str(entry.id) and not entry.fuzzy


def _intent_words(po: Path) -> str:
    entry = next(m for m in catalog(po) if m.context == "intent.erase.words")
    return str(entry.string)
