"""One contract for every SessionStore implementation: memory, SQLite and Redis behave the same."""

from __future__ import annotations

import os
import stat
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.engine.session import Session
from bot.store.base import SessionStore
from bot.store.keys import Keyer, load_secret
from bot.store.memory import MemoryStore
from bot.store.redis_conn import connect
from bot.store.redis_sessions import RedisStore
from bot.store.sqlite import SqliteStore

T = 60_000  # a whole minute: stored times are whole minutes
S = Session("home", "tr", "v1", T, T, entry_code="K3F9")


@pytest.fixture(params=["memory", "sqlite", "redis"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[SessionStore]:
    s: SessionStore
    if request.param == "redis":
        s = RedisStore(connect(request.getfixturevalue("redis_url")), ttl=60)
    elif request.param == "sqlite":
        s = SqliteStore(tmp_path / "s.db", ttl=60)
    else:
        s = MemoryStore(ttl=60)
    yield s
    await s.close()


async def test_save_and_load(store: SessionStore) -> None:
    await store.save("k1", S, T)
    assert await store.load("k1", T + 1) == S
    assert await store.load("other", T + 1) is None


async def test_replace(store: SessionStore) -> None:
    await store.save("k1", S, T)
    await store.save("k1", S.at("help", T + 10), T + 10)
    loaded = await store.load("k1", T + 11)
    assert loaded is not None and loaded.node == "help"
    assert await store.count() == 1


async def test_expires_after_inactivity(store: SessionStore) -> None:
    await store.save("k1", S, T)
    assert await store.load("k1", T + 59) is not None
    assert await store.load("k1", T + 60) is None, "gone exactly at the TTL"


async def test_times_are_stored_to_the_minute_and_never_outlive_the_ttl(
    store: SessionStore,
) -> None:
    await store.save("k1", S.touch(T + 59), T + 59)
    loaded = await store.load("k1", T + 59)
    assert loaded is not None and loaded.updated == T, "last activity kept to the minute"
    assert await store.load("k1", T + 60) is None, "rounded down: gone no later than the TTL"


async def test_purge_removes_only_expired(store: SessionStore) -> None:
    await store.save("old", S, T)
    await store.save("new", S, T + 60)
    assert await store.purge(T + 70) == 1
    assert await store.count() == 1
    assert await store.load("new", T + 70) is not None


async def test_delete(store: SessionStore) -> None:
    await store.save("k1", S, T)
    await store.delete("k1")
    await store.delete("never-there")
    assert await store.load("k1", T + 1) is None


async def test_sqlite_file_is_private_and_secure_delete_is_on(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "s.db")
    assert stat.S_IMODE(os.stat(tmp_path / "s.db").st_mode) == 0o600
    assert store.db.execute("PRAGMA secure_delete").fetchone()[0] == 1
    await store.close()


async def test_sqlite_survives_reopen(tmp_path: Path) -> None:
    first = SqliteStore(tmp_path / "s.db", ttl=60)
    await first.save("k", S, T)
    await first.close()
    second = SqliteStore(tmp_path / "s.db", ttl=60)
    assert await second.load("k", T + 1) == S
    await second.close()


def test_keys_are_hmacs_not_ids(tmp_path: Path) -> None:
    keyer = Keyer(load_secret(None, tmp_path))
    key = keyer.key("telegram", 123456789)
    assert "123456789" not in key and len(key) == 32
    assert keyer.key("telegram", 123456789) == key
    assert keyer.key("matrix", 123456789) != key
    assert Keyer(b"another-secret-123").key("telegram", 123456789) != key


def test_generated_secret_is_private_and_stable(tmp_path: Path) -> None:
    first = load_secret(None, tmp_path)
    assert stat.S_IMODE(os.stat(tmp_path / "secret").st_mode) == 0o600
    assert load_secret(None, tmp_path) == first
    assert load_secret("from-the-environment", tmp_path) == b"from-the-environment"
    with pytest.raises(ValueError):
        Keyer(b"short")
