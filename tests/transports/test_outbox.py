"""The outbox: per-chat order and pacing, a global rolling window, urgent first, retries."""

from __future__ import annotations

import asyncio
import itertools
import time

import pytest

from bot.metrics import Metrics
from bot.transports.outbox import Limits, Outbox


class Flaky(Exception):
    """A retryable error, like a 5xx."""


class Final(Exception):
    """An error that retrying cannot fix, like a 400."""


def retry(exc: BaseException, attempt: int) -> float | None:
    return 0.01 if isinstance(exc, Flaky) else None


class Wire:
    """Records what was sent and when, like a server would see it."""

    def __init__(self) -> None:
        self.sent: list[tuple[float, object, str]] = []

    def sender(self, chat: object, label: str):  # type: ignore[no-untyped-def]
        async def send() -> str:
            self.sent.append((time.monotonic(), chat, label))
            await asyncio.sleep(0.001)
            return label

        return send


async def test_urgent_jobs_overtake_a_queue_of_normal_ones() -> None:
    box, wire = Outbox(retry, Limits(per_window=1, window=0.02, chat_interval=0.0)), Wire()
    normal = [asyncio.create_task(box.send(n, wire.sender(n, "hello"))) for n in range(10)]
    await asyncio.sleep(0)
    urgent = asyncio.create_task(box.send("x", wire.sender("x", "danger"), urgent=True))
    await asyncio.gather(*normal, urgent)
    labels = [label for _, _, label in wire.sent]
    assert labels.index("danger") <= 1, "at most the send already started goes before it"
    await box.close()


async def test_one_chat_keeps_its_order_and_interval() -> None:
    box, wire = Outbox(retry, Limits(per_window=100, window=1.0, chat_interval=0.05)), Wire()
    results = await asyncio.gather(*(box.send(1, wire.sender(1, f"m{n}")) for n in range(4)))
    assert results == ["m0", "m1", "m2", "m3"]
    times = [t for t, _, _ in wire.sent]
    assert all(b - a >= 0.049 for a, b in itertools.pairwise(times))
    await box.close()


async def test_global_rolling_window_is_never_exceeded() -> None:
    limits = Limits(per_window=3, window=0.1, chat_interval=0.0)
    box, wire = Outbox(retry, limits), Wire()
    await asyncio.gather(*(box.send(n, wire.sender(n, "m")) for n in range(12)))
    times = [t for t, _, _ in wire.sent]
    for i, t in enumerate(times):
        assert sum(1 for u in times[i:] if u < t + 0.1 - 0.005) <= 3
    await box.close()


async def test_retryable_errors_are_retried_and_final_ones_raised() -> None:
    metrics = Metrics()
    box = Outbox(retry, Limits(chat_interval=0.0, attempts=4), metrics)
    calls = 0

    async def flaky_twice() -> str:
        nonlocal calls
        calls += 1
        if calls < 3:
            raise Flaky()
        return "ok"

    async def broken() -> str:
        raise Final()

    assert await box.send(1, flaky_twice) == "ok"
    with pytest.raises(Final):
        await box.send(1, broken)
    assert metrics.counts["outbox_retries"] == 2
    assert await box.call(flaky_twice) == "ok", "unpaced calls retry the same way"

    async def always_flaky() -> str:
        raise Flaky()

    with pytest.raises(Flaky):
        await box.send(2, always_flaky)
    assert box.pending() == 0
    await box.close()


async def test_ordinary_sends_leave_room_for_urgent_ones() -> None:
    limits = Limits(per_window=5, urgent_reserve=2, window=0.2, chat_interval=0.0)
    box, wire = Outbox(retry, limits), Wire()
    normal = [asyncio.ensure_future(box.send(n, wire.sender(n, "hello"))) for n in range(10)]
    await asyncio.sleep(0.05)
    assert len(wire.sent) == 3, "two of five slots stay free for acute danger"
    await box.send(99, wire.sender(99, "danger"), urgent=True)
    assert len(wire.sent) == 4 and wire.sent[-1][2] == "danger", "sent at once, in the reserve"
    await asyncio.gather(*normal)
    await box.close()
