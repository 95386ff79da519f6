"""The one place that picks storage implementations (the ports are in base.py).

SQLite is the embedded default: one file in the data folder, shared by all ports. Without a
data folder (the terminal chat, tests) everything stays in memory and is gone at exit. With
VREDE_REDIS_URL every port lives in Valkey/Redis (redis_*.py), shared by all bot processes:
the distributed backend for running on two machines (README, "Two machines").
"""

from __future__ import annotations

from pathlib import Path

from bot.store.base import DEFAULT_TTL, Stores
from bot.store.figures_sqlite import SqliteFigures
from bot.store.memory import (
    MemoryFigures,
    MemoryStore,
    MemorySyncState,
    MemoryTrail,
    MemoryUpdateLog,
)
from bot.store.sqlite import SqliteStore
from bot.store.sync_sqlite import SqliteSyncState
from bot.store.trail_sqlite import SqliteTrail, SqliteUpdateLog

DATABASE = "vrede.sqlite3"


def open_stores(
    data_dir: Path | None,
    ttl: int = DEFAULT_TTL,
    redis_url: str | None = None,
    seal_key: bytes | None = None,
) -> Stores:
    """Redis when `redis_url` is given (`seal_key` seals queued updates: Keyer.derive); else
    SQLite in `data_dir` (the file is created readable by this user only); else memory."""
    if redis_url:
        return redis_stores(redis_url, ttl, seal_key=seal_key)
    if data_dir is None:
        return Stores(
            MemoryStore(ttl), MemoryTrail(), MemoryUpdateLog(), MemorySyncState(), MemoryFigures()
        )
    return sqlite_stores(data_dir / DATABASE, ttl)


def sqlite_stores(path: Path, ttl: int = DEFAULT_TTL) -> Stores:
    """All ports in one SQLite file."""
    return beside(SqliteStore(path, ttl))


def beside(db: SqliteStore) -> Stores:
    """The other ports in the file of an open session store (one connection, one lock)."""
    return Stores(db, SqliteTrail(db), SqliteUpdateLog(db), SqliteSyncState(db), SqliteFigures(db))


def redis_stores(
    url: str, ttl: int = DEFAULT_TTL, namespace: str = "vrede", seal_key: bytes | None = None
) -> Stores:
    """All ports in Valkey/Redis at `url`, over one connection pool (imported only here, so a
    bot without VREDE_REDIS_URL never loads redis-py); with `seal_key` also the coordination
    ports that let several processes serve one bot."""
    from bot.store.coordination import Shared
    from bot.store.redis_conn import connect
    from bot.store.redis_queue import RedisTurnQueue, Sealer
    from bot.store.redis_sessions import Names, RedisStore
    from bot.store.redis_shared import RedisBudget, RedisLease
    from bot.store.redis_sync import RedisFigures, RedisSyncState
    from bot.store.redis_trail import RedisTrail, RedisUpdateLog

    redis, names = connect(url), Names(namespace)
    shared = None
    if seal_key is not None:
        queue = RedisTurnQueue(redis, Sealer(seal_key), names)
        shared = Shared(RedisLease(redis, names), RedisBudget(redis, names=names), queue)
    return Stores(
        RedisStore(redis, ttl, names),
        RedisTrail(redis, names=names),
        RedisUpdateLog(redis, names=names),
        RedisSyncState(redis, names),
        RedisFigures(redis, names),
        shared,
    )
