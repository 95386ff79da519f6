"""One contract for the inbox of confirmed, unanswered updates (memory, SQLite and Redis), and
the seal that keeps their text and chat id unreadable on disk."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.store.base import Pending, PendingUpdates
from bot.store.keys import Keyer
from bot.store.memory import MemoryPending
from bot.store.pending_sqlite import SqlitePending
from bot.store.redis_conn import connect
from bot.store.redis_pending import RedisPending
from bot.store.sealing import Sealer, Unreadable
from bot.store.sqlite import SqliteStore

T = 60_000  # a whole minute: stored times are whole minutes


def item(n: int, key: str = "k") -> Pending:
    return Pending(f"tg:{n}", n, key, b"sealed-%d" % n)


@pytest.fixture(params=["memory", "sqlite", "redis"])
async def pending(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[PendingUpdates]:
    if request.param == "memory":
        yield MemoryPending(ttl=600)
        return
    if request.param == "redis":
        redis = connect(request.getfixturevalue("redis_url"))
        yield RedisPending(redis, ttl=600)
        await redis.aclose()
        return
    store = SqliteStore(tmp_path / "s.db")
    yield SqlitePending(store, ttl=600)
    await store.close()


async def test_kept_until_done(pending: PendingUpdates) -> None:
    await pending.put(item(1), T)
    assert await pending.get("tg:1") == item(1)
    await pending.done("tg:1")
    assert await pending.get("tg:1") is None
    await pending.done("tg:1")  # twice: no error
    assert await pending.count() == 0


async def test_a_second_put_changes_nothing(pending: PendingUpdates) -> None:
    await pending.put(item(1), T)
    await pending.put(Pending("tg:1", 1, "k", b"other"), T + 60)
    assert (await pending.get("tg:1")) == item(1)
    assert await pending.count() == 1


async def test_pages_in_platform_order(pending: PendingUpdates) -> None:
    for n in (5, 3, 9, 7):
        await pending.put(item(n), T)
    assert [p.seq for p in await pending.page(0, 2)] == [3, 5]
    assert [p.seq for p in await pending.page(5, 10)] == [7, 9]
    assert await pending.page(9, 10) == []


async def test_dropped_unread_after_the_ttl_to_the_minute(pending: PendingUpdates) -> None:
    await pending.put(item(1), T + 59)  # kept as T: a stored time says no more than a minute
    await pending.put(item(2), T + 60)
    assert await pending.purge(T + 599) == 0
    assert await pending.purge(T + 600) == 1, "gone at T + TTL: never later than promised"
    assert [p.seq for p in await pending.page(0, 10)] == [2]


async def test_sqlite_keeps_pending_updates_across_a_restart(tmp_path: Path) -> None:
    first = SqliteStore(tmp_path / "s.db")
    await SqlitePending(first).put(item(4), T)
    await first.close()
    second = SqliteStore(tmp_path / "s.db")
    assert await SqlitePending(second).get("tg:4") == item(4)
    await second.close()


def test_the_seal_opens_only_with_the_secret_and_for_its_own_row() -> None:
    sealer = Sealer(b"the-secret-0123456789")
    sealed = sealer.seal("tg:1", b'{"text": "hij slaat me"}')
    assert b"slaat" not in sealed
    assert sealer.open("tg:1", sealed) == b'{"text": "hij slaat me"}'
    assert sealer.seal("tg:1", b"x") != sealer.seal("tg:1", b"x"), "a fresh nonce every time"
    with pytest.raises(Unreadable):
        sealer.open("tg:2", sealed)  # moved to another row
    with pytest.raises(Unreadable):
        Sealer(b"another-secret-0123456789").open("tg:1", sealed)


def test_after_a_change_of_secret_the_old_one_still_opens_what_it_sealed() -> None:
    old = Keyer(b"old-secret-0123456789").sealer.seal("tg:1", b"data")
    keyer = Keyer(b"new-secret-0123456789", previous=b"old-secret-0123456789")
    assert keyer.sealer.open("tg:1", old) == b"data"
    assert Keyer(b"new-secret-0123456789").sealer.seal("tg:1", b"d") != old
