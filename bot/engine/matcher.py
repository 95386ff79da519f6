"""The one matching mechanism: rules of every language in one word index, typos included.

Theory of operation. A message is normalised (`text.normalise`) and split into words. Each
distinct word is looked up once in an index of atoms (exact words, stems, endings, parts,
and the one-deletion neighbourhood of every atom that allows a typo: SymSpell's trick, so a
typo costs a few dictionary lookups instead of an edit distance against every word). The
answer per word is memoised, because residents reuse words. Then each rule whose atoms all
occur is checked for order (runs), distance (WINDOW) and negation. Nothing here knows what a
rule means: danger kinds and intents are only tags.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from bot.engine.terms import NEGATION_REACH, PHRASE_GAP, WINDOW, Atom, Rule, Term

CACHE_LIMIT = 50_000  # words remembered with their atoms (a few MB at most)
LONGEST_WORD = 40  # longer "words" (a pasted link, a key mash) are only looked up whole


@dataclass(frozen=True)
class Match:
    """A rule that matched, and where: the position of its first and last word."""

    rule: Rule
    start: int
    end: int


def _deletes(word: str) -> set[str]:
    """The word and every form of it with one letter left out."""
    return {word, *(word[:i] + word[i + 1 :] for i in range(len(word)))}


def one_typo(a: str, b: str) -> bool:
    """True when `a` and `b` differ by at most one letter added, left out, changed, or by two
    neighbouring letters swapped (the deletion index also finds pairs two edits apart)."""
    if a == b:
        return True
    if abs(len(a) - len(b)) > 1:
        return False
    i = 0
    while i < min(len(a), len(b)) and a[i] == b[i]:
        i += 1
    if len(a) == len(b):
        swapped = a[i + 1 : i + 2] == b[i : i + 1] and a[i : i + 1] == b[i + 1 : i + 2]
        return a[i + 1 :] == b[i + 1 :] or (swapped and a[i + 2 :] == b[i + 2 :])
    longer, shorter = (a, b) if len(a) > len(b) else (b, a)
    return longer[i + 1 :] == shorter[i:]


class Matcher:
    """Rules compiled into one index. Immutable after construction except its memo."""

    def __init__(
        self,
        rules: Iterable[Rule],
        negations: Mapping[str, Iterable[str]],
        not_typos: Iterable[str] = (),
    ) -> None:
        self.rules = tuple(rules)
        # Real words that lie one typo away from a danger word ("staat" / "slaat"): never
        # read as that typo.
        self._not_typos = frozenset(not_typos)
        self._negations = {lang: frozenset(words) for lang, words in negations.items()}
        self._maps: dict[str, dict[str, set[Atom]]] = defaultdict(lambda: defaultdict(set))
        self._lengths: dict[str, set[int]] = defaultdict(set)
        self._typo_stems: set[int] = set()
        self._by_atom: dict[Atom, list[int]] = defaultdict(list)
        for index, rule in enumerate(self.rules):
            for atom in {a for t in rule.terms for alt in t.alternatives for a in alt}:
                self._add(atom)
                self._by_atom[atom].append(index)
        self._memo: dict[str, frozenset[Atom]] = {}

    def _add(self, atom: Atom) -> None:
        self._maps[atom.mode][atom.text].add(atom)
        self._lengths[atom.mode].add(len(atom.text))
        if atom.typo:
            for key in _deletes(atom.text):
                self._maps["typo_" + atom.mode][key].add(atom)
            if atom.mode == "prefix":
                self._typo_stems.update(range(len(atom.text) - 1, len(atom.text) + 2))

    # ----------------------------------------------------------------- words
    def atoms(self, word: str) -> frozenset[Atom]:
        """Every atom a word matches (memoised; the memo is cleared when it grows too big)."""
        found = self._memo.get(word)
        if found is None:
            if len(self._memo) >= CACHE_LIMIT:
                self._memo.clear()
            found = self._memo[word] = frozenset(self._lookup(word))
        return found

    def _lookup(self, word: str) -> set[Atom]:
        maps, n = self._maps, len(word)
        out = set(maps["exact"].get(word, ()))
        if n > LONGEST_WORD:
            return out
        for k in self._lengths["prefix"]:
            if k <= n:
                out.update(maps["prefix"].get(word[:k], ()))
        for k in self._lengths["suffix"]:
            if k <= n:
                out.update(maps["suffix"].get(word[n - k :], ()))
        infix = maps["infix"]
        for k in self._lengths["infix"]:
            for i in range(n - k + 1):
                out.update(infix.get(word[i : i + k], ()))
        if n >= 4 and word not in self._not_typos:
            out.update(self._typos(word))
        return out

    def _typos(self, word: str) -> set[Atom]:
        """Atoms within one typo: a letter missing, added, changed, or two swapped."""
        out: set[Atom] = set()
        exact = self._maps["typo_exact"]
        for key in _deletes(word):
            out.update(a for a in exact.get(key, ()) if one_typo(word, a.text))
        stems = self._maps["typo_prefix"]
        for k in self._typo_stems:
            if k <= len(word):
                head = word[:k]
                for key in _deletes(head):
                    out.update(a for a in stems.get(key, ()) if one_typo(head, a.text))
        return out

    # ----------------------------------------------------------------- messages
    def find(self, words: Sequence[str]) -> list[Match]:
        """Every rule that matches the words of one normalised message."""
        at: dict[Atom, list[int]] = defaultdict(list)
        for pos, word in enumerate(words):
            for atom in self.atoms(word):
                at[atom].append(pos)
        if not at:
            return []
        candidates = {i for atom in at for i in self._by_atom[atom]}
        found = []
        for index in sorted(candidates):
            rule = self.rules[index]
            span = self._span(rule, words, at)
            if span is not None:
                found.append(Match(rule, *span))
        return found

    def _span(
        self, rule: Rule, words: Sequence[str], at: Mapping[Atom, list[int]]
    ) -> tuple[int, int] | None:
        """Where all terms of a rule occur within WINDOW words, or None."""
        places = []
        for term in rule.terms:
            spots = self._places(rule.lang, term, words, at)
            if not spots:
                return None
            places.append(spots)
        for anchor in places[0]:
            chosen = [min(p, key=lambda q: abs(q - anchor)) for p in places]
            if max(chosen) - min(chosen) <= WINDOW:
                return min(chosen), max(chosen)
        return None

    def _places(
        self, lang: str, term: Term, words: Sequence[str], at: Mapping[Atom, list[int]]
    ) -> list[int]:
        """Positions where a term starts (any alternative), minus negated ones."""
        spots: list[int] = []
        for alt in term.alternatives:
            for pos in at.get(alt[0], ()):
                if _run_follows(alt, pos, at):
                    spots.append(pos)
        if term.negatable and spots:
            nots = self._negations.get(lang, frozenset())
            spots = [
                p for p in spots if not nots.intersection(words[max(0, p - NEGATION_REACH) : p])
            ]
        return spots


def _run_follows(alt: tuple[Atom, ...], pos: int, at: Mapping[Atom, list[int]]) -> bool:
    """True when the atoms after the first follow it in order, each within PHRASE_GAP words."""
    for atom in alt[1:]:
        nxt = [p for p in at.get(atom, ()) if pos < p <= pos + 1 + PHRASE_GAP]
        if not nxt:
            return False
        pos = min(nxt)
    return True
