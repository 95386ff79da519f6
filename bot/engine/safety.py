"""Danger in the resident's own words: lexicons per language, one detector for all of them.

Every message is checked against the lexicons of *every* language, whatever the session's
language: a Tigrinya speaker's phone may be set to English. A rule is `certain` (open the
screen of its kind at once) or only `possible` (one weak word such as "knife": ask calmly
whether the resident is in danger now). The words themselves live in dialogues/danger/*.yaml.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from bot.engine.likeness import Example, Likeness, Nearest, vote
from bot.engine.matcher import Match, Matcher
from bot.engine.terms import Atom, Rule, TermError, parse_rule
from bot.engine.text import clause_words, normalise

# The kinds of danger, most urgent first: when one message has several, the first one wins.
KINDS: tuple[str, ...] = (
    "child",  # 112 first as well, then Veilig Thuis for the child
    "strangling",
    "weapon",
    "kill_threat",
    "fire",
    "at_door",
    "sexual",
    "beating",
    "locked_in",
    "suicide",
    "abroad",
    "general",
)
MAX_CHARS = 20_000  # a longer message is read in its first and last parts (see `detect`)
# How alike (0-1) a message must be to an example line: to open its kind's screen, or to ask.
SURE = 0.3
MAYBE = 0.25
MIN_WORDS = 3  # shorter texts ("Veilig Thuis", "mijn kinderen") are judged by rules alone,
SHORT_SURE = 0.7  # unless they are very alike to an example line (a typo in a short line)
LIKENESS_CHARS = (600, 300)  # a long message is compared on its start and its end
MEMO = 20_000  # detections remembered by text (greetings and numbers repeat all day)


@lru_cache(maxsize=65_536)
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
    by_rule: bool = True  # False: found because the text is like an example line


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
        parsed: dict[str, tuple[tuple[Atom, ...], ...]] = {}
        for kind, spec in (data.get("kinds") or {}).items():
            for level in ("certain", "possible"):
                for n, text in enumerate(spec.get(level) or ()):
                    try:
                        certain = level == "certain"
                        rules.append(parse_rule(lang, text, kind, groups, fold, certain, parsed))
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
    """All lexicons in one matcher, and all their example lines in one likeness index.

    Deterministic; safe to share between conversations.
    """

    def __init__(self, lexicons: Mapping[str, Lexicon]) -> None:
        self.likeness = Likeness(_examples(lexicons.values()))
        self._memo: dict[tuple[str, tuple[str, ...]], Danger | None] = {}
        rules = [r for lex in lexicons.values() for r in lex.rules]
        negations = {lang: lex.negations for lang, lex in lexicons.items()}
        not_typos = [w for lex in lexicons.values() for w in lex.not_typos]
        self.matcher = Matcher(rules, negations, not_typos)
        self._keys: dict[tuple[str, ...], list[int]] = {}  # `prefer` -> each rule's rank

    def __getstate__(self) -> dict[str, object]:
        return {**self.__dict__, "_memo": {}}

    def matches(self, text: str) -> list[Match]:
        """Every danger rule that matches a raw text (for tests and `vrede check`)."""
        return self.matcher.find(_words(text))

    def best(self, text: str, prefer: Sequence[str] = ()) -> Match | None:
        """The most urgent matching rule: certain first, then kind, then `prefer`."""
        return self.matcher.first(_words(text), self._ranking(tuple(prefer)))

    def _ranking(self, prefer: tuple[str, ...]) -> list[int]:
        """Each rule's place: certain before possible, then kind, then `prefer`, then
        the rule's own order (distinct numbers, computed once per `prefer`)."""
        keys = self._keys.get(prefer)
        if keys is None:
            if len(self._keys) > 64:
                self._keys.clear()
            order, rules = _ranks(prefer), self.matcher.rules
            langs, n = len(order) + 1, len(rules)
            keys = self._keys[prefer] = [
                (
                    (int(not r.certain) * (len(KINDS) + 1) + _rank(r.tag)) * langs
                    + order.get(r.lang, langs - 1)
                )
                * n
                + k
                for k, r in enumerate(rules)
            ]
        return keys

    def detect(
        self, text: str, prefer: Sequence[str] = (), unlisted: bool = False
    ) -> Danger | None:
        """The most urgent danger in a text, or None. `prefer` ranks languages on a tie.

        A certain rule wins. Otherwise the example line most like the text decides: a danger
        example opens its kind's screen when very alike and asks when fairly alike; a harmless
        look-alike that is very alike silences a weak rule ("het mes ligt in de la").
        `unlisted`: as if the text were not itself an example line (for `vrede check`).
        """
        if unlisted:
            return self._detect(text, prefer, skip=text)
        key = (text, tuple(prefer))
        if key in self._memo:
            return self._memo[key]
        if len(self._memo) >= MEMO:
            self._memo.clear()
        found = self._memo[key] = self._detect(text, prefer)
        return found

    def _detect(self, text: str, prefer: Sequence[str], skip: str | None = None) -> Danger | None:
        best = self.best(text, prefer)
        if best is not None and best.rule.certain:
            return _danger(best)
        near = self.nearest(text, skip)
        if near is not None and len(text.split()) < MIN_WORDS and near.score < SHORT_SURE:
            near = None  # a short text is judged by rules, unless it is nearly an example
        if near is not None and near.score >= SURE:
            if near.example.kind is None:
                return None
            certain = near.example.certain
            return Danger(near.example.kind, certain, near.example.lang, _like(near), False)
        if best is not None:
            # Two weak signals that agree make a clear one: a possible rule ("mes") and a
            # line fairly like a danger example of the same kind ("hij staat met een mes in
            # de gang").
            agree = near is not None and near.example.kind == best.rule.tag
            if agree and near is not None and near.score >= MAYBE and near.example.certain:
                return Danger(
                    best.rule.tag, True, best.rule.lang, f"{best.rule.label}; {_like(near)}"
                )
            return _danger(best)
        if near is not None and near.example.kind is not None and near.score >= MAYBE:
            return Danger(near.example.kind, False, near.example.lang, _like(near), False)
        return None

    def nearest(self, text: str, skip: str | None = None) -> Nearest | None:
        """The example line that speaks for the examples most like a text (their vote: see
        `likeness.vote`); a long text is compared on its start and its end."""
        head, tail = LIKENESS_CHARS
        if len(text) > head + tail:
            text = text[:head] + " " + text[-tail:]
        return vote(self.likeness.neighbours(text, skip))


