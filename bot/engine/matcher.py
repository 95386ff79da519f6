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

from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from heapq import heapify, heappop
from itertools import chain

from bot.engine.terms import NEGATION_REACH, PHRASE_GAP, WINDOW, Atom, Rule, RuleInfo

CACHE_LIMIT = 50_000  # words remembered with their atoms (a few MB at most)
LONGEST_WORD = 40  # longer "words" (a pasted link, a key mash) are only looked up whole
_MODES = ("exact", "prefix", "suffix", "infix", "typo_exact", "typo_prefix")


@dataclass(frozen=True)
class Match:
    """A rule that matched, and where: the position of its first and last word."""

    rule: RuleInfo
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


# Per term of a rule: its alternatives (runs of atom ids) grouped by their first atom, so
# that only alternatives whose first word occurs in the message are looked at (a group may
# have hundreds of members). Plain dicts and tuples: the index pickles and loads fast.
_Terms = tuple[dict[int, tuple[tuple[int, ...], ...]], ...]


class Matcher:
    """Rules compiled into one index. Immutable after construction except its memo.

    After construction it holds only numbers, strings, tuples and dicts (no Atom or Rule
    objects), so that a compiled matcher is quick to save and load (content/prepared.py).
    """

    def __init__(
        self,
        rules: Iterable[Rule],
        negations: Mapping[str, Iterable[str]],
        not_typos: Iterable[str] = (),
    ) -> None:
        rules = tuple(rules)
        self.rules: tuple[RuleInfo, ...] = tuple(r.info for r in rules)
        # Real words that lie one typo away from a danger word ("staat" / "slaat"): never
        # read as that typo.
        self._not_typos = frozenset(not_typos)
        self._negations = {lang: frozenset(words) for lang, words in negations.items()}
        maps: dict[str, dict[str, set[int]]] = {mode: defaultdict(set) for mode in _MODES}
        lengths: dict[str, set[int]] = {mode: set() for mode in _MODES}
        self._typo_stems: set[int] = set()
        self._texts: list[str] = []  # atom id -> its text (to check a typo)
        ids: dict[Atom, int] = {}
        # first atom of an alternative of a rule's trigger term -> rule indexes
        triggers: dict[int, list[int]] = defaultdict(list)
        groups: dict[int, dict[int, tuple[tuple[int, ...], ...]]] = {}
        gids: dict[int, int] = {}  # id of a term's alternatives -> its group number
        # first atom of an alternative -> the groups it can make present
        group_of: dict[int, set[int]] = defaultdict(set)

        def atom_id(atom: Atom) -> int:
            if atom not in ids:
                ids[atom] = len(ids)
                self._texts.append(atom.text)
                maps[atom.mode][atom.text].add(ids[atom])
                lengths[atom.mode].add(len(atom.text))
                if atom.typo:
                    for key in _deletes(atom.text):
                        maps["typo_" + atom.mode][key].add(ids[atom])
                    if atom.mode == "prefix":
                        self._typo_stems.update(range(len(atom.text) - 1, len(atom.text) + 2))
            return ids[atom]

        self._terms: list[_Terms] = []
        self._negatable: list[tuple[bool, ...]] = []
        self._needs: list[frozenset[int]] = []  # rule -> groups that must all be present
        for index, rule in enumerate(rules):
            terms = []
            needs = set()
            for term in rule.terms:
                compiled = groups.get(id(term.alternatives))
                if compiled is None:  # a group shared by many rules is compiled once
                    by_first: dict[int, list[tuple[int, ...]]] = defaultdict(list)
                    for alt in term.alternatives:
                        alt_ids = tuple(atom_id(a) for a in alt)
                        by_first[alt_ids[0]].append(alt_ids)
                    compiled = {first: tuple(alts) for first, alts in by_first.items()}
                    groups[id(term.alternatives)] = compiled
                    gids[id(term.alternatives)] = gid = len(gids)
                    for first in compiled:
                        group_of[first].add(gid)
                terms.append(compiled)
                needs.add(gids[id(term.alternatives)])
            # A rule is looked at only when a first word of its rarest term occurs: the term
            # with the fewest first words ("mes", not the hundreds of ways to say "partner").
            for first in min(terms, key=len):
                triggers[first].append(index)
            self._terms.append(tuple(terms))
            self._needs.append(frozenset(-1 - g for g in needs))
            self._negatable.append(tuple(t.negatable for t in rule.terms))
        self._maps = {mode: {k: tuple(sorted(v)) for k, v in maps[mode].items()} for mode in _MODES}
        self._lengths = {mode: tuple(sorted(lengths[mode])) for mode in _MODES}
        # Per atom id: the rules it triggers (their indexes) and the term groups it makes
        # present (as -1 - group number), in one tuple, so that one C-level step gathers
        # both for a message.
        self._plan = tuple(
            (*triggers.get(a, ()), *(-1 - g for g in sorted(group_of.get(a, ()))))
            for a in range(len(ids))
        )
        self._typo_stems = set(self._typo_stems)
        self._memo: dict[str, frozenset[int]] = {}

    def __getstate__(self) -> dict[str, object]:
        return {**self.__dict__, "_memo": {}}

    # ----------------------------------------------------------------- words
    def atoms(self, word: str) -> frozenset[int]:
        """The ids of every atom a word matches (memoised; cleared when it grows too big)."""
        found = self._memo.get(word)
        if found is None:
            if len(self._memo) >= CACHE_LIMIT:
                self._memo.clear()
            found = self._memo[word] = frozenset(self._lookup(word))
        return found

    def _lookup(self, word: str) -> set[int]:
        # Each kind of lookup gathers its keys first and intersects them with the index in
        # one C-level step: most keys find nothing, and a new word costs microseconds.
        maps, lengths, n = self._maps, self._lengths, len(word)
        out = set(maps["exact"].get(word, ()))
        if n > LONGEST_WORD:
            return out
        prefix, suffix, infix = maps["prefix"], maps["suffix"], maps["infix"]
        for key in prefix.keys() & [word[:k] for k in lengths["prefix"] if k <= n]:
            out.update(prefix[key])
        for key in suffix.keys() & [word[n - k :] for k in lengths["suffix"] if k <= n]:
            out.update(suffix[key])
        parts = [word[i : i + k] for k in lengths["infix"] for i in range(n - k + 1)]
        for key in infix.keys() & parts:
            out.update(infix[key])
        if n >= 4 and word not in self._not_typos:
            out.update(self._typos(word))
        return out

    def _typos(self, word: str) -> set[int]:
        """Atoms within one typo: a letter missing, added, changed, or two swapped."""
        out: set[int] = set()
        texts, n = self._texts, len(word)
        exact = self._maps["typo_exact"]
        for key in exact.keys() & _deletes(word):
            out.update(a for a in exact[key] if one_typo(word, texts[a]))
        # A stem of length L matches the first L-1, L or L+1 letters with one typo.
        heads = [word[:k] for k in self._typo_stems if k <= n]
        keys = set(heads)
        keys.update(h[:i] + h[i + 1 :] for h in heads for i in range(len(h)))
        stems = self._maps["typo_prefix"]
        for key in stems.keys() & keys:
            for a in stems[key]:
                t = texts[a]
                if a not in out and any(
                    one_typo(word[:k], t) for k in (len(t) - 1, len(t), len(t) + 1) if k <= n
                ):
                    out.add(a)
        return out

    # ----------------------------------------------------------------- messages
    def find(self, words: Sequence[str]) -> list[Match]:
        """Every rule that matches the words of one normalised message."""
        at, candidates = self._candidates(words)
        found = []
        for index in sorted(candidates):
            span = self._span(index, words, at)
            if span is not None:
                found.append(Match(self.rules[index], *span))
        return found

    def first(self, words: Sequence[str], keys: Sequence[int]) -> Match | None:
        """The matching rule with the lowest `keys[rule index]` (then index): the same
        answer as the minimum of `find`, but rules are tried in that order and the first
        match ends it (a long message full of danger words stays fast)."""
        at, candidates = self._candidates(words)
        if not candidates:
            return None
        # Most often the first rule tried matches: try it, then order the rest in a heap.
        index = min(candidates, key=keys.__getitem__)
        span = self._span(index, words, at)
        if span is not None:
            return Match(self.rules[index], *span)
        heap = [(keys[k], k) for k in candidates if k != index]
        heapify(heap)
        while heap:
            index = heappop(heap)[1]
            span = self._span(index, words, at)
            if span is not None:
                return Match(self.rules[index], *span)
        return None

    def _candidates(self, words: Sequence[str]) -> tuple[dict[int, list[int]], list[int]]:
        """Where each atom occurs, and the rules whose trigger term has its first word here
        and whose other terms have at least one of theirs."""
        at: dict[int, list[int]] = defaultdict(list)
        memo, atoms = self._memo, self.atoms
        for pos, word in enumerate(words):
            found = memo.get(word)
            for atom in atoms(word) if found is None else found:
                at[atom].append(pos)
        # rules triggered (>= 0) and groups present (< 0)
        marks = set(chain.from_iterable(map(self._plan.__getitem__, at)))
        needs = self._needs
        return at, [k for k in marks if k >= 0 and marks.issuperset(needs[k])]

    def _span(
        self, index: int, words: Sequence[str], at: Mapping[int, list[int]]
    ) -> tuple[int, int] | None:
        """Where all terms of rule `index` occur within WINDOW words, or None."""
        places = []
        lang = self.rules[index].lang
        for alts, negatable in zip(self._terms[index], self._negatable[index], strict=True):
            spots: list[int] = []
            for first in alts.keys() & at.keys():
                for alt in alts[first]:
                    if len(alt) == 1:
                        spots.extend(at[first])
                    elif all(a in at for a in alt[1:]):  # a run whose words all occur
                        spots.extend(p for p in at[first] if _run_follows(alt, p, at))
            if spots and negatable:
                spots = self._not_negated(lang, spots, words)
            if not spots:
                return None
            places.append(spots)
        if len(places) == 1:
            return min(places[0]), min(places[0])
        places = [sorted(set(p)) for p in places]
        for anchor in places[0]:
            chosen = [_nearest(p, anchor) for p in places]
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
        spots = at.get(atom, ())
        i = bisect_right(spots, pos)  # positions are in ascending order
        if i == len(spots) or spots[i] > pos + 1 + PHRASE_GAP:
            return False
        pos = spots[i]
    return True


def _nearest(spots: list[int], anchor: int) -> int:
    """The position in sorted `spots` nearest to `anchor` (the earlier one on a tie)."""
    i = bisect_left(spots, anchor)
    if i == 0:
        return spots[0]
    if i == len(spots) or anchor - spots[i - 1] <= spots[i] - anchor:
        return spots[i - 1]
    return spots[i]
