"""One contract for the message trail, the update log and the sync state: memory, SQLite and
Redis behave the same."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.store.base import MessageTrail, OwnRoom, SyncState, UpdateLog
from bot.store.memory import MemorySyncState, MemoryTrail, MemoryUpdateLog
from bot.store.redis_conn import connect
from bot.store.redis_sync import RedisSyncState
from bot.store.redis_trail import RedisTrail, RedisUpdateLog
from bot.store.sqlite import SqliteStore
from bot.store.sync_sqlite import SqliteSyncState
from bot.store.trail_sqlite import SqliteTrail, SqliteUpdateLog

PORTS = ["memory", "sqlite", "redis"]


@pytest.fixture(params=PORTS)
async def trail(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[MessageTrail]:
    if request.param == "memory":
        yield MemoryTrail(window=100)
        return
    if request.param == "redis":
        redis = connect(request.getfixturevalue("redis_url"))
        yield RedisTrail(redis, window=100)
        await redis.aclose()
        return
    store = SqliteStore(tmp_path / "s.db")
    yield SqliteTrail(store, window=100)
    await store.close()


@pytest.fixture(params=PORTS)
async def updates(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[UpdateLog]:
    if request.param == "memory":
        yield MemoryUpdateLog(keep=100, limit=3)
        return
    if request.param == "redis":
        redis = connect(request.getfixturevalue("redis_url"))
        yield RedisUpdateLog(redis, keep=100, limit=3)
        await redis.aclose()
        return
    store = SqliteStore(tmp_path / "s.db")
    yield SqliteUpdateLog(store, keep=100, limit=3, prune_every=1)
    await store.close()


@pytest.fixture(params=PORTS)
async def sync(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[SyncState]:
    if request.param == "memory":
        yield MemorySyncState()
        return
    if request.param == "redis":
        redis = connect(request.getfixturevalue("redis_url"))
        yield RedisSyncState(redis)
        await redis.aclose()
        return
    store = SqliteStore(tmp_path / "s.db")
    yield SqliteSyncState(store)
    await store.close()


async def test_sync_token_is_kept_and_replaced(sync: SyncState) -> None:
    assert await sync.token() is None
    await sync.save_token("s1_2_3")
    await sync.save_token("s4_5_6")
    assert await sync.token() == "s4_5_6"


async def test_own_rooms_are_greeted_once_and_forgotten(sync: SyncState) -> None:
    assert await sync.room("k") is None
    await sync.add_room("k", "K3F9", "tr")
    assert await sync.room("k") == OwnRoom("K3F9", "tr", False)
    await sync.greeted("k")
    assert await sync.room("k") == OwnRoom(None, None, True), "code and language not kept"
    await sync.greeted("unknown")  # nothing to do, no error
    await sync.drop_room("k")
    assert await sync.room("k") is None


async def test_the_sqlite_sync_state_survives_a_restart(tmp_path: Path) -> None:
    first = SqliteStore(tmp_path / "s.db")
    await SqliteSyncState(first).save_token("t9")
    await SqliteSyncState(first).add_room("k", None, "ar")
    await first.close()
    second = SqliteStore(tmp_path / "s.db")
    again = SqliteSyncState(second)
    assert await again.token() == "t9" and await again.room("k") == OwnRoom(None, "ar", False)
    await second.close()


async def test_take_returns_ids_oldest_first_and_forgets_them(trail: MessageTrail) -> None:
    await trail.add("k", ["5", "6"], 1000)
    await trail.add("k", ["9"], 1010)
    await trail.add("other", ["5"], 1000)
    assert await trail.take("k", 1020) == ["5", "6", "9"]
    assert await trail.take("k", 1020) == [], "taking is also forgetting"
    assert await trail.take("other", 1020) == ["5"], "conversations are kept apart"


async def test_ids_past_the_delete_window_are_not_returned(trail: MessageTrail) -> None:
    await trail.add("k", ["1"], 1000)
    await trail.add("k", ["2"], 1050)
    assert await trail.take("k", 1100) == ["2"], "id 1 is exactly 100 s old: no longer deletable"


async def test_purge_drops_only_expired(trail: MessageTrail) -> None:
    await trail.add("a", ["1"], 1000)
    await trail.add("b", ["2"], 1050)
    assert await trail.purge(1100) == 1
    assert await trail.take("a", 1000) == []
    assert await trail.take("b", 1100) == ["2"]


async def test_forget_drops_some_ids(trail: MessageTrail) -> None:
    await trail.add("k", ["1", "2", "3"], 1000)
    await trail.forget("k", ["2"])
    assert await trail.take("k", 1001) == ["1", "3"]


async def test_update_log_remembers_done_ids(updates: UpdateLog) -> None:
    await updates.done("u1", 1000)
    assert await updates.seen(["u1", "u2"]) == {"u1"}
    assert await updates.seen([]) == set()


async def test_update_log_is_bounded_by_count(updates: UpdateLog) -> None:
    for n in range(6):
        await updates.done(f"u{n}", 1000 + n)
    assert await updates.count() == 3
    assert await updates.seen([f"u{n}" for n in range(6)]) == {"u3", "u4", "u5"}, "newest kept"


async def test_update_log_forgets_ids_older_than_telegram_keeps_updates(updates: UpdateLog) -> None:
    await updates.done("old", 1000)
    await updates.done("new", 1150)
    assert await updates.seen(["old", "new"]) == {"new"}
