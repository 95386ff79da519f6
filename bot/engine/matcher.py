"""The one matching mechanism: rules of every language over one word index, typos included.

Theory of operation. A message is normalised (`text.words`) and each word is looked up in
the word index (`words.WordIndex`: exact words, stems, endings, parts, and typos). A rule is
a candidate when a first word of its rarest term occurs and every one of its terms has a
first word present; candidates are then checked for order (runs), distance (WINDOW) and
negation. Nothing here knows what a rule means: danger kinds and intents are only tags.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import chain

from bot.engine.terms import NEGATION_REACH, PHRASE_GAP, WINDOW, Atom, Rule, RuleInfo
from bot.engine.text import is_stop
from bot.engine.words import WordIndex


@dataclass(frozen=True)
class Match:
    """A rule that matched, and where: the position of its first and last word."""

    rule: RuleInfo
    start: int
    end: int


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
        self._negations = {lang: frozenset(words) for lang, words in negations.items()}
        index = WordIndex(not_typos)
        self.words = index
        ids: dict[Atom, int] = {}
        # first atom of an alternative of a rule's trigger term -> rule indexes
        triggers: dict[int, list[int]] = defaultdict(list)
        groups: dict[int, dict[int, tuple[tuple[int, ...], ...]]] = {}
        gids: dict[int, int] = {}  # id of a term's alternatives -> its group number
        # first atom of an alternative -> the groups it can make present
        group_of: dict[int, set[int]] = defaultdict(set)

        def atom_id(atom: Atom) -> int:
            if atom not in ids:
                ids[atom] = index.add(atom)
            return ids[atom]

        self._terms: list[_Terms] = []
        self._negatable: list[tuple[bool, ...]] = []
        self._needs: list[frozenset[int]] = []  # rule -> groups that must all be present
        for number, rule in enumerate(rules):
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
                triggers[first].append(number)
            self._terms.append(tuple(terms))
            self._needs.append(frozenset(-1 - g for g in needs))
            self._negatable.append(tuple(t.negatable for t in rule.terms))
        index.freeze()
        # Per atom id: the rules it triggers (their indexes) and the term groups it makes
        # present (as -1 - group number), in one tuple, so that one C-level step gathers
        # both for a message.
        self._plan = tuple(
            (*triggers.get(a, ()), *(-1 - g for g in sorted(group_of.get(a, ()))))
            for a in range(len(ids))
        )

    def atoms(self, word: str) -> frozenset[int]:
        """The ids of every atom a word matches."""
        return self.words.atoms(word)

    # ----------------------------------------------------------------- messages
    def find(self, words: Sequence[str]) -> list[Match]:
        """Every rule that matches the words of one normalised message."""
        at, marks = self._marks(words)
        needs = self._needs
        found = []
        for index in sorted(k for k in marks if k >= 0 and marks.issuperset(needs[k])):
            span = self._span(index, words, at)
            if span is not None:
                found.append(Match(self.rules[index], *span))
        return found

    def first(self, words: Sequence[str], keys: Sequence[int]) -> Match | None:
        """The matching rule with the lowest `keys[rule index]` (then index): the same
        answer as the minimum of `find`, but rules are tried in that order and the first
        match ends it (a long message full of danger words stays fast)."""
        at, marks = self._marks(words)
        needs = self._needs
        # Rules are tried in order of their keys (then index), each once the groups it needs
        # are known to be present, and the first match ends it: two sorts in C are cheaper
        # than testing every candidate's groups first (a long message has hundreds).
        rules = [k for k in marks if k >= 0]
        rules.sort()
        rules.sort(key=keys.__getitem__)  # stable: equal keys stay in index order
        for index in rules:
            if marks.issuperset(needs[index]):
                span = self._span(index, words, at)
                if span is not None:
                    return Match(self.rules[index], *span)
        return None

    def _marks(self, words: Sequence[str]) -> tuple[dict[int, list[int]], set[int]]:
        """Where each atom occurs; the rules whose trigger term has its first word here (>= 0)
        and the groups present (< 0). A rule is a candidate when all groups it needs are."""
        at: dict[int, list[int]] = defaultdict(list)
        memo, atoms = self.words.memo, self.words.atoms
        for pos, word in enumerate(words):
            found = memo.get(word)
            for atom in atoms(word) if found is None else found:
                at[atom].append(pos)
        return at, set(chain.from_iterable(map(self._plan.__getitem__, at)))

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
        return [p for p in spots if nots.isdisjoint(_clause_before(words, p))]


def _clause_before(words: Sequence[str], pos: int) -> Sequence[str]:
    """Up to NEGATION_REACH words before `pos`, not reaching back past the end of a clause."""
    before = words[max(0, pos - NEGATION_REACH) : pos]
    for i in range(len(before) - 1, -1, -1):
        if is_stop(before[i]):
            return before[i + 1 :]
    return before


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
