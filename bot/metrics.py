"""Counters without identities: how many turns, danger screens, errors. Nothing per person."""

from __future__ import annotations

from collections import Counter


class Metrics:
    """Named counters. Labels are fixed words from the code, never user data."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()

    def inc(self, name: str, by: int = 1) -> None:
        """Add to a counter."""
        self.counts[name] += by

    def render(self) -> str:
        """Prometheus text format."""
        return "".join(f"vrede_{k}_total {v}\n" for k, v in sorted(self.counts.items()))