def _words(text: str) -> list[str]:
    if len(text) > MAX_CHARS:  # a paste of a book: the start and the end are read
        text = text[: MAX_CHARS // 2] + " " + text[-MAX_CHARS // 2 :]
    return clause_words(text)


def _danger(m: Match) -> Danger:
    return Danger(m.rule.tag, m.rule.certain, m.rule.lang, m.rule.label)


def _like(near: Nearest) -> str:
    return f"like the example '{near.example.text}' ({near.score:.2f})"


def _examples(lexicons: Iterable[Lexicon]) -> list[Example]:
    """Every example line of every lexicon: danger kinds, and look-alikes as harmless."""
    out = []
    for lex in lexicons:
        for kind, texts in lex.examples.items():
            out += [Example(t, kind, lex.lang) for t in texts]
        out += [Example(t, None, lex.lang) for t in lex.must_not_match]
        out += [Example(t, "general", lex.lang, False) for t in lex.possible_examples]
    return out


def _rank(kind: str) -> int:
    return KINDS.index(kind) if kind in KINDS else len(KINDS)


def _ranks(prefer: Sequence[str]) -> dict[str, int]:
    """Each language's first place in `prefer` (a language may be listed twice)."""
    ranks: dict[str, int] = {}
    for i, lang in enumerate(prefer):
        ranks.setdefault(lang, i)
    return ranks
