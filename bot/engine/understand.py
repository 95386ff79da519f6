"""Free text on any screen: what a resident means (intents) and the language they write in.

The same two mechanisms as danger detection (safety.py): rules in the terms.py language,
and likeness to example lines. Both come from dialogues/intents.yaml in Dutch and from the
catalogs in every other language, so a Turkish greeting is understood in a Dutch session,
and the language it matched in tells the engine which language the resident writes.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

from bot.engine.likeness import Example, Likeness, Nearest, vote
from bot.engine.matcher import Match, Matcher
from bot.engine.model import Intent
from bot.engine.safety import fold
from bot.engine.terms import Rule, TermError, parse_rule
from bot.engine.text import normalise
from bot.engine.translate import Translator

SOURCE = "nl"
LIKE = 0.26  # how alike (0-1) a line must be to an example line to take its meaning
LANGUAGE = "lang:"  # tag prefix of the rules that ask for a language by its name
EXACT_NAME = 8  # a language name shorter than this must be typed exactly (no typo)
NAME_WORDS = 6  # a language's name asks for it in a message of at most this many words
GUESS_WORDS = 3  # a text's language is guessed from its likeness when it has this many words
GUESS_SHARE = 0.6  # and the example lines of one language have this share of the vote
MEMO = 20_000  # meanings remembered by text


@dataclass(frozen=True)
class Meaning:
    """What a text means: an intent name (or lang:<code>), and the language of the text."""

    intent: str
    lang: str
    how: str = ""  # the rule or example that decided, for tools and tests
    by_rule: bool = True  # False: the text is like an example line
    words: int = 0  # how many words of the text the meaning's rules found (by rule)


class Understanding:
    """Intents of every language in one matcher and one likeness index."""

    def __init__(self, intents: Mapping[str, Intent], tr: Translator) -> None:
        self.intents = dict(intents)
        self.weak = frozenset(n for n, i in intents.items() if i.weak)
        self.wins = frozenset(n for n, i in intents.items() if i.wins)
        rules = list(self._rules(tr))
        self.matcher = Matcher(rules, {})
        self.likeness = Likeness(self._examples(tr))
        self._memo: dict[tuple[str, tuple[str, ...]], Meaning | None] = {}
        self._languages: dict[str, str | None] = {}
        self._near: tuple[str, list[Nearest]] = ("", [])  # the last text's neighbours

    def __getstate__(self) -> dict[str, object]:
        return {**self.__dict__, "_memo": {}, "_languages": {}, "_near": ("", [])}

    def _neighbours(self, text: str) -> list[Nearest]:
        """The example lines most like a text; kept for the last text, which a turn asks
        about twice (its meaning, then its language)."""
        if self._near[0] != text:
            self._near = (text, self.likeness.neighbours(text))
        return self._near[1]

    def _rules(self, tr: Translator) -> Iterator[Rule]:
        for lang in tr.languages:
            for intent in self.intents.values():
                for word in _translated(tr, lang, f"intent.{intent.name}.words", intent.words):
                    yield from _rule(lang, word, intent.name)
        for code in tr.languages:
            for name in tr.names(code):
                # exact: "polis" (police) is one letter from "polish"
                exact = " ".join(w if len(w) >= EXACT_NAME else "=" + w for w in name.split())
                yield from _rule(code, exact, LANGUAGE + code)

    def _examples(self, tr: Translator) -> Iterator[Example]:
        for lang in tr.languages:
            for intent in self.intents.values():
                context = f"intent.{intent.name}.examples"
                for line in _translated(tr, lang, context, intent.examples):
                    yield Example(line, intent.name, lang)

    def language(self, text: str) -> str | None:
        """The language a text is written in, when the example lines most like it agree
        clearly (their vote by language, weighted like `likeness.vote`): a Dutch word such
        as "verblijfsvergunning" found in a Turkish sentence does not make it Dutch."""
        if text not in self._languages:
            if len(self._languages) >= MEMO:
                self._languages.clear()
            self._languages[text] = self._language(text)
        return self._languages[text]

    def _language(self, text: str) -> str | None:
        if len(normalise(text).split()) < GUESS_WORDS:
            return None
        votes: dict[str, float] = defaultdict(float)
        for near in self._neighbours(text):
            votes[near.example.lang] += near.score * near.score
        if not votes:
            return None
        lang = max(votes, key=lambda k: votes[k])
        return lang if votes[lang] >= GUESS_SHARE * sum(votes.values()) else None

    def meaning(self, text: str, prefer: Sequence[str] = ()) -> Meaning | None:
        """What a text most likely means, or None. Specific intents beat greetings.

        Remembered per text (bounded): "hallo", "1" and "help" come back all day.
        """
        key = (text, tuple(prefer))
        if key not in self._memo:
            if len(self._memo) >= MEMO:
                self._memo.clear()
            self._memo[key] = self._meaning(text, prefer)
        return self._memo[key]

    def _meaning(self, text: str, prefer: Sequence[str]) -> Meaning | None:
        words = normalise(text).split()
        if not words:
            return None
        order = _ranks(prefer)
        found = self.matcher.find(words)
        if len(words) > NAME_WORDS:  # "my husband speaks only Arabic" asks for nothing
            found = [m for m in found if not m.rule.tag.startswith(LANGUAGE)]
        strong = [m for m in found if m.rule.tag not in self.weak]
        if strong:  # a request that wins (erase) beats a topic named with it
            return _best([m for m in strong if m.rule.tag in self.wins] or strong, order)
        near = vote(self._neighbours(text)) if len(words) >= 2 else None
        liked = near is not None and near.example.kind is not None and near.score >= LIKE
        if liked and near is not None and (near.example.kind not in self.weak or not found):
            how = f"like '{near.example.text}' ({near.score:.2f})"
            return Meaning(str(near.example.kind), near.example.lang, how, by_rule=False)
        return _best(found, order) if found else None


def _best(found: list[Match], order: Mapping[str, int]) -> Meaning:
    """The match that covers most of the message; then the conversation's language (a word
    shared by two languages is read in the resident's own); then the longest rule."""
    best = max(
        found,
        key=lambda m: (m.end - m.start, -order.get(m.rule.lang, len(order)), len(m.rule.label)),
    )
    places = {p for m in found if m.rule.tag == best.rule.tag for p in (m.start, m.end)}
    return Meaning(best.rule.tag, best.rule.lang, best.rule.label, words=len(places))


def _translated(tr: Translator, lang: str, context: str, source: Sequence[str]) -> list[str]:
    """A '|'-list in `lang`: the translation only (the Dutch source belongs to Dutch)."""
    if not source:
        return []
    joined = " | ".join(source)
    text = joined if lang == SOURCE else tr.text(lang, context, joined)
    if lang != SOURCE and text == joined:
        return []
    return [w.strip() for w in text.split("|") if w.strip()]


def _rule(lang: str, text: str, tag: str) -> Iterator[Rule]:
    """One rule, or none when a translator's words cannot be read (vrede check says so)."""
    try:
        yield parse_rule(lang, text, tag, {}, fold)
    except TermError:
        return


def _ranks(prefer: Sequence[str]) -> dict[str, int]:
    """Each language's first place in `prefer` (a language may be listed twice)."""
    ranks: dict[str, int] = {}
    for i, lang in enumerate(prefer):
        ranks.setdefault(lang, i)
    return ranks
