"""Recording a turn's weekly figures for the runner, without ever holding up a reply."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

from bot.engine.model import Dialogue
from bot.engine.replies import Turn
from bot.engine.session import Session
from bot.figures.count import Counting
from bot.figures.names import REGIONS
from bot.figures.weeks import week_of
from bot.metrics import Metrics
from bot.store.base import Figures

log = logging.getLogger(__name__)


class Recorder:
    """Adds what a turn counts to this week's totals of its region."""

    def __init__(
        self,
        figures: Figures | None,
        metrics: Metrics,
        clock: Callable[[], dt.datetime],
    ) -> None:
        self.figures, self.metrics, self.clock = figures, metrics, clock
        self._counting: tuple[Dialogue, Counting] | None = None

    def counting(self, dialogue: Dialogue) -> Counting:
        """The counting for this dialogue, built again only when a reload replaced it."""
        if self._counting is None or self._counting[0] is not dialogue:
            self._counting = (dialogue, Counting(dialogue))
        return self._counting[1]

    async def add(self, region: str | None, names: tuple[str, ...]) -> None:
        """Count fixed names outside a turn (the relay's), in the region if it is one."""
        if self.figures is None:
            return
        try:
            where = region if region in REGIONS else "unknown"
            await self.figures.add(week_of(self.clock()), where, names)
        except Exception as exc:
            self.metrics.inc("figures_errors")
            log.error("recording figures failed: %s", type(exc).__name__)

    async def turn(
        self, platform: str, loaded: Session | None, turn: Turn, dialogue: Dialogue
    ) -> None:
        """Record; a failure is counted and logged by its type only (no text, no id)."""
        if self.figures is None:
            return
        try:
            counted = self.counting(dialogue).turn(platform, loaded, turn)
            if counted.names:
                await self.figures.add(week_of(self.clock()), counted.region, counted.names)
        except Exception as exc:
            self.metrics.inc("figures_errors")
            log.error("recording figures failed: %s", type(exc).__name__)
