"""Terms and rules: the small language maintainers write danger words and intents in.

A *term* describes one word (or a short run of words) of a message:

    word      the word itself; with one typo too when it has five or more letters
    stem*     any word that starts with `stem` (inflections: wurg* -> wurgde, wurgen)
    *part*    any word that contains `part` (compounds, glued prefixes: *خنق* -> يخنقني)
    *end      any word that ends in `end`
    =word     exactly this word, never a typo (short or look-alike words)
    a b       words in this order, next to each other (one other word may stand between)
    ~term     does not count when a negation word stands up to three words before it
    @group    any term of a named group

A *rule* joins terms with ` + `: all must occur in the message, in any order, within
WINDOW words of each other ("@hand + @throat" matches "his hand was on my throat" and
"my throat, he pressed it with both hands").
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple

WINDOW = 12  # words that may lie between the terms of one rule
PHRASE_GAP = 1  # other words allowed between the words of a phrase
NEGATION_REACH = 3  # words before a ~term that a negation may stand in
TYPO_MIN = 5  # words this long (or longer) also match with one typo


class TermError(ValueError):
    """A term or rule that cannot be read; the message says why, `path` where (for YAML)."""

    def __init__(self, message: str, path: tuple[str | int, ...] = ()) -> None:
        super().__init__(message)
        self.path = path


class Atom(NamedTuple):
    """One word pattern: how it matches (`exact`, `prefix`, `suffix`, `infix`) and what.

    A NamedTuple rather than a dataclass: tens of thousands are hashed while indexing.
    """

    mode: str
    text: str
    typo: bool


@dataclass(frozen=True)
class Term:
    """One place in a rule: any of `alternatives` (runs of atoms that follow each other)."""

    alternatives: tuple[tuple[Atom, ...], ...]
    negatable: bool = False


@dataclass(frozen=True)
class Rule:
    """Terms that must all occur in one message, within WINDOW words of each other."""

    lang: str
    label: str  # the rule as written, for `vrede check` and tests
    terms: tuple[Term, ...]
    tag: str  # what the rule means: a danger kind or an intent name
    certain: bool = True

    @property
    def info(self) -> RuleInfo:
        return RuleInfo(self.lang, self.label, self.tag, self.certain)


class RuleInfo(NamedTuple):
    """What a matched rule says, without its terms (the matcher keeps only this)."""

    lang: str
    label: str
    tag: str
    certain: bool


def parse_atom(word: str, fold: Callable[[str], str]) -> Atom:
    """One word of a term, with its wildcards; `fold` normalises the letters."""
    exact = word.startswith("=")
    word = word.lstrip("=")
    pre, post = word.startswith("*"), word.endswith("*")
    core = fold(word.strip("*")).strip()
    if not core or " " in core:
        raise TermError(f"'{word}' has no letters to match, or is more than one word")
    mode = {(False, False): "exact", (False, True): "prefix", (True, False): "suffix"}.get(
        (pre, post), "infix"
    )
    typo = not exact and mode in ("exact", "prefix") and len(core) >= TYPO_MIN
    return Atom(mode, core, typo)


def parse_run(text: str, fold: Callable[[str], str]) -> tuple[Atom, ...]:
    """Words separated by spaces: atoms that must follow each other."""
    words = text.split()
    if not words:
        raise TermError("an empty term")
    return tuple(parse_atom(w, fold) for w in words)


def parse_rule(
    lang: str,
    text: str,
    tag: str,
    groups: Mapping[str, Sequence[str]],
    fold: Callable[[str], str],
    certain: bool = True,
    parsed: dict[str, tuple[tuple[Atom, ...], ...]] | None = None,
) -> Rule:
    """A rule `term + term`; a `@group` term matches any member of the group.

    `parsed` memoises groups across the rules of one lexicon (a group is read once).
    """
    parsed = {} if parsed is None else parsed
    terms = []
    for part in text.split(" + "):
        part = part.strip()
        negatable = part.startswith("~")
        name = part.lstrip("~").strip()
        if name.startswith("@"):
            if name not in parsed:
                members = groups.get(name[1:])
                if not members or not all(isinstance(m, str) for m in members):
                    raise TermError(f"unknown or empty group '{name}'")
                parsed[name] = tuple(parse_run(m.lstrip("~"), fold) for m in members)
            alts = parsed[name]
        else:
            alts = (parse_run(name, fold),)
        terms.append(Term(alts, negatable))
    return Rule(lang, text.strip(), tuple(terms), tag, certain)
