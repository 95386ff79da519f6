"""The one place that picks storage implementations (the ports are in base.py).

SQLite is the embedded default: one file in the data folder, shared by all ports. Without a
data folder (the terminal chat, tests) everything stays in memory and is gone at exit. With
VREDE_REDIS_URL every port lives in Valkey/Redis (redis_*.py), shared by all bot processes:
the distributed backend for running on two machines (README, "Two machines").
"""

from __future__ import annotations

from pathlib import Path

from bot.store.base import DEFAULT_TTL, DELETE_WINDOW, Stores
from bot.store.figures_sqlite import SqliteFigures
from bot.store.memory import (
    MemoryFigures,
    MemoryPending,
    MemoryStore,
    MemorySyncState,
    MemoryTrail,
    MemoryUpdateLog,
)
from bot.store.pending_sqlite import SqlitePending
from bot.store.relay_memory import MemoryRelay
from bot.store.relay_sqlite import SqliteRelay
from bot.store.sealing import Sealer
from bot.store.sqlite import SqliteStore
from bot.store.sync_sqlite import SqliteSyncState
from bot.store.trail_sqlite import SqliteTrail, SqliteUpdateLog

DATABASE = "vrede.sqlite3"


def open_stores(
    data_dir: Path | None,
    ttl: int = DEFAULT_TTL,
    redis_url: str | None = None,
    sealer: Sealer | None = None,
) -> Stores:
    """Redis when `redis_url` is given (`sealer` seals queued updates: Keyer.queue_sealer);
    else SQLite in `data_dir` (the file is created readable by this user only); else memory."""
    if redis_url:
        return redis_stores(redis_url, ttl, sealer=sealer)
    if data_dir is None:
        return Stores(
            MemoryStore(ttl),
            MemoryTrail(min(ttl, DELETE_WINDOW)),
            MemoryUpdateLog(),
            MemorySyncState(),
            MemoryFigures(),
            MemoryPending(),
            MemoryRelay(),
        )
    return sqlite_stores(data_dir / DATABASE, ttl)


def sqlite_stores(path: Path, ttl: int = DEFAULT_TTL) -> Stores:
    """All ports in one SQLite file."""
    return beside(SqliteStore(path, ttl))


def beside(db: SqliteStore) -> Stores:
    """The other ports in the file of an open session store (one connection, one lock).

    Message ids are kept no longer than the conversation they belong to (the TTL, 24 hours by
    default), though Telegram would let a bot delete them for 48: erase works for as long as
    the conversation is remembered, and nothing about it outlives it."""
    return Stores(
        db,
        SqliteTrail(db, min(db.ttl, DELETE_WINDOW)),
        SqliteUpdateLog(db),
        SqliteSyncState(db),
        SqliteFigures(db),
        SqlitePending(db),
        SqliteRelay(db),
    )


def redis_stores(
    url: str, ttl: int = DEFAULT_TTL, namespace: str = "vrede", sealer: Sealer | None = None
) -> Stores:
    """All ports in Valkey/Redis at `url`, over one connection pool (imported only here, so a
    bot without VREDE_REDIS_URL never loads redis-py); with `sealer` also the coordination
    ports that let several processes serve one bot. Message ids are kept no longer than the
    conversation, as in SQLite."""
    from bot.store.coordination import Shared
    from bot.store.redis_conn import connect
    from bot.store.redis_pending import RedisPending
    from bot.store.redis_queue import RedisTurnQueue
    from bot.store.redis_relay import RedisRelay
    from bot.store.redis_sessions import Names, RedisStore
    from bot.store.redis_shared import RedisBudget, RedisLease
    from bot.store.redis_sync import RedisFigures, RedisSyncState
    from bot.store.redis_trail import RedisTrail, RedisUpdateLog

    redis, names = connect(url), Names(namespace)
    shared = None
    if sealer is not None:
        queue = RedisTurnQueue(redis, sealer, names)
        shared = Shared(RedisLease(redis, names), RedisBudget(redis, names=names), queue)
    return Stores(
        RedisStore(redis, ttl, names),
        RedisTrail(redis, min(ttl, DELETE_WINDOW), names),
        RedisUpdateLog(redis, names=names),
        RedisSyncState(redis, names),
        RedisFigures(redis, names),
        RedisPending(redis, names=names),
        RedisRelay(redis, names),
        shared,
    )
