"""Lines like the maintainers' examples: the second way danger is recognised.

Rules (terms.py) are precise but only know the words someone wrote down. This finds the
example line most like a message, by shared letter sequences (3 to 5 letters inside words,
weighted by how rare they are: TF-IDF with cosine similarity). It needs no model and no
training step: the index is the example lines in dialogues/danger/, built at start-up and
deterministic. It copes with inflections, typos, compounds and transliteration variants
because those share most letter sequences, and it learns a paraphrase the moment a maintainer
adds an example line like it. Look-alike lines (`must_not_match`) are in the index too: a
message nearest to a harmless line is not taken for danger.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from bot.engine.text import normalise

GRAM = 4  # length of the letter sequences compared
COMMON = 0.015  # sequences in more than this share of the lines are skipped when searching
MAX_GRAMS = 400  # a message is compared on at most this many sequences (about 100 words)
SHORTLIST = 12  # examples found through rare sequences, then compared on all of them
DECISIVE = 0.7  # an example this alike decides alone; less alike ones vote (see `vote`)


class Example(NamedTuple):
    """One example line: its text, its kind (None for a harmless look-alike), its language.

    A NamedTuple: thousands are saved and loaded with a compiled index."""

    text: str
    kind: str | None
    lang: str
    certain: bool = True  # False: a line that should only make the bot ask


@dataclass(frozen=True)
class Nearest:
    """The example most like a message, and how alike they are (0 to 1)."""

    example: Example
    score: float


def grams(text: str) -> Counter[str]:
    """The letter sequences of a text; words are joined by single spaces and the text is
    padded with one, so sequences also mark where words begin and end ("e me", " mes ")."""
    padded = normalise(text)
    return Counter(padded[i : i + GRAM] for i in range(len(padded) - GRAM + 1))


class Likeness:
    """An index of example lines; `nearest` finds the line most like a text.

    Built for a fast start: only letter-sequence counts and a list of lines per rare sequence
    are made up front; an example's weighted vector is made when it is first compared.
    """

    def __init__(self, examples: Iterable[Example]) -> None:
        self.examples = tuple(examples)
        counts = [grams(e.text) for e in self.examples]
        df: Counter[str] = Counter()
        for c in counts:
            df.update(c.keys())
        total = len(counts)
        self._idf = {g: math.log((total + 1) / (n + 1)) + 1 for g, n in df.items()}
        self._unseen = math.log(total + 1) + 1
        common = max(2, int(COMMON * total))
        postings: dict[str, list[int]] = defaultdict(list)
        for index, c in enumerate(counts):
            for g in c:
                if df[g] <= common:
                    postings[g].append(index)
        self._postings = {g: tuple(found) for g, found in postings.items()}
        self._vectors: dict[int, dict[str, float]] = {}

    def __getstate__(self) -> dict[str, object]:
        return {**self.__dict__, "_vectors": {}}

    def _vector(self, counts: Counter[str]) -> dict[str, float]:
        weights = {g: (1 + math.log(n)) * self._idf.get(g, self._unseen) for g, n in counts.items()}
        norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
        return {g: w / norm for g, w in weights.items()}

    def _example_vector(self, index: int) -> dict[str, float]:
        vector = self._vectors.get(index)
        if vector is None:
            vector = self._vectors[index] = self._vector(grams(self.examples[index].text))
        return vector

    def nearest(self, text: str, skip: str | None = None) -> Nearest | None:
        """The most alike example, or None when nothing is shared.

        `skip` leaves out example lines with that text: `vrede check` asks whether a line
        would be recognised if it were not an example itself.
        """
        found = self.neighbours(text, skip)
        return found[0] if found else None

    def neighbours(self, text: str, skip: str | None = None) -> list[Nearest]:
        """The examples most like a text (at most SHORTLIST), most alike first."""
        counts = grams(text)
        if len(counts) > MAX_GRAMS:
            counts = Counter(dict(counts.most_common(MAX_GRAMS)))
        query = self._vector(counts)
        # Rare sequences find the candidates quickly; the full comparison then decides, so
        # that a line is always most like itself (common words such as "niet" count there).
        rough: dict[int, float] = defaultdict(float)
        for g, w in query.items():
            for index in self._postings.get(g, ()):
                rough[index] += w
        shortlist = sorted(rough, key=lambda k: (-rough[k], k))[:SHORTLIST]
        scores = {k: _dot(query, self._example_vector(k)) for k in shortlist}
        if skip is not None:
            scores = {k: v for k, v in scores.items() if self.examples[k].text != skip}
        ranked = sorted(scores, key=lambda k: (-scores[k], k))
        return [Nearest(self.examples[k], scores[k]) for k in ranked]


def vote(neighbours: Sequence[Nearest], decisive: float = DECISIVE) -> Nearest | None:
    """What the nearest examples say together: each votes for its kind (a harmless look-alike
    for None) with the square of its likeness; the best example of the winning kind is
    returned. One example that happens to share many letters with a message no longer
    decides alone: a message like several lines of one kind is taken as that kind, and one
    like several harmless look-alikes is not taken for danger. An example nearly the same as
    the message (`decisive`) still decides alone: a look-alike a maintainer added for one
    line keeps that line quiet, and one that should only make the bot ask (a possible
    example) keeps it asking when it is the most alike."""
    if neighbours and neighbours[0].score >= decisive:
        return neighbours[0]
    votes: dict[str | None, float] = defaultdict(float)
    best: dict[str | None, Nearest] = {}
    for near in neighbours:
        votes[near.example.kind] += near.score * near.score
        best.setdefault(near.example.kind, near)
    if not votes:
        return None
    chosen = best[max(votes, key=lambda kind: (votes[kind], kind is not None))]
    first = neighbours[0]
    if not first.example.certain and first.score > chosen.score:
        return first  # the most alike line is one that should only make the bot ask
    return chosen


def _dot(a: dict[str, float], b: dict[str, float]) -> float:
    small, large = (a, b) if len(a) <= len(b) else (b, a)
    return sum(w * large.get(g, 0.0) for g, w in small.items())
