"""The outbox: paces messages within a platform's limits, retries, and sends urgent ones first.

Theory of operation. Every chat has a FIFO of jobs; a chat is in exactly one of three states:
idle (nothing queued), scheduled (in the `ready` heap, or in the `waiting` heap until its
per-chat interval has passed) or busy (one of its jobs is being sent). One scheduler task picks
the best ready chat (urgent head job first, then oldest) whenever the global rolling window
has room, and starts its head job. A job that fails with a retryable error goes back to the
head of its chat's queue with a delay, so a retry waits for a global slot like any other send.

At most twice: a send that failed in a way that leaves open whether the platform carried it
out (a timeout, a connection lost after the request went out: `unclear`) is tried again once;
after a second unclear failure the job ends with MaybeSent instead of risking a third copy.
A "too many requests" answer (429) is the platform asking to wait, not a failure: it is waited
out and never counts towards `attempts`.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from bot.metrics import Metrics

T = TypeVar("T")
log = logging.getLogger(__name__)
# seconds to wait before the next attempt, or None when the error is final
RetryPolicy = Callable[[BaseException, int], float | None]
Monotonic = Callable[[], float]


class MaybeSent(Exception):
    """The platform may have carried out the send, after two unclear failures: not sent again."""


@dataclass(frozen=True)
class Limits:
    """Sending limits. The margins keep clock jitter from ever touching the platform's limit."""

    per_window: int = 30
    urgent_reserve: int = 2  # slots per window only acute-danger replies may use
    window: float = 1.01
    chat_interval: float = 1.01
    attempts: int = 6


@dataclass
class _Job:
    chat: Hashable
    make: Callable[[], Awaitable[Any]]
    urgent: bool
    seq: int
    future: asyncio.Future[Any]
    attempt: int = 0
    unclear: int = 0  # failures after which the platform may have carried out the send


@dataclass
class _Chat:
    jobs: deque[_Job] = field(default_factory=deque)
    next_ok: float = 0.0
    busy: bool = False
    scheduled: bool = False


class Window:
    """The global rolling window of one process: sends that finished in the last `window`
    seconds, and those in flight (they count until they finish). Ordinary sends leave
    `urgent_reserve` slots free, so that an acute-danger reply never waits for the window to
    roll over in a rush of greetings. (Several processes: shared_outbox.py adds their budget.)"""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.sent: deque[float] = deque()  # when recent sends finished
        self.in_flight = 0

    def wait(self, now: float, urgent: bool) -> float | None:
        """Seconds until the window has room; None: until a send finishes."""
        while self.sent and self.sent[0] <= now - self.limits.window:
            self.sent.popleft()
        reserve = 0 if urgent else min(self.limits.urgent_reserve, self.limits.per_window - 1)
        if len(self.sent) + self.in_flight < self.limits.per_window - reserve:
            return 0.0
        return self.sent[0] + self.limits.window - now if self.sent else None

    def finished(self, at: float) -> None:
        """A send in flight is done (or failed): it counts from `at`."""
        self.in_flight -= 1
        self.sent.append(at)


