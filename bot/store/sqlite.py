"""The SQLite session store: one file, secure_delete on, keys are HMACs, no message text."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from bot.engine.session import Session
from bot.store.base import DEFAULT_TTL, coarse, coarse_session

T = TypeVar("T")
SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (
    key TEXT PRIMARY KEY,      -- HMAC of platform and chat id, never the id itself
    data TEXT NOT NULL,        -- Session JSON: node, language, entry code, times (minutes)
    expires INTEGER NOT NULL   -- whole minutes: never later than the TTL promises
);
CREATE INDEX IF NOT EXISTS sessions_expires ON sessions (expires);
"""


class SqliteStore:
    """Sessions in one SQLite file. Calls run in a worker thread, one at a time."""

    def __init__(self, path: Path, ttl: int = DEFAULT_TTL) -> None:
        self.ttl = ttl
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._lock = threading.Lock()
        self._db.execute("PRAGMA secure_delete = ON")
        self._db.execute("PRAGMA journal_mode = WAL")
        self._db.execute("PRAGMA synchronous = NORMAL")
        self._db.executescript(SCHEMA)
        path.chmod(0o600)

    @property
    def db(self) -> sqlite3.Connection:
        """The connection, for stores of other tables that share this file (callers lock)."""
        return self._db

    async def run(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Run `fn(connection)` on the event loop, holding the connection lock.

        Why not a worker thread: every call is one small indexed statement in WAL mode with
        synchronous=NORMAL (no fsync per commit), tens of microseconds, while a thread hop
        costs more than the work and queues a rush of updates behind one connection (the
        Telegram burst figure went from a 4 s p99 for acute-danger replies to below 2 s).
        """
        with self._lock:
            result = fn(self._db)
            if isinstance(result, sqlite3.Cursor):
                result.close()  # free the statement now, not whenever the cursor is collected
            return result

    async def load(self, key: str, now: int) -> Session | None:
        """The session unless expired."""
        sql = "SELECT data FROM sessions WHERE key = ? AND expires > ?"
        row = await self.run(lambda db: db.execute(sql, (key, now)).fetchone())
        return Session.from_json(row[0]) if row else None

    async def save(self, key: str, session: Session, now: int) -> None:
        """Insert or replace."""
        sql = "INSERT OR REPLACE INTO sessions (key, data, expires) VALUES (?, ?, ?)"
        args = (key, coarse_session(session).to_json(), coarse(now) + self.ttl)
        await self.run(lambda db: db.execute(sql, args))

    async def delete(self, key: str) -> None:
        """Forget; secure_delete overwrites the freed bytes."""
        await self.run(lambda db: db.execute("DELETE FROM sessions WHERE key = ?", (key,)))

    async def purge(self, now: int) -> int:
        """Delete expired rows."""
        cur = await self.run(
            lambda db: db.execute("DELETE FROM sessions WHERE expires <= ?", (now,))
        )
        return int(cur.rowcount)

    async def count(self) -> int:
        """Stored sessions."""
        row = await self.run(lambda db: db.execute("SELECT COUNT(*) FROM sessions").fetchone())
        return int(row[0])

    async def close(self) -> None:
        """Checkpoint the WAL into the main file and close."""

        def shut(db: sqlite3.Connection) -> None:
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            db.close()

        await self.run(shut)
