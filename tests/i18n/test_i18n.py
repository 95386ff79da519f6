"""Catalogs, negotiation, native names, bidi isolation, and the pybabel extractor."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from bot.content.loader import load
from bot.engine import inputs as i
from bot.engine.engine import Engine
from bot.engine.text import LRI, PDI
from bot.i18n.catalogs import Catalogs

ROOT = Path(__file__).resolve().parents[2]
NOW = dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("client", "expected", "why"),
    [
        ("en", "en", "exact"),
        ("en-GB", "en", "region dropped"),
        ("EN_us", "en", "case and underscore"),
        ("nl", "nl", "source language"),
        ("xx", "nl", "unknown falls back to Dutch"),
        (None, "nl", "no language code from the client"),
        ("", "nl", "empty"),
    ],
)
def test_negotiation(catalogs: Catalogs, client: str | None, expected: str, why: str) -> None:
    assert catalogs.negotiate(client) == expected, why


def test_native_names(catalogs: Catalogs) -> None:
    assert catalogs.native_name("nl") == "Nederlands"
    assert catalogs.native_name("en") == "English"


@pytest.fixture
def rtl_locales(tmp_path: Path) -> Path:
    """A copy of the locales with Arabic added, translating one text with a placeholder."""
    loc = tmp_path / "locales"
    shutil.copytree(ROOT / "locales", loc)
    (loc / "languages.yaml").write_text(
        "languages:\n  - {code: nl}\n  - {code: ar, review: {status: reviewed, by: test}}\n",
        encoding="utf-8",
    )
    (loc / "ar/LC_MESSAGES").mkdir(parents=True, exist_ok=True)
    (loc / "ar/LC_MESSAGES/messages.po").write_text(
        'msgid ""\nmsgstr "Content-Type: text/plain; charset=UTF-8\\n"\n\n'
        'msgctxt "system.emergency"\nmsgid "Nu in gevaar? Bel {emergency}."\nmsgstr "خطر حاد؟ اتصل بـ {emergency}."\n\n'
        'msgctxt "about.text"\nmsgid "X"\nmsgstr "Y"\n',
        encoding="utf-8",
    )
    return loc


def test_rtl_numbers_are_isolated(rtl_locales: Path) -> None:
    catalogs = Catalogs.load(rtl_locales)
    assert catalogs.is_rtl("ar") and catalogs.native_name("ar") == "العربية"
    loaded = load(ROOT / "dialogues")
    assert loaded.dialogue is not None
    engine = Engine(loaded.dialogue, catalogs, loaded.lexicons, loaded.detector)
    turn = engine.handle(None, i.Start(lang="ar"), NOW)
    text = turn.replies[0].text  # type: ignore[union-attr]
    assert text.endswith(f"خطر حاد؟ اتصل بـ {LRI}112{PDI}.")
    assert turn.session is not None
    shown = engine.show(turn.session.at("veilig_thuis", 0), NOW).text
    assert f"{LRI}0800-2000{PDI}" in shown, "phone numbers never render reversed"


def test_language_in_one_session_does_not_leak_into_another(engine: Engine) -> None:
    tr_turn = engine.handle(None, i.Start(lang="en"), NOW)
    nl_turn = engine.handle(None, i.Start(lang="nl"), NOW)
    assert "Call 112" in tr_turn.replies[-1].text  # type: ignore[union-attr]
    assert "Bel 112" in nl_turn.replies[-1].text  # type: ignore[union-attr]


def test_fuzzy_entries_are_not_shown(tmp_path: Path) -> None:
    loc = tmp_path / "locales"
    shutil.copytree(ROOT / "locales", loc)
    po = loc / "en/LC_MESSAGES/messages.po"
    po.write_text(
        po.read_text(encoding="utf-8").replace(
            'msgctxt "system.emergency"', '#, fuzzy\nmsgctxt "system.emergency"'
        ),
        encoding="utf-8",
    )
    catalogs = Catalogs.load(loc)
    assert (
        catalogs.text("en", "system.emergency", "Acuut gevaar? Bel {emergency}.")
        == "Acuut gevaar? Bel {emergency}."
    )


def test_pybabel_uses_the_project_extractor(tmp_path: Path) -> None:
    out = tmp_path / "messages.pot"
    pybabel = Path(sys.executable).parent / "pybabel"
    subprocess.run(
        [str(pybabel), "-q", "extract", "-F", "babel.cfg", "-o", str(out), "."],
        cwd=ROOT,
        check=True,
    )
    with out.open("rb") as fh:
        catalog = read_po(fh)
    contexts = {m.context for m in catalog if m.id}
    assert {
        "start.text",
        "system.emergency",
        "command.erase.label",
        "contact.veilig_thuis.note",
    } <= contexts
    with (ROOT / "locales/messages.pot").open("rb") as fh:
        shipped = {(m.context, m.id) for m in read_po(fh) if m.id}
    assert {(m.context, m.id) for m in catalog if m.id} == shipped


def test_same_sentence_in_two_nodes_stays_separate() -> None:
    with (ROOT / "locales/messages.pot").open("rb") as fh:
        catalog = read_po(fh)
    back = [m.context for m in catalog if m.id == "Terug naar het begin"]
    assert len(back) > 1 and len(set(back)) == len(back)
