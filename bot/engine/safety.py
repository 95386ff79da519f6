"""Danger in the resident's own words: lexicons per language, one detector for all of them.

Every message is checked against the lexicons of *every* language, whatever the session's
language: a Tigrinya speaker's phone may be set to English. A rule is `certain` (open the
screen of its kind at once) or only `possible` (one weak word such as "knife": ask calmly
whether the resident is in danger now). The words themselves live in dialogues/danger/*.yaml.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.engine.matcher import Match, Matcher
from bot.engine.terms import Rule, TermError, parse_rule
from bot.engine.text import normalise

# The kinds of danger, most urgent first: when one message has several, the first one wins.
KINDS: tuple[str, ...] = (
    "strangling",
    "weapon",
    "kill_threat",
    "fire",
    "at_door",
    "child",
    "sexual",
    "beating",
    "locked_in",
    "suicide",
    "abroad",
    "general",
)
MAX_CHARS = 20_000  # a longer message is read in its first and last parts (see `detect`)


def fold(text: str) -> str:
    """How lexicon words are normalised: exactly like a resident's message."""
    return normalise(text).strip()


@dataclass(frozen=True)
class Danger:
    """What the detector found: the kind, whether it is certain, and the text's language."""

    kind: str
    certain: bool
    lang: str
    rule: str = field(compare=False, default="")


@dataclass(frozen=True)
class Lexicon:
    """The danger rules of one language and the examples that prove them."""

    lang: str
    rules: tuple[Rule, ...]
    negations: tuple[str, ...] = ()
    examples: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    possible_examples: tuple[str, ...] = ()
    must_not_match: tuple[str, ...] = ()
    not_typos: tuple[str, ...] = ()

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> Lexicon:
        """Build from a parsed danger file; raises TermError naming the bad rule."""
        lang = str(data["language"])
        groups = data.get("groups") or {}
        rules: list[Rule] = []
        examples: dict[str, tuple[str, ...]] = {}
        for kind, spec in (data.get("kinds") or {}).items():
            for level in ("certain", "possible"):
                for n, text in enumerate(spec.get(level) or ()):
                    try:
                        rules.append(parse_rule(lang, text, kind, groups, fold, level == "certain"))
                    except TermError as err:
                        where = ("kinds", kind, level, n)
                        raise TermError(f"{kind} rule '{text}': {err}", where) from None
            examples[kind] = tuple(spec.get("examples") or ())
        negations = tuple(fold(w) for w in data.get("negations") or ())
        return cls(
            lang,
            tuple(rules),
            negations,
            examples,
            tuple(data.get("possible_examples") or ()),
            tuple(data.get("must_not_match") or ()),
            tuple(fold(w) for w in data.get("not_typos") or ()),
        )

    @classmethod
    def build(cls, lang: str, phrases: Iterable[str]) -> Lexicon:
        """A lexicon of certain one-term rules of kind `general` (for tests and tools)."""
        return cls.from_data({"language": lang, "kinds": {"general": {"certain": list(phrases)}}})


class Detector:
    """All lexicons in one matcher. Deterministic; safe to share between conversations."""

    def __init__(self, lexicons: Mapping[str, Lexicon]) -> None:
        self.lexicons = dict(lexicons)
        rules = [r for lex in lexicons.values() for r in lex.rules]
        negations = {lang: lex.negations for lang, lex in lexicons.items()}
        not_typos = [w for lex in lexicons.values() for w in lex.not_typos]
        self.matcher = Matcher(rules, negations, not_typos)

    def matches(self, text: str) -> list[Match]:
        """Every danger rule that matches a raw text (for tests and `vrede check`)."""
        if len(text) > MAX_CHARS:  # a paste of a book: the start and the end are read
            text = text[: MAX_CHARS // 2] + " " + text[-MAX_CHARS // 2 :]
        return self.matcher.find(normalise(text).split())

    def detect(self, text: str, prefer: Sequence[str] = ()) -> Danger | None:
        """The most urgent danger in a text, or None. `prefer` ranks languages on a tie."""
        found = self.matches(text)
        if not found:
            return None
        order = {lang: i for i, lang in enumerate(prefer)}
        best = min(
            found,
            key=lambda m: (
                not m.rule.certain,
                _rank(m.rule.tag),
                order.get(m.rule.lang, len(order)),
            ),
        )
        return Danger(best.rule.tag, best.rule.certain, best.rule.lang, best.rule.label)


def _rank(kind: str) -> int:
    return KINDS.index(kind) if kind in KINDS else len(KINDS)