class Outbox:
    """Sends in order per chat, within a global rolling window, urgent jobs first."""

    def __init__(
        self,
        retry: RetryPolicy,
        limits: Limits = Limits(),
        metrics: Metrics | None = None,
        clock: Monotonic = time.monotonic,
        unclear: Callable[[BaseException], bool] = lambda _: False,
    ) -> None:
        self.retry, self.limits, self.clock, self.unclear = retry, limits, clock, unclear
        self.metrics = metrics or Metrics()
        self.metrics.gauge("outbox_pending", self.pending)
        self._chats: dict[Hashable, _Chat] = {}
        # Heap entries end in the chat; the job's unique seq before it means chats never compare.
        self._ready: list[tuple[int, int, Hashable]] = []  # (0 urgent / 1 normal, seq, chat)
        self._waiting: list[tuple[float, int, Hashable]] = []  # (next_ok, seq, chat)
        self._starts = 0
        self._window = Window(limits)
        self._seq = itertools.count()
        self._wake = asyncio.Event()
        self._tasks: set[asyncio.Task[None]] = set()
        self._loop: asyncio.Task[None] | None = None

    # ----------------------------------------------------------------- public
    async def send(
        self, chat: Hashable, make: Callable[[], Awaitable[T]], urgent: bool = False
    ) -> T:
        """Queue a paced message for `chat`; returns what `make()` returned once it succeeded."""
        self._ensure_running()
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        job = _Job(chat, make, urgent, next(self._seq), future)
        state = self._chats.setdefault(chat, _Chat())
        state.jobs.append(job)
        self._schedule(chat, state)
        return await future

    async def call(self, make: Callable[[], Awaitable[T]]) -> T:
        """Run an unpaced call (a deletion, an acknowledgement) with the same retries."""
        attempt = 0
        while True:
            try:
                return await make()
            except Exception as exc:
                delay = self._retry_delay(exc, attempt)
                if delay is None:
                    raise
                attempt += 1
                await asyncio.sleep(delay)

    def pending(self) -> int:
        """Jobs queued or being sent."""
        return sum(len(c.jobs) + c.busy for c in self._chats.values())

    async def close(self) -> None:
        """Stop the scheduler; queued jobs fail with CancelledError."""
        if self._loop is not None:
            self._loop.cancel()
            await asyncio.gather(self._loop, return_exceptions=True)
            self._loop = None
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        for state in self._chats.values():
            for job in state.jobs:
                job.future.cancel()
        self._chats.clear()

    # ----------------------------------------------------------------- scheduling
    def _ensure_running(self) -> None:
        if self._loop is None or self._loop.done():
            self._loop = asyncio.create_task(self._run(), name="outbox")

    def _schedule(self, chat: Hashable, state: _Chat) -> None:
        """Put an idle chat with queued jobs into the ready or waiting heap."""
        if state.busy or state.scheduled or not state.jobs:
            return
        state.scheduled = True
        head = state.jobs[0]
        if state.next_ok <= self.clock():
            heapq.heappush(self._ready, (0 if head.urgent else 1, head.seq, chat))
        else:
            heapq.heappush(self._waiting, (state.next_ok, head.seq, chat))
        self._wake.set()

    def _promote(self, now: float) -> None:
        """Move chats whose per-chat interval has passed from waiting to ready."""
        while self._waiting and self._waiting[0][0] <= now:
            _, seq, chat = heapq.heappop(self._waiting)
            head = self._chats[chat].jobs[0]
            heapq.heappush(self._ready, (0 if head.urgent else 1, seq, chat))

    async def _run(self) -> None:
        while True:
            self._wake.clear()
            now = self.clock()
            self._promote(now)
            if not self._ready:
                await self._sleep(self._waiting[0][0] - now if self._waiting else None)
                continue
            wait = self._window.wait(now, urgent=self._ready[0][0] == 0)
            if wait is None or wait > 0:
                await self._sleep(wait)
                continue
            chat, urgent = self._ready[0][2], self._ready[0][0] == 0
            if await self._admitted(chat, urgent) and self._ready and self._ready[0][2] == chat:
                self._start(heapq.heappop(self._ready)[2], self.clock())

    async def _admitted(self, chat: Hashable, urgent: bool) -> bool:
        """A last gate before a send starts (shared_outbox.py: the budget of all processes)."""
        return True

    async def _sleep(self, timeout: float | None) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), timeout)

    def _start(self, chat: Hashable, now: float) -> None:
        state = self._chats[chat]
        job = state.jobs.popleft()
        state.scheduled, state.busy = False, True
        self._window.in_flight += 1
        task = asyncio.create_task(self._deliver(job, state))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        self._starts += 1
        if self._starts % 1000 == 0:
            self._sweep(now)

    def _sweep(self, now: float) -> None:
        """Forget idle chats whose interval has passed, so the table does not grow forever."""
        idle = [c for c, s in self._chats.items() if not (s.jobs or s.busy) and s.next_ok <= now]
        for chat in idle:
            del self._chats[chat]

    async def _deliver(self, job: _Job, state: _Chat) -> None:
        try:
            if job.future.cancelled():  # its turn was given up: a late copy would be a double
                return
            result = await job.make()
        except asyncio.CancelledError:
            job.future.cancel()
            raise
        except Exception as exc:
            self._failed(job, state, exc)
        else:
            if not job.future.done():
                job.future.set_result(result)
        finally:
            done = self.clock()
            self._window.finished(done)
            state.busy = False
            state.next_ok = max(state.next_ok, done + self.limits.chat_interval)
            self._finish(job.chat, state)

    def _failed(self, job: _Job, state: _Chat, exc: Exception) -> None:
        if job.future.done():  # nobody waits for it any more: not retried
            return
        job.unclear += self.unclear(exc)
        if job.unclear >= 2:  # a third copy is worse than none: at most twice
            self.metrics.inc("outbox_maybe_sent")
            return job.future.set_exception(MaybeSent(type(exc).__name__))
        delay = self._retry_delay(exc, job.attempt)
        if delay is None:
            return job.future.set_exception(exc)
        if getattr(exc, "retry_after", None) is None:  # a 429 asks to wait: not an attempt
            job.attempt += 1
        state.next_ok = max(state.next_ok, self.clock() + delay)
        state.jobs.appendleft(job)

    def _retry_delay(self, exc: BaseException, attempt: int) -> float | None:
        waited_out = getattr(exc, "retry_after", None) is not None  # 429: always waited out
        last = attempt + 1 >= self.limits.attempts and not waited_out
        delay = None if last else self.retry(exc, attempt)
        self.metrics.inc("outbox_retries" if delay is not None else "outbox_failures")
        if waited_out:  # the platform said: too many (429)
            self.metrics.inc("outbox_rate_limited")
        log.info(
            "send failed: %s, attempt %d, %s",
            type(exc).__name__,
            attempt + 1,
            "retrying" if delay is not None else "giving up",
        )
        return delay

    def _finish(self, chat: Hashable, state: _Chat) -> None:
        # An idle chat keeps its state (and so its pacing) until _sweep drops it.
        self._schedule(chat, state)
        self._wake.set()
