"""The coordination ports against a real Redis: the lease, the shared send budget and the
queues per conversation (mailroom's pattern) that let two processes serve one bot."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from bot.store.keys import QUEUE, Keyer
from bot.store.redis_conn import connect
from bot.store.redis_queue import QUEUE_TTL, RedisTurnQueue
from bot.store.redis_shared import RedisBudget, RedisLease
from bot.store.sealing import Sealer

KEY = b"the-queue-secret-0123456789"


@pytest.fixture
async def redis(redis_url: str) -> AsyncIterator[Redis]:
    client = connect(redis_url)
    yield client
    await client.aclose()


async def test_a_lease_has_one_owner_until_it_runs_out(redis: Redis) -> None:
    lease = RedisLease(redis)
    assert await lease.acquire("poll", "a", 0.3)
    assert not await lease.acquire("poll", "b", 0.3), "taken"
    assert await lease.acquire("poll", "a", 0.3), "the owner may take it again"
    assert await lease.renew("poll", "a", 0.3) and not await lease.renew("poll", "b", 0.3)
    await asyncio.sleep(0.4)  # a owner that died renews no more
    assert await lease.acquire("poll", "b", 0.3), "taken over once it ran out"
    assert not await lease.renew("poll", "a", 0.3), "the old owner learns it lost it"
    await lease.release("poll", "a")  # not a's: nothing happens
    assert not await lease.acquire("poll", "a", 0.3)
    await lease.release("poll", "b")
    assert await lease.acquire("poll", "a", 0.3), "free after a clean release"


async def test_the_budget_keeps_a_reserve_for_danger_and_one_send_a_second_per_chat(
    redis: Redis,
) -> None:
    one = RedisBudget(redis, per_window=5, reserve=2)
    two = RedisBudget(redis, per_window=5, reserve=2)
    grants = [await (one if n % 2 else two).take(f"chat{n}", urgent=False) for n in range(4)]
    assert [g.wait for g in grants[:3]] == [0, 0, 0], "two processes share one window"
    assert all(g.send for g in grants[:3])
    assert grants[3].wait > 0 and not grants[3].own, "ordinary sends leave the reserve free"
    assert (await one.take("danger1", urgent=True)).wait == 0
    assert (await two.take("danger2", urgent=True)).wait == 0
    full = await one.take("danger3", urgent=True)
    assert 0 < full.wait <= 0.05, "the window is full of sends in flight: ask again soon"
    held = await two.take("calm", urgent=False)
    assert held.wait > 0 and not held.own, "a danger reply waiting holds every ordinary send"
    chat = await two.take("chat0", urgent=True)
    assert chat.own and 0 < chat.wait <= 1.01, "a chat waits its own second first"
    for n, grant in enumerate(grants[:3]):
        await (one if n % 2 else two).finished(f"chat{n}", grant.send)
    later = await one.take("danger3", urgent=True)
    assert 0.9 < later.wait <= 1.01, "finished sends count from when they finished"


async def test_a_conversation_is_drained_in_order_by_one_worker(redis: Redis) -> None:
    queue = RedisTurnQueue(redis, Sealer(KEY, info=QUEUE), lock_ttl=0.5)
    for n in range(3):
        await queue.push("conv", f"update {n}".encode(), urgent=False)
    assert await queue.claim("w1") == "conv"
    assert await queue.claim("w2") is None, "locked: the other worker leaves it to w1"
    got = []
    while (item := await queue.head("conv")) is not None:
        got.append(item.decode())
        assert await queue.ack("conv", "w1")
    assert got == ["update 0", "update 1", "update 2"]
    await queue.push("conv", b"late", urgent=False)  # while w1 still holds the lock
    await queue.release("conv", "w1")
    assert await queue.claim("w2") == "conv", "an update pushed meanwhile is not stranded"


async def test_a_dead_workers_conversation_is_taken_over_with_its_update(redis: Redis) -> None:
    queue = RedisTurnQueue(redis, Sealer(KEY, info=QUEUE), lock_ttl=0.3)
    await queue.push("conv", b"first", urgent=False)
    assert await queue.claim("dead") == "conv"
    assert await queue.head("conv") == b"first"  # ...and then w1 is killed
    assert await queue.claim("w2") is None
    await asyncio.sleep(0.4)
    assert await queue.claim("w2") == "conv"
    assert await queue.head("conv") == b"first", "nothing lost"
    assert not await queue.ack("conv", "dead"), "the dead worker's lock is gone"


async def test_urgent_conversations_are_claimed_first(redis: Redis) -> None:
    queue = RedisTurnQueue(redis, Sealer(KEY, info=QUEUE))
    await queue.push("calm", b"hallo", urgent=False)
    await queue.push("danger", b"hij heeft een mes", urgent=True)
    assert await queue.claim("w") == "danger"
    assert await queue.claim("w") == "calm"


async def test_queued_updates_are_sealed_for_their_conversation_and_expire(redis: Redis) -> None:
    queue = RedisTurnQueue(redis, Keyer(KEY).queue_sealer)
    await queue.push("conv", b"mijn naam is Fatima, 0612345678", urgent=False)
    dump = b"".join([await redis.dump(k) or b"" for k in await redis.keys("*")])
    assert b"Fatima" not in dump and b"0612345678" not in dump
    assert 0 < await redis.ttl("vrede:q:conv") <= QUEUE_TTL
    sealed = await redis.lindex("vrede:q:conv", 0)
    await redis.rpush("vrede:q:moved", sealed)
    assert await queue.head("moved") == b"", "moved to another conversation's queue: refused"
    other = RedisTurnQueue(redis, Keyer(b"another-secret-0123456789").queue_sealer)
    assert await other.head("conv") == b"", "another secret opens nothing (dropped, counted)"
    inbox = RedisTurnQueue(redis, Sealer(KEY))  # the inbox's key: one key per purpose
    assert await inbox.head("conv") == b""
    rotated = Keyer(b"another-secret-0123456789", previous=KEY).queue_sealer
    assert await RedisTurnQueue(redis, rotated).head("conv") == b"mijn naam is Fatima, 0612345678"
