"""The danger lexicon: phrases that mean acute danger, matched before any routing."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from bot.engine.text import normalise

MAX_GAP = 2  # words allowed between two words of a phrase ("hij heeft een groot mes")


def _word(token: str) -> str:
    """Regex for one pattern word: `*` at either end allows a prefix or suffix."""
    core = re.escape(normalise(token.strip("*")).strip())
    pre = r"\w*" if token.startswith("*") else ""
    post = r"\w*" if token.endswith("*") else ""
    return pre + core + post


def compile_phrase(phrase: str) -> str:
    """Regex for a phrase: its words in order, each gap at most MAX_GAP other words."""
    words = [w for w in phrase.split() if w.strip("*")]
    gap = rf"(?: \w+){{0,{MAX_GAP}}} "
    return " " + gap.join(_word(w) for w in words) + " "


@dataclass(frozen=True)
class Lexicon:
    """The danger phrases of one language, compiled into one regular expression."""

    lang: str
    phrases: tuple[str, ...]
    pattern: re.Pattern[str]

    @classmethod
    def build(cls, lang: str, phrases: Iterable[str]) -> Lexicon:
        """Compile phrases; an empty lexicon matches nothing."""
        kept = tuple(p for p in phrases if normalise(p).strip())
        body = "|".join(f"(?:{compile_phrase(p)})" for p in kept) or r"(?!)"
        return cls(lang, kept, re.compile(body))

    def matches(self, normalised: str) -> bool:
        """True if a phrase occurs in text already passed through `normalise`."""
        return self.pattern.search(normalised) is not None

    def hits(self, text: str) -> list[str]:
        """The phrases that match a raw text (for tests and `vrede check`)."""
        norm = normalise(text)
        return [p for p in self.phrases if re.search(compile_phrase(p), norm)]


def in_danger(text: str, lexicons: Mapping[str, Lexicon], langs: Iterable[str]) -> bool:
    """Check raw text against the lexicons of `langs` (session language, Dutch, English)."""
    norm = normalise(text)
    return any(lex.matches(norm) for lang in langs if (lex := lexicons.get(lang)))
