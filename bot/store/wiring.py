"""The one place that picks storage implementations (the ports are in base.py).

SQLite is the embedded default: one file in the data folder, shared by all ports. Without a
data folder (the terminal chat, tests) everything stays in memory and is gone at exit. A
second backend (Valkey/Redis) is one more branch here and one module per port.
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
from bot.store.sqlite import SqliteStore
from bot.store.sync_sqlite import SqliteSyncState
from bot.store.trail_sqlite import SqliteTrail, SqliteUpdateLog

DATABASE = "vrede.sqlite3"


def open_stores(data_dir: Path | None, ttl: int = DEFAULT_TTL) -> Stores:
    """SQLite in `data_dir` (the file is created readable by this user only), else memory."""
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
