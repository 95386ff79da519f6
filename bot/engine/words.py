"""Words to atoms: the index every rule's words are looked up in, typos included.

An atom is one word of a rule (exact, a stem, an ending or a part). The index holds each
atom under its text, and every atom that allows a typo also under its one-deletion
neighbourhood (SymSpell's trick: a typo costs a few dictionary lookups instead of an edit
distance against every word). The answer per word is memoised, because residents reuse words.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from bot.engine.terms import Atom

CACHE_LIMIT = 50_000  # words remembered with their atoms (a few MB at most)
LONGEST_WORD = 40  # longer "words" (a pasted link, a key mash) are only looked up whole
_MODES = ("exact", "prefix", "suffix", "infix", "typo_exact", "typo_prefix")


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


class WordIndex:
    """Atoms by text; filled with `add`, then `freeze`; `atoms(word)` answers per word.

    Holds only numbers, strings, tuples and dicts, so that it is quick to save and load.
    """

    def __init__(self, not_typos: Iterable[str] = ()) -> None:
        # Real words that lie one typo away from a danger word ("staat" / "slaat"): never
        # read as that typo.
        self._not_typos = frozenset(not_typos)
        self._building: dict[str, dict[str, set[int]]] = {m: defaultdict(set) for m in _MODES}
        self._sizes: dict[str, set[int]] = {mode: set() for mode in _MODES}
        self._maps: dict[str, dict[str, tuple[int, ...]]] = {}
        self._lengths: dict[str, tuple[int, ...]] = {}
        self._typo_stems: set[int] = set()
        self._texts: list[str] = []  # atom id -> its text (to check a typo)
        self.memo: dict[str, frozenset[int]] = {}

    def __getstate__(self) -> dict[str, object]:
        return {**self.__dict__, "memo": {}}

    def add(self, atom: Atom) -> int:
        """Index a new atom; returns its id (ids count from 0)."""
        number = len(self._texts)
        self._texts.append(atom.text)
        self._building[atom.mode][atom.text].add(number)
        self._sizes[atom.mode].add(len(atom.text))
        if atom.typo:
            for key in _deletes(atom.text):
                self._building["typo_" + atom.mode][key].add(number)
            if atom.mode == "prefix":
                self._typo_stems.update(range(len(atom.text) - 1, len(atom.text) + 2))
        return number

    def freeze(self) -> None:
        """Turn the index into tuples (after the last `add`)."""
        self._maps = {
            m: {k: tuple(sorted(v)) for k, v in self._building[m].items()} for m in _MODES
        }
        self._lengths = {mode: tuple(sorted(self._sizes[mode])) for mode in _MODES}
        self._building, self._sizes = {}, {}

    def text(self, atom: int) -> str:
        """The text of an atom."""
        return self._texts[atom]

    def atoms(self, word: str) -> frozenset[int]:
        """The ids of every atom a word matches (memoised; cleared when it grows too big)."""
        found = self.memo.get(word)
        if found is None:
            if len(self.memo) >= CACHE_LIMIT:
                self.memo.clear()
            found = self.memo[word] = frozenset(self._lookup(word))
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
