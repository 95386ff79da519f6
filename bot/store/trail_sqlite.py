"""The message trail and update log as two tables in the session store's SQLite file."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

from bot.store.base import DELETE_WINDOW, UPDATE_LIMIT, UPDATE_MEMORY, coarse
from bot.store.sqlite import SqliteStore

SCHEMA = """
CREATE TABLE IF NOT EXISTS message_trail (
    key TEXT NOT NULL,         -- the conversation's HMAC key, as for sessions
    id TEXT NOT NULL,          -- a message id in that chat (a per-chat counter)
    expires INTEGER NOT NULL,  -- whole minutes: the conversation's TTL, at most 48 hours
    PRIMARY KEY (key, id)
);
CREATE INDEX IF NOT EXISTS message_trail_expires ON message_trail (expires);
CREATE TABLE IF NOT EXISTS update_log (
    id TEXT PRIMARY KEY,       -- an update id already answered; linked to no conversation
    at INTEGER NOT NULL        -- whole minutes
);
CREATE INDEX IF NOT EXISTS update_log_at ON update_log (at);
"""


def _schema(store: SqliteStore) -> None:
    # Called from __init__, before any worker thread uses the connection.
    store.db.executescript(SCHEMA)


class SqliteTrail:
    """A MessageTrail sharing the session store's file, lock and secure_delete setting."""

    def __init__(self, store: SqliteStore, window: int = DELETE_WINDOW) -> None:
        self.store, self.window = store, window
        _schema(store)

    async def add(self, key: str, ids: Iterable[str], now: int) -> None:
        """Insert or refresh ids."""
        sql = "INSERT OR REPLACE INTO message_trail (key, id, expires) VALUES (?, ?, ?)"
        rows = [(key, i, coarse(now) + self.window) for i in ids]
        await self.store.run(lambda db: db.executemany(sql, rows))

    async def take(self, key: str, now: int) -> list[str]:
        """Unexpired ids, oldest first, and delete the conversation's rows in one transaction."""

        def take(db: sqlite3.Connection) -> list[str]:
            with db:
                db.execute("BEGIN")
                sql = "SELECT id FROM message_trail WHERE key = ? AND expires > ? ORDER BY expires"
                ids = [str(r[0]) for r in db.execute(sql, (key, now))]
                db.execute("DELETE FROM message_trail WHERE key = ?", (key,))
            return ids

        return await self.store.run(take)

    async def forget(self, key: str, ids: Iterable[str]) -> None:
        """Drop some ids."""
        rows = [(key, i) for i in ids]
        sql = "DELETE FROM message_trail WHERE key = ? AND id = ?"
        await self.store.run(lambda db: db.executemany(sql, rows))

    async def purge(self, now: int) -> int:
        """Delete expired rows."""
        sql = "DELETE FROM message_trail WHERE expires <= ?"
        cur = await self.store.run(lambda db: db.execute(sql, (now,)))
        return int(cur.rowcount)


class SqliteUpdateLog:
    """An UpdateLog sharing the session store's file; pruned every `prune_every` inserts."""

    def __init__(
        self,
        store: SqliteStore,
        keep: int = UPDATE_MEMORY,
        limit: int = UPDATE_LIMIT,
        prune_every: int = 500,
    ) -> None:
        self.store, self.keep, self.limit, self.prune_every = store, keep, limit, prune_every
        self._inserts = 0
        _schema(store)

    async def seen(self, ids: Iterable[str]) -> set[str]:
        """Known ids among `ids`."""
        wanted = list(ids)
        if not wanted:
            return set()
        sql = f"SELECT id FROM update_log WHERE id IN ({','.join('?' * len(wanted))})"
        rows = await self.store.run(lambda db: db.execute(sql, wanted).fetchall())
        return {str(r[0]) for r in rows}

    async def done(self, update_id: str, now: int) -> None:
        """Remember an id; now and then drop old ones and all beyond the newest `limit`."""
        self._inserts += 1
        prune = self._inserts % self.prune_every == 0

        def insert(db: sqlite3.Connection) -> None:
            sql = "INSERT OR REPLACE INTO update_log (id, at) VALUES (?, ?)"
            db.execute(sql, (update_id, coarse(now)))
            if prune:
                self._prune(db, now)

        await self.store.run(insert)

    def _prune(self, db: sqlite3.Connection, now: int) -> None:
        db.execute("DELETE FROM update_log WHERE at <= ?", (now - self.keep,))
        sql = (
            "DELETE FROM update_log WHERE rowid NOT IN "
            "(SELECT rowid FROM update_log ORDER BY at DESC, rowid DESC LIMIT ?)"
        )
        db.execute(sql, (self.limit,))

    async def count(self) -> int:
        """Remembered ids."""
        row = await self.store.run(
            lambda db: db.execute("SELECT COUNT(*) FROM update_log").fetchone()
        )
        return int(row[0])
