"""Folding a text (accents, Arabic letter variants, invisible characters) is done with two
regex passes for speed; it must give exactly what folding one character at a time gives."""

from __future__ import annotations

import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.engine import text as t


def _one_at_a_time(text: str) -> str:
    """The definition: each character deleted when combining or invisible, else folded."""
    out = []
    for ch in text:
        if unicodedata.combining(ch) or ord(ch) in t._INVISIBLE:
            continue
        folded = t._ARABIC_FOLD.get(ord(ch), ch)
        out.append("" if folded is None else str(folded))
    return "".join(out)


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=80))
def test_fast_folding_equals_folding_one_character_at_a_time(text: str) -> None:
    nfkd = unicodedata.normalize("NFKD", text)
    assert t._fold(nfkd) == _one_at_a_time(nfkd)


@given(st.sampled_from(["أحمد ضربني", "zażółć gęślą", "вб’є", "ılık", "\u200bwu\u00adrgen", "١١٢"]))
def test_the_letters_people_type_either_way_fold_alike(text: str) -> None:
    nfkd = unicodedata.normalize("NFKD", text)
    assert t._fold(nfkd) == _one_at_a_time(nfkd)
    assert t._fold(nfkd + "🙂") == _one_at_a_time(nfkd + "🙂")  # the slow path for emoji
