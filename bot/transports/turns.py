"""Turns across processes: each worker drains the conversation queues it can lock (the
coordination port TurnQueue; mailroom's pattern), so a conversation's updates are answered in
the order they came, one at a time, by whichever process is free, and a conversation whose
worker died is taken over once its lock runs out.

Used only when several processes serve one bot (VREDE_REDIS_URL); one process keeps its
updates in memory (telegram/intake.py) and needs none of this.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import Awaitable, Callable

from bot.metrics import Metrics
from bot.store.coordination import TurnQueue
from bot.transports.retry import backoff

log = logging.getLogger(__name__)
Handle = Callable[[bytes], Awaitable[None]]
RENEW_EVERY = 1.0  # seconds; the locks live 5 s, so a live worker never loses one
WAIT = 0.5  # seconds a dispatcher blocks on the bell before it looks again anyway
BUSY_WAIT = 0.02  # seconds between looks for acute-danger conversations while all are busy


class Turns:
    """A dispatcher that claims conversations while it has a free worker, and the drains."""

    def __init__(
        self, queue: TurnQueue, handle: Handle, metrics: Metrics, workers: int = 64
    ) -> None:
        self.queue, self.handle, self.metrics = queue, handle, metrics
        self.owner = secrets.token_hex(8)  # names this process in locks; nothing else
        self._slots = asyncio.Semaphore(workers)
        self._held: set[str] = set()
        self._freed = asyncio.Event()
        self._drains: set[asyncio.Task[None]] = set()
        self._loops: list[asyncio.Task[None]] = []
        # A flag as well as cancel(): in Python 3.11 asyncio.wait_for, and code that uses it
        # (redis-py's blocking calls, say), can swallow a cancellation that arrives just as
        # the wait completes, and a `while True` loop would then never end.
        self._stopping = False

    async def push(self, items: list[tuple[str, bytes, bool]]) -> None:
        """Queue updates (key, item, urgent) for their conversations, in order, in one round
        trip (raises when Redis cannot be reached)."""
        await self.queue.push_many(items)

    def start(self) -> None:
        """Begin claiming and draining."""
        self._loops = [
            asyncio.create_task(self._dispatch(), name="turns-dispatch"),
            asyncio.create_task(self._renew(), name="turns-renew"),
        ]

    async def _dispatch(self) -> None:
        """Claim while a worker is free; when none is, claim only acute-danger conversations
        (they never wait for a turn, as in one process: telegram/intake.py)."""
        failures = 0
        while not self._stopping:
            free = not self._slots.locked()
            try:
                key = await self.queue.claim(self.owner, urgent_only=not free)
                failures = 0
            except Exception as exc:  # Redis gone: try again, more slowly
                failures += 1
                self.metrics.inc("turns_store_errors")
                log.warning("claiming a conversation failed: %s", type(exc).__name__)
                await asyncio.sleep(backoff(failures))
                continue
            if key is None:
                await self._wait(free)
                continue
            if free:
                await self._slots.acquire()  # only this task acquires: never waits
            self._held.add(key)
            task = asyncio.create_task(self._drain(key, free))
            self._drains.add(task)
            task.add_done_callback(self._drains.discard)

    async def _wait(self, free: bool) -> None:
        """Until a push rings the bell; while every worker is busy, also until one is free."""
        if not free:
            self._freed.clear()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(BUSY_WAIT):
                    await self._freed.wait()
            return
        try:
            await self.queue.wait(WAIT)
        except Exception:  # the dispatcher's next claim reports it
            await asyncio.sleep(WAIT)

    async def _drain(self, key: str, slot: bool) -> None:
        """Handle the conversation's updates in order until its queue is empty."""
        try:
            while True:
                item = await self.queue.head(key)
                if item is None:
                    return
                if item:
                    await self.handle(item)
                else:  # sealed under a secret no longer known: cannot be read, drop it
                    self.metrics.inc("turns_unreadable")
                if not await self.queue.ack(key, self.owner):
                    self.metrics.inc("turns_lock_lost")  # it ran out: another worker has it
                    return
        except Exception as exc:  # Redis gone mid-drain: the update stays queued
            self.metrics.inc("turns_store_errors")
            log.warning("draining a conversation failed: %s", type(exc).__name__)
        finally:
            self._held.discard(key)
            if slot:
                self._slots.release()
                self._freed.set()
            try:
                await self.queue.release(key, self.owner)
            except Exception as exc:  # the lock runs out by itself
                log.warning("releasing a conversation failed: %s", type(exc).__name__)

    async def _renew(self) -> None:
        while not self._stopping:
            await asyncio.sleep(RENEW_EVERY)
            try:
                await self.queue.renew(sorted(self._held), self.owner)
            except Exception as exc:
                log.warning("renewing conversation locks failed: %s", type(exc).__name__)

    def busy(self) -> int:
        """Conversations being drained here now."""
        return len(self._drains)

    async def stop(self, drain: float = 10.0) -> None:
        """Claim nothing more; let drains finish for up to `drain` seconds, cancel the rest
        (their updates stay queued for another worker)."""
        self._stopping = True
        for task in self._loops:
            task.cancel()
        await asyncio.gather(*self._loops, return_exceptions=True)
        if self._drains:
            _, late = await asyncio.wait(set(self._drains), timeout=drain)
            for task in late:
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)
