"""The outbox of a bot served by several processes: the same pacing in each process, and one
send budget for all of them (coordination.py SendBudget; a Lua script in Redis), so that two
processes together still send at most 30 messages a second, one a second per chat, with the
reserve for acute-danger replies.

When the budget cannot be reached (Redis gone), a process paces by its own window alone: a
reply late by a 429 beats no reply.
"""

from __future__ import annotations

import heapq
import logging
from collections.abc import Awaitable, Callable, Hashable

from bot.metrics import Metrics
from bot.transports.outbox import Limits, Monotonic, Outbox, RetryPolicy

log = logging.getLogger(__name__)
Take = Callable[[Hashable, bool], Awaitable[tuple[float, bool]]]


class SharedOutbox(Outbox):
    """An Outbox that also takes each send from the shared budget (`take(chat, urgent)`)."""

    def __init__(
        self,
        retry: RetryPolicy,
        take: Take,
        limits: Limits | None = None,
        metrics: Metrics | None = None,
        clock: Monotonic | None = None,
    ) -> None:
        super().__init__(retry, limits or Limits(), metrics, *([clock] if clock else []))
        self.take = take

    async def _admitted(self, chat: Hashable, urgent: bool) -> bool:
        try:
            wait, own = await self.take(chat, urgent)
        except Exception as exc:
            self.metrics.inc("outbox_budget_unreachable")
            log.warning("the shared send budget failed: %s", type(exc).__name__)
            return True
        if wait <= 0:
            return True
        self.metrics.inc("outbox_budget_waits")
        if own:  # another process wrote to this chat just now: the chat waits, others go on
            self._defer(chat, wait)
        else:
            await self._sleep(wait)
        return False

    def _defer(self, chat: Hashable, wait: float) -> None:
        """Move the chat from the ready heap to the waiting heap for `wait` seconds."""
        entry = next((e for e in self._ready if e[2] == chat), None)
        if entry is None:
            return
        self._ready.remove(entry)
        heapq.heapify(self._ready)
        seq, state = entry[1], self._chats[chat]
        state.next_ok = max(state.next_ok, self.clock() + wait)
        heapq.heappush(self._waiting, (state.next_ok, seq, chat))
