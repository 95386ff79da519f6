"""Disclosure control: no published figure is small, and no small one can be derived."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.figures import disclosure as d
from bot.figures.weeks import reportable, span, week_of

INF = float("inf")


def reader_bounds(text: str, ceiling: float) -> tuple[float, float]:
    """What a reader who knows the rules learns of one published figure (written apart from
    the module: rounding to 5 means within 2; a hidden cell is the smallest, so below every
    cell still shown)."""
    if text == "<10":
        return 0, 9
    if text == "x":
        return 10, ceiling
    return max(10, int(text) - 2), int(text) + 2


def derivable(total: str, shown: dict[str, str], key: str) -> set[int]:
    """Every value 0-9 of a "<10" cell that fits the published total and the other cells."""
    visible = [int(t) + 2 for t in shown.values() if t not in ("<10", "x")]
    ceiling = min(visible, default=INF)
    t_lo, t_hi = (10, INF) if total == "x" else reader_bounds(total, INF)
    others = [reader_bounds(t, ceiling) for k, t in shown.items() if k != key]
    lo_rest, hi_rest = sum(b[0] for b in others), sum(b[1] for b in others)
    return {v for v in range(10) if v + lo_rest <= t_hi and v + hi_rest >= t_lo}


def well_formed(text: str, true: int) -> bool:
    if text == "<10":
        return true < 10
    if text == "x":
        return true >= 10
    return int(text) % 5 == 0 and int(text) >= 10 and abs(int(text) - true) <= 2


counts = st.integers(min_value=0, max_value=120)
groups = st.lists(st.lists(counts, min_size=1, max_size=9), min_size=1, max_size=5)


@settings(max_examples=400, deadline=None)
@given(groups)
def test_no_small_cell_is_shown_or_derivable(raw: list[list[int]]) -> None:
    # Several breakdowns of one total, as in the report (weeks, languages, routes, ...). A lone
    # "<10" beside a published total is allowed when rounding leaves it 0-9 all the same.
    total = sum(raw[0])
    cells = {
        f"g{n}": {f"c{m}": v for m, v in enumerate(g)} for n, g in enumerate(raw) if sum(g) == total
    }
    out = d.protect(total, cells)
    assert well_formed(out.total, total)
    for name, shown in out.groups.items():
        if not shown:
            continue  # not published at all
        for key, text in shown.items():
            assert well_formed(text, cells[name][key]), (key, text, cells[name][key])
            if text == "<10":
                assert derivable(out.total, shown, key) == set(range(10)), (shown, out.total)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(["nl", "tr", "ar", "uk", "pl", "ti", "fa", "en"]), counts))
def test_small_languages_are_merged_and_other_is_protected(langs: dict[str, int]) -> None:
    merged = d.merge_small(langs)
    assert sum(merged.values()) == sum(langs.values())
    assert all(v >= 10 for k, v in merged.items() if k != "other")
    assert d.publish(merged["other"]) == "<10" or merged["other"] >= 10


@pytest.mark.parametrize(
    ("value", "shown", "why"),
    [
        (0, "<10", "nobody is also a small number: 0 and 3 look the same"),
        (9, "<10", "just below the threshold"),
        (10, "10", "the threshold itself is shown"),
        (12, "10", "rounded down, never below 10"),
        (13, "15", "rounded up"),
        (998, "1000", "large numbers rounded too"),
    ],
)
def test_one_figure_on_its_own(value: int, shown: str, why: str) -> None:
    assert d.publish(value) == shown, why


def test_a_lone_small_cell_takes_the_next_smallest_with_it() -> None:
    out = d.protect(81, {"routes": {"direct": 50, "campaign": 30, "trusted": 1}})
    assert out.groups["routes"] == {"direct": "50", "campaign": "x", "trusted": "<10"}
    assert out.total == "80"


def test_when_hiding_cells_is_not_enough_the_total_goes_too() -> None:
    out = d.protect(27, {"routes": {"direct": 9, "campaign": 9, "trusted": 9}})
    assert out.total == "x", "25 minus two small cells would pin the third to 7-9"


def test_weeks_are_published_one_week_after_they_ended() -> None:
    # 2026-W40 runs from Monday 28 September to Sunday 4 October 2026
    assert not reportable("2026-W40", dt.date(2026, 10, 11))
    assert reportable("2026-W40", dt.date(2026, 10, 12))


def test_weeks_run_in_dutch_time_and_across_years() -> None:
    late_sunday = dt.datetime(2026, 1, 4, 23, 30, tzinfo=dt.UTC)  # Monday 00:30 in Amsterdam
    assert week_of(late_sunday) == "2026-W02"
    assert span("2026-W52", "2027-W02") == ["2026-W52", "2026-W53", "2027-W01", "2027-W02"]
    with pytest.raises(ValueError):
        span("2026-W10", "2026-W02")
