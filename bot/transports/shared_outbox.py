"""The outbox of a bot served by several processes: the same pacing in each process, and one
send budget for all of them (coordination.py SendBudget; a Lua script in Redis), so that two
processes together still send at most 30 messages a second, one a second per chat, with the
reserve for acute-danger replies.

When the budget cannot be reached (Redis gone), a process paces by its own window alone: a
reply late by a 429 beats no reply.
"""

from __future__ import annotations

import asyncio
import heapq
import logging
from collections.abc import Callable, Hashable

from bot.metrics import Metrics
from bot.store.coordination import SendBudget
from bot.transports.outbox import Limits, Outbox, RetryPolicy, _Chat

log = logging.getLogger(__name__)


class SharedOutbox(Outbox):
    """An Outbox that also takes each send from the shared budget; `key` turns a chat into
    the HMAC key the budget sees."""

    def __init__(
        self,
        retry: RetryPolicy,
        budget: SendBudget,
        key: Callable[[Hashable], str],
        limits: Limits | None = None,
        metrics: Metrics | None = None,
        unclear: Callable[[BaseException], bool] = lambda _: False,
    ) -> None:
        super().__init__(retry, limits or Limits(), metrics, unclear=unclear)
        self.budget, self.key = budget, key
        self._granted: dict[Hashable, str] = {}  # chat -> its send in flight (one per chat)
        self._reports: set[asyncio.Task[None]] = set()

    async def _admitted(self, chat: Hashable, urgent: bool) -> bool:
        try:
            grant = await self.budget.take(self.key(chat), urgent)
        except Exception as exc:
            self.metrics.inc("outbox_budget_unreachable")
            log.warning("the shared send budget failed: %s", type(exc).__name__)
            return True
        if grant.wait <= 0:
            self._granted[chat] = grant.send
            return True
        self.metrics.inc("outbox_budget_waits")
        if grant.own:  # another process wrote to this chat just now: the chat waits, others go on
            self._defer(chat, grant.wait)
        else:  # the bot's window is full: asking again before it rolls on would only be told so
            await asyncio.sleep(grant.wait)
        return False

    def _finish(self, chat: Hashable, state: _Chat) -> None:
        send = self._granted.pop(chat, None)
        if send is not None:
            task = asyncio.create_task(self._report(chat, send))
            self._reports.add(task)
            task.add_done_callback(self._reports.discard)
        super()._finish(chat, state)

    async def _report(self, chat: Hashable, send: str) -> None:
        try:
            await self.budget.finished(self.key(chat), send)
        except Exception as exc:  # it counts as in flight a little longer: harmless
            log.warning("reporting a send to the budget failed: %s", type(exc).__name__)

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
