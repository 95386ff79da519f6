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

from bot.engine.terms import NEGATION_REACH, PHRASE_GAP, WINDOW, Atom, Rule

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


@dataclass(frozen=True)
class _Compiled:
    """A rule with its atoms as numbers: what `find` works on (hashing Atoms is slow).

    Per term: its alternatives grouped by their first atom, so that only alternatives whose
    first word occurs in the message are looked at (a group may have hundreds of members).
    """

    rule: Rule
    terms: tuple[dict[int, tuple[tuple[int, ...], ...]], ...]
    negatable: tuple[bool, ...]


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
        self._ids: dict[Atom, int] = {}
        # first atom of a term's alternative -> (rule index, term index)
        self._firsts: dict[int, list[tuple[int, int]]] = defaultdict(list)
        self._groups: dict[int, dict[int, tuple[tuple[int, ...], ...]]] = {}
        self._compiled = [self._compile(index, rule) for index, rule in enumerate(self.rules)]
        del self._groups
        self._memo: dict[str, frozenset[int]] = {}

    def _compile(self, index: int, rule: Rule) -> _Compiled:
        terms: list[dict[int, tuple[tuple[int, ...], ...]]] = []
        for term in rule.terms:
            compiled = self._groups.get(id(term.alternatives))
            if compiled is None:  # a group shared by many rules is compiled once
                by_first: dict[int, list[tuple[int, ...]]] = defaultdict(list)
                for alt in term.alternatives:
                    ids = tuple(self._id(a) for a in alt)
                    by_first[ids[0]].append(ids)
                compiled = {first: tuple(alts) for first, alts in by_first.items()}
                self._groups[id(term.alternatives)] = compiled
            for first in compiled:
                self._firsts[first].append((index, len(terms)))
            terms.append(compiled)
        return _Compiled(rule, tuple(terms), tuple(t.negatable for t in rule.terms))

    def _id(self, atom: Atom) -> int:
        if atom not in self._ids:
            self._ids[atom] = len(self._ids)
            self._add(atom)
        return self._ids[atom]

    def _add(self, atom: Atom) -> None:
        self._maps[atom.mode][atom.text].add(atom)
        self._lengths[atom.mode].add(len(atom.text))
        if atom.typo:
            for key in _deletes(atom.text):
                self._maps["typo_" + atom.mode][key].add(atom)
            if atom.mode == "prefix":
                self._typo_stems.update(range(len(atom.text) - 1, len(atom.text) + 2))

    # ----------------------------------------------------------------- words
    def atoms(self, word: str) -> frozenset[int]:
        """The ids of every atom a word matches (memoised; cleared when it grows too big)."""
        found = self._memo.get(word)
        if found is None:
            if len(self._memo) >= CACHE_LIMIT:
                self._memo.clear()
            found = self._memo[word] = frozenset(self._ids[a] for a in self._lookup(word))
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
        at: dict[int, list[int]] = defaultdict(list)
        for pos, word in enumerate(words):
            for atom in self.atoms(word):
                at[atom].append(pos)
        if not at:
            return []
        # A rule is looked at only when each of its terms has its first word in the message.
        seen: dict[int, set[int]] = defaultdict(set)
        for atom in at:
            for index, term in self._firsts.get(atom, ()):
                seen[index].add(term)
        found = []
        for index in sorted(seen):
            rule = self._compiled[index]
            if len(seen[index]) == len(rule.terms):
                span = self._span(rule, words, at)
                if span is not None:
                    found.append(Match(rule.rule, *span))
        return found

    def _span(
        self, rule: _Compiled, words: Sequence[str], at: Mapping[int, list[int]]
    ) -> tuple[int, int] | None:
        """Where all terms of a rule occur within WINDOW words, or None."""
        places = []
        for alts, negatable in zip(rule.terms, rule.negatable, strict=True):
            spots: list[int] = []
            for first in alts.keys() & at.keys():
                for alt in alts[first]:
                    if len(alt) == 1:
                        spots.extend(at[first])
                    elif all(a in at for a in alt[1:]):  # a run whose words all occur
                        spots.extend(p for p in at[first] if _run_follows(alt, p, at))
            if spots and negatable:
                spots = self._not_negated(rule.rule.lang, spots, words)
            if not spots:
                return None
            places.append(spots)
        if len(places) == 1:
            return min(places[0]), min(places[0])
        for anchor in sorted(set(places[0])):
            chosen = [min(p, key=lambda q: abs(q - anchor)) for p in places]
            if max(chosen) - min(chosen) <= WINDOW:
                return min(chosen), max(chosen)
        return None

    def _not_negated(self, lang: str, spots: list[int], words: Sequence[str]) -> list[int]:
        """The positions without a negation word up to NEGATION_REACH words before them."""
        nots = self._negations.get(lang, frozenset())
        return [p for p in spots if nots.isdisjoint(words[max(0, p - NEGATION_REACH) : p])]


def _run_follows(alt: tuple[int, ...], pos: int, at: Mapping[int, list[int]]) -> bool:
    """True when the atoms after the first follow it in order, each within PHRASE_GAP words."""
    for atom in alt[1:]:
        nxt = [p for p in at.get(atom, ()) if pos < p <= pos + 1 + PHRASE_GAP]
        if not nxt:
            return False
        pos = min(nxt)
    return True
