"""One leader among processes (transports/leader.py): on a real Redis lease, and with a store
that cannot be reached."""

from __future__ import annotations

import asyncio

from bot.metrics import Metrics
from bot.store.redis_conn import connect
from bot.store.redis_shared import RedisLease
from bot.transports.leader import Leader


class Role:
    """Records whether its process leads."""

    def __init__(self) -> None:
        self.leading = False

    async def lead(self) -> None:
        self.leading = True

    async def step_down(self) -> None:
        self.leading = False


class Gone:
    """A lease whose store cannot be reached."""

    async def acquire(self, name: str, owner: str, ttl: float) -> bool:
        raise ConnectionError("redis is gone")

    async def renew(self, name: str, owner: str, ttl: float) -> bool:
        raise ConnectionError("redis is gone")

    async def release(self, name: str, owner: str) -> None:
        raise ConnectionError("redis is gone")


async def test_one_leads_and_the_other_takes_over_when_it_stops(redis_url: str) -> None:
    redis = connect(redis_url)
    roles = [Role(), Role()]
    leaders = [
        Leader(RedisLease(redis), "poll", r.lead, r.step_down, Metrics(), ttl=0.6, retry=0.1)
        for r in roles
    ]
    for leader in leaders:
        leader.start()
    await asyncio.sleep(0.5)
    assert [r.leading for r in roles].count(True) == 1, "exactly one"
    first = next(n for n, r in enumerate(roles) if r.leading)
    await leaders[first].stop()
    await asyncio.sleep(0.4)
    assert roles[1 - first].leading, "the other took over"
    await leaders[1 - first].stop()
    await redis.aclose()


async def test_without_its_store_a_standby_leads_only_where_that_is_safe() -> None:
    telegram, matrix = Role(), Role()
    polls = Leader(Gone(), "poll", telegram.lead, telegram.step_down, Metrics(), retry=0.05, orphaned=0.2)  # fmt: skip
    syncs = Leader(Gone(), "sync", matrix.lead, matrix.step_down, Metrics(), retry=0.05)
    polls.start()
    syncs.start()
    await asyncio.sleep(0.5)
    assert telegram.leading, "polling without the lease beats nobody answering"
    assert not matrix.leading, "two processes must never write one Matrix device's keys"
    await polls.stop()
    await syncs.stop()
