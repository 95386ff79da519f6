"""Danger detection: how terms match, and the shipped lexicons judged on held-out lines."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.content.loader import load
from bot.engine.safety import Detector, Lexicon
from bot.engine.terms import TermError
from bot.engine.text import normalise

ROOT = Path(__file__).resolve().parents[2]
DANGER = ROOT / "dialogues" / "danger"
EVAL = ROOT / "tests" / "eval" / "danger"

LEX = Lexicon.from_data(
    {
        "language": "xx",
        "negations": ["niet", "nooit"],
        "groups": {"throat": ["keel", "nek"], "squeeze": ["knijp*", "kneep", "*geknepen"]},
        "kinds": {
            "strangling": {"certain": ["wurg*", "@throat + @squeeze"]},
            "weapon": {"certain": ["=pistool"], "possible": ["=mes"]},
            "beating": {"certain": ["~geslagen"]},
            "kill_threat": {"certain": ["dood maken"]},
            "suicide": {"certain": ["zelfmoord"]},
            "general": {"certain": ["*قتل*"]},
        },
    }
)
DET = Detector({"xx": LEX})


@pytest.mark.parametrize(
    ("text", "kind", "certain", "why"),
    [
        ("Hij WURGDE me", "strangling", True, "case and a longer form of a stem"),
        ("hij kneep in mijn keel", "strangling", True, "two terms, in order"),
        ("mijn keel, hij heeft hem dichtgeknepen", "strangling", True, "any order, any form"),
        ("keel " + "bla " * 14 + "kneep", None, None, "terms too far apart"),
        ("hij gaat me dood maken", "kill_threat", True, "a run of words"),
        ("dood ga ik je niet maken", None, None, "a run keeps its order"),
        ("ik denk aan zelfomord", "suicide", True, "one swapped pair in a long word"),
        ("ik denk aan zelfmoort", "suicide", True, "one changed letter in a long word"),
        ("pistol", None, None, "=word allows no typo"),
        ("hij heeft me geslagen", "beating", True, "plain"),
        ("hij heeft me nooit geslagen", None, None, "a negation just before a ~term"),
        ("niet dat ik het weet, maar hij heeft me vaak geslagen", "beating", True, "negation far"),
        ("het is niet fijn, hij heeft me geslagen", "beating", True, "negation in another clause"),
        ("niet leuk. hij heeft me geslagen", "beating", True, "a full stop ends a clause"),
        ("er ligt een mes", "weapon", False, "a weak word only asks"),
        ("hij wurgde me en er ligt een mes", "strangling", True, "certain beats possible"),
        ("wu\u200brgen", "strangling", True, "a zero-width space inside a word"),
        ("wur\u00adgen", "strangling", True, "a soft hyphen inside a word"),
        ("wurg\u0435n", "strangling", True, "a Cyrillic look-alike letter in a Latin word"),
        ("\uff57\uff55\uff52\uff47\uff45\uff4e", "strangling", True, "full-width letters"),
        ("\u200fقتلني\u200f", "general", True, "right-to-left marks and an Arabic infix"),
        ("", None, None, "empty"),
    ],
)
def test_matching_rules(text: str, kind: str | None, certain: bool | None, why: str) -> None:
    found = DET.detect(text)
    assert (found.kind if found else None) == kind, why
    assert (found.certain if found else None) == certain, why


def test_a_weak_word_and_a_fairly_alike_danger_line_together_open_the_screen() -> None:
    lex = Lexicon.from_data(
        {
            "language": "xx",
            "kinds": {
                "weapon": {
                    "possible": ["=mes"],
                    "examples": ["hij staat in de gang met een groot keukenmes te zwaaien"],
                },
            },
            "must_not_match": ["het mes ligt gewoon in de keukenla bij de vorken"],
        }
    )
    det = Detector({"xx": lex})
    line = "ik zie hem met een mes staan in de gang"
    near = det.nearest(line)
    assert near is not None and 0.25 <= near.score < 0.35  # alone, this would only ask
    both = det.detect(line)  # a weak word + fairly alike
    assert both is not None and both.certain and both.kind == "weapon"
    assert "like the example" in both.rule
    alone = det.detect("waar is het mes")  # the weak word alone only asks
    assert alone is not None and not alone.certain
    assert det.detect("het mes ligt in de keukenla") is None  # like the harmless line


def test_a_bad_rule_is_an_error_with_its_place() -> None:
    data = {"language": "xx", "groups": {}, "kinds": {"weapon": {"certain": ["ok", "@nope"]}}}
    with pytest.raises(TermError) as err:
        Lexicon.from_data(data)
    assert err.value.path == ("kinds", "weapon", "certain", 1)
    assert "@nope" in str(err.value)


def test_every_language_is_checked_whatever_the_session_language() -> None:
    lexicons = {
        "nl": Lexicon.build("nl", ["mes"]),
        "tr": Lexicon.build("tr", ["bıçak*"]),
    }
    found = Detector(lexicons).detect("elinde bicak var", ("nl",))
    assert found is not None and found.lang == "tr"


def test_a_huge_message_is_read_at_its_start_and_end() -> None:
    text = "wurgde " + "hallo " * 20_000 + " zelfmoord"
    kinds = {m.rule.tag for m in DET.matches(text)}
    assert kinds == {"strangling", "suicide"}


# ----------------------------------------------------------------- the shipped lexicons
def shipped() -> Detector:
    loaded = load(ROOT / "dialogues")
    assert not [p for p in loaded.problems if p.severity == "error"], loaded.problems
    return Detector(loaded.lexicons)


def eval_lines() -> dict[str, dict[str, list[object]]]:
    out = {}
    for path in sorted(EVAL.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        out[data["language"]] = data
    return out


def test_every_language_has_an_evaluation_set_and_a_lexicon() -> None:
    langs = {p.stem for p in DANGER.glob("*.yaml")}
    sets = eval_lines()
    assert set(sets) == langs
    for lang, data in sets.items():
        assert len(data["danger"]) >= 40, lang
        assert len(data["lookalike"]) >= 30, lang


def test_no_evaluation_line_is_copied_into_a_lexicon() -> None:
    """The held-out lines stay held out: none is a rule, an example or most of one.

    Independent writers do say the same short things ("he hit me"), so a shared stretch
    counts as a copy only when it is most of the held-out line (at least 6 words, or all of
    a line of 3 to 5 words).
    """
    runs = {r for t in lexicon_texts() for r in _runs(t)}
    whole = {" ".join(normalise(t).split()) for t in lexicon_texts()}
    for lang, data in eval_lines().items():
        lines = [d["text"] for d in data["danger"]] + list(data["lookalike"])  # type: ignore[index, union-attr]
        for line in lines:
            words = normalise(str(line)).split()
            if len(words) < 3:
                continue
            assert " ".join(words) not in whole, f"{lang}: evaluation line copied: {line}"
            need = len(words) if len(words) <= 5 else max(6, int(0.8 * len(words)))
            for i in range(len(words) - need + 1):
                assert tuple(words[i : i + need]) not in runs, f"{lang}: mostly copied: {line}"


def lexicon_texts() -> list[str]:
    """Every rule and example line of the shipped danger files."""
    texts: list[str] = []
    for path in DANGER.glob("*.yaml"):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        texts += [*data.get("possible_examples", []), *data.get("must_not_match", [])]
        for spec in data["kinds"].values():
            texts += [*spec.get("certain", []), *spec.get("possible", [])]
            texts += spec.get("examples", [])
    return texts


def _runs(text: str) -> set[tuple[str, ...]]:
    """Every run of 3 or more consecutive words of a text."""
    words = normalise(text).split()
    return {tuple(words[i:j]) for i in range(len(words)) for j in range(i + 3, len(words) + 1)}


def test_held_out_recall_and_false_alarms_do_not_fall_back() -> None:
    """A floor under what bench/danger.py reports, so that a lexicon edit cannot quietly undo
    it. The targets themselves (>= 95% / <= 10%) are printed by the bench."""
    detector = shipped()
    opened = total = false = looks = 0
    for lang, data in eval_lines().items():
        for item in data["danger"]:
            found = detector.detect(item["text"], (lang,))  # type: ignore[index]
            opened += found is not None and found.certain
            total += 1
        for text in data["lookalike"]:
            found = detector.detect(text, (lang,))  # type: ignore[arg-type]
            false += found is not None and found.certain
            looks += 1
    assert opened / total >= 0.90, f"recall {opened}/{total}"
    assert false / looks <= 0.12, f"false alarms {false}/{looks}"
