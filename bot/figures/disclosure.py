"""Disclosure control: pure functions that turn true counts into figures safe to publish.

The rules, each a guard against learning something about a few people:

1. Small cells: a count below 10 (0 included) is shown as "<10".
2. Rounding: every other count is rounded to the nearest multiple of 5 (never below 10), so a
   difference between two published figures does not reveal a change of one or two people.
3. Secondary suppression: a breakdown that adds up to a published total (languages, entry
   routes, transports, regions and weeks all add up to the conversations of the period) could
   give a hidden cell away as "total minus the other cells". For every such group we work out
   what a reader can derive from the published figures (each rounded figure is the true value
   within 2; "<10" is 0-9; a cell hidden here is at least 10 and at most the smallest figure
   still shown) and hide the smallest shown cells, one by one, until every "<10" cell could
   still be any of 0-9. When even hiding every cell is not enough, the total is hidden too.
4. One dimension only: no table crosses two breakdowns (no language x danger), and languages
   below 10 are merged into "other" (itself "<10" when small).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

THRESHOLD = 10
BASE = 5
SMALL = "<10"
HIDDEN = "x"  # hidden to protect a small cell in the same group
OTHER = "other"
INF = math.inf


def publish(value: int) -> str:
    """One figure on its own: "<10", or rounded to a multiple of 5."""
    if value < THRESHOLD:
        return SMALL
    return str(max(THRESHOLD, BASE * round(value / BASE)))


def bounds(text: str) -> tuple[float, float]:
    """What a reader knows of the true value behind a published figure (HIDDEN: see `known`)."""
    if text == SMALL:
        return 0, THRESHOLD - 1
    if text == HIDDEN:
        return THRESHOLD, INF
    value = int(text)
    return max(THRESHOLD, value - BASE // 2), value + BASE // 2


def known(shown: Mapping[str, str]) -> dict[str, tuple[float, float]]:
    """Bounds of every cell of a group; a hidden cell is at most the smallest cell still shown,
    because the smallest cells are hidden first."""
    ceiling = min((bounds(t)[1] for t in shown.values() if t not in (SMALL, HIDDEN)), default=INF)
    return {k: (THRESHOLD, ceiling) if t == HIDDEN else bounds(t) for k, t in shown.items()}


def safe(total: str, shown: Mapping[str, str]) -> bool:
    """Can every "<10" cell of a group that adds up to `total` still be any of 0-9?"""
    cells = known(shown)
    t_low, t_high = (THRESHOLD, INF) if total == HIDDEN else bounds(total)
    low_sum = sum(lo for lo, _ in cells.values())
    high_sum = sum(hi for _, hi in cells.values())
    for key, text in shown.items():
        if text != SMALL:
            continue
        lo, hi = cells[key]
        # the cell = total - the others; with box bounds this interval is exactly what follows
        least = t_low - (high_sum - hi)
        most = t_high - (low_sum - lo)
        if least > 0 or most < THRESHOLD - 1:
            return False
    return True


def protect_group(total: str, cells: Mapping[str, int]) -> dict[str, str] | None:
    """The published cells of a group adding up to a published `total`; None when no amount
    of hiding cells protects it (then the total must be hidden)."""
    shown = {k: publish(v) for k, v in cells.items()}
    while not safe(total, shown):
        visible = [k for k, t in shown.items() if t not in (SMALL, HIDDEN)]
        if not visible:
            return None
        shown[min(visible, key=lambda k: (cells[k], k))] = HIDDEN
    return shown


@dataclass(frozen=True)
class Protected:
    """A published total and the published groups that add up to it."""

    total: str
    groups: dict[str, dict[str, str]]


def protect(total: int, groups: Mapping[str, Mapping[str, int]]) -> Protected:
    """Publish a total with breakdowns that each add up to it (rule 3)."""
    shown_total = publish(total)
    done = {name: protect_group(shown_total, cells) for name, cells in groups.items()}
    if any(g is None for g in done.values()):
        shown_total = HIDDEN
        done = {name: protect_group(HIDDEN, cells) for name, cells in groups.items()}
    return Protected(shown_total, {k: v or {} for k, v in done.items()})


def merge_small(counts: Mapping[str, int]) -> dict[str, int]:
    """Categories below the threshold merged into "other" (always present, possibly 0)."""
    merged = {k: v for k, v in counts.items() if v >= THRESHOLD and k != OTHER}
    merged[OTHER] = sum(v for k, v in counts.items() if k not in merged)
    return merged
