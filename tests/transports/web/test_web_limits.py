"""Rate limits and lanes of the web chat, on a clock the test moves."""

from __future__ import annotations

import asyncio

from bot.transports.web.limits import Lanes, RateLimits


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_conversation_gets_its_burst_then_its_rate() -> None:
    clock = Clock()
    limits = RateLimits(3, 1.0, 10, 1.0, clock)
    assert [limits.message("k") for _ in range(4)] == [True, True, True, False]
    assert limits.message("other"), "each conversation has its own bucket"
    clock.now += 1.0
    assert limits.message("k") and not limits.message("k")


def test_new_conversations_share_one_bucket() -> None:
    clock = Clock()
    limits = RateLimits(3, 1.0, 2, 0.5, clock)
    assert [limits.start() for _ in range(3)] == [True, True, False]
    clock.now += 2.0
    assert limits.start()


def test_idle_buckets_are_forgotten() -> None:
    clock = Clock()
    limits = RateLimits(3, 1.0, 2, 0.5, clock)
    limits.message("old")
    clock.now += 100
    limits.message("new")
    assert limits.forget_idle(50) == 1 and len(limits) == 1


async def test_a_text_that_may_mean_danger_does_not_wait() -> None:
    lanes = Lanes(1)
    order: list[str] = []
    release = asyncio.Event()

    async def ordinary(name: str) -> None:
        async with lanes.turn(lambda: False):
            order.append(name)
            await release.wait()

    async def danger() -> None:
        async with lanes.turn(lambda: True):
            order.append("danger")

    first = asyncio.ensure_future(ordinary("first"))
    await asyncio.sleep(0)
    second = asyncio.ensure_future(ordinary("second"))
    await asyncio.sleep(0)
    await danger()
    release.set()
    await asyncio.gather(first, second)
    assert order == ["first", "danger", "second"]
