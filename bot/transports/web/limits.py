"""Rate limits in memory only: token buckets per conversation key (an HMAC, never the token or
an address) and one for new conversations, plus the lanes that let a text that may mean danger
pass ordinary turns that wait."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable

Clock = Callable[[], float]
MAX_KEYS = 100_000  # buckets kept; the oldest go first (a full bucket again by then anyway)


class Bucket:
    """`burst` actions at once, then `per_second` on average."""

    __slots__ = ("level", "stamp")

    def __init__(self, burst: int, now: float) -> None:
        self.level, self.stamp = float(burst), now

    def take(self, burst: int, per_second: float, now: float) -> bool:
        """One action if the bucket allows it now."""
        self.level = min(float(burst), self.level + (now - self.stamp) * per_second)
        self.stamp = now
        if self.level < 1.0:
            return False
        self.level -= 1.0
        return True


class RateLimits:
    """A bucket per conversation key and one for all new conversations together."""

    def __init__(
        self,
        burst: int,
        per_second: float,
        starts_burst: int,
        starts_per_second: float,
        clock: Clock = time.monotonic,
    ) -> None:
        self.burst, self.per_second = burst, per_second
        self.starts_burst, self.starts_per_second = starts_burst, starts_per_second
        self.clock = clock
        self._starts = Bucket(starts_burst, clock())
        self._buckets: OrderedDict[str, Bucket] = OrderedDict()

    def start(self) -> bool:
        """May a new conversation begin now?"""
        return self._starts.take(self.starts_burst, self.starts_per_second, self.clock())

    def message(self, key: str) -> bool:
        """May this conversation send a message now?"""
        now = self.clock()
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = Bucket(self.burst, now)
            if len(self._buckets) > MAX_KEYS:
                self._buckets.popitem(last=False)
        self._buckets.move_to_end(key)
        return bucket.take(self.burst, self.per_second, now)

    def forget(self, key: str) -> None:
        """Drop a conversation's bucket (erased)."""
        self._buckets.pop(key, None)

    def forget_idle(self, seconds: float) -> int:
        """Drop buckets unused for `seconds` (they would be full again)."""
        limit, dropped = self.clock() - seconds, 0
        while self._buckets:
            key, bucket = next(iter(self._buckets.items()))
            if bucket.stamp > limit:
                break
            del self._buckets[key]
            dropped += 1
        return dropped

    def __len__(self) -> int:
        return len(self._buckets)


class Lanes:
    """At most `at_once` ordinary turns run together; urgent ones never wait for them."""

    def __init__(self, at_once: int) -> None:
        self._ordinary = asyncio.Semaphore(at_once)

    @contextlib.asynccontextmanager
    async def turn(self, urgent: Callable[[], bool]) -> AsyncIterator[None]:
        """Hold a place for one turn. `urgent` is asked only when turns are waiting (reading
        a text for danger twice costs time): one that may mean danger goes ahead."""
        if self._ordinary.locked() and urgent():
            yield
            return
        async with self._ordinary:
            yield
