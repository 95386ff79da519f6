"""The danger lexicons: each language's must/must-not table, and how matching works."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.engine.safety import Lexicon, in_danger
from bot.engine.text import normalise

DANGER = Path(__file__).resolve().parents[2] / "dialogues" / "danger"


def table() -> list[tuple[str, str, bool]]:
    rows = []
    for path in sorted(DANGER.glob("*.yaml")):
        spec = yaml.safe_load(path.read_text(encoding="utf-8"))
        rows += [(spec["language"], text, True) for text in spec.get("must_match", [])]
        rows += [(spec["language"], text, False) for text in spec.get("must_not_match", [])]
    return rows


@pytest.mark.parametrize(("lang", "text", "expected"), table())
def test_shipped_lexicon_table(lang: str, text: str, expected: bool) -> None:
    spec = yaml.safe_load((DANGER / f"{lang}.yaml").read_text(encoding="utf-8"))
    lex = Lexicon.build(lang, spec["phrases"])
    assert bool(lex.hits(text)) is expected


def test_every_lexicon_has_examples_both_ways() -> None:
    for path in DANGER.glob("*.yaml"):
        spec = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert len(spec.get("must_match", [])) >= 5, path.name
        assert len(spec.get("must_not_match", [])) >= 3, path.name


LEX = Lexicon.build("xx", ["wurg*", "*gewurgd", "sla* me", "mes", "قتل*"])


@pytest.mark.parametrize(
    ("text", "expected", "why"),
    [
        ("Hij WURGDE me", True, "case and a suffix"),
        ("ik werd bijna gewurgd", True, "prefix wildcard"),
        ("hij slaat me", True, "two-word phrase"),
        ("hij slaat soms ook me", True, "up to two words between"),
        ("hij slaat de deur dicht en kijkt naar me", False, "more than two words between"),
        ("mes.", True, "punctuation around a word"),
        ("messen", False, "a word without * matches only itself"),
        ("Méś", True, "accents are folded"),
        ("سوف يقتلني", False, "an Arabic prefix letter is not folded away"),
        ("قتلني", True, "Arabic suffix via *"),
        ("", False, "empty"),
    ],
)
def test_matching_rules(text: str, expected: bool, why: str) -> None:
    assert LEX.matches(normalise(text)) is expected, why


def test_checks_session_language_then_dutch_and_english() -> None:
    lexicons = {
        "nl": Lexicon.build("nl", ["mes"]),
        "en": Lexicon.build("en", ["knife"]),
        "tr": Lexicon.build("tr", ["bıçak"]),
    }
    assert in_danger("bıçak", lexicons, ("tr", "nl", "en"))
    assert in_danger("knife", lexicons, ("tr", "nl", "en"))
    assert not in_danger("bıçak", lexicons, ("pl", "nl", "en"))


def test_normalise_keeps_word_boundaries() -> None:
    assert normalise("  Hé, dáár!  ") == " he daar "
    assert normalise("أنا") == normalise("انا"), "Arabic alef variants fold together"
