"""The inbox of confirmed, unanswered updates as a table in the session store's SQLite file."""

from __future__ import annotations

from bot.store.base import PENDING_TTL, Pending, coarse
from bot.store.sqlite import SqliteStore

SCHEMA = """
CREATE TABLE IF NOT EXISTS pending_updates (
    id TEXT PRIMARY KEY,       -- the update log id (a platform running number): no person
    seq INTEGER NOT NULL,      -- the order to answer in
    key TEXT NOT NULL,         -- the conversation's HMAC key, as for sessions
    sealed BLOB NOT NULL,      -- the update, AES-GCM under a key derived from the secret
    expires INTEGER NOT NULL   -- whole minutes; dropped unread after a day
);
CREATE INDEX IF NOT EXISTS pending_updates_seq ON pending_updates (seq);
CREATE INDEX IF NOT EXISTS pending_updates_expires ON pending_updates (expires);
"""


class SqlitePending:
    """PendingUpdates sharing the session store's file, lock and secure_delete setting."""

    def __init__(self, store: SqliteStore, ttl: int = PENDING_TTL) -> None:
        self.store, self.ttl = store, ttl
        store.db.executescript(SCHEMA)  # before any call uses the connection

    async def put(self, item: Pending, now: int) -> None:
        """Insert; an id already kept stays as it is."""
        sql = "INSERT OR IGNORE INTO pending_updates VALUES (?, ?, ?, ?, ?)"
        row = (item.id, item.seq, item.key, item.sealed, coarse(now) + self.ttl)
        await self.store.run(lambda db: db.execute(sql, row))

    async def get(self, item_id: str) -> Pending | None:
        """One kept update."""
        sql = "SELECT id, seq, key, sealed FROM pending_updates WHERE id = ?"
        row = await self.store.run(lambda db: db.execute(sql, (item_id,)).fetchone())
        return Pending(row[0], row[1], row[2], bytes(row[3])) if row else None

    async def page(self, after: int, limit: int) -> list[Pending]:
        """The next kept updates in order."""
        sql = "SELECT id, seq, key, sealed FROM pending_updates WHERE seq > ? ORDER BY seq LIMIT ?"
        rows = await self.store.run(lambda db: db.execute(sql, (after, limit)).fetchall())
        return [Pending(r[0], r[1], r[2], bytes(r[3])) for r in rows]

    async def done(self, item_id: str) -> None:
        """Delete now (secure_delete overwrites the freed bytes)."""
        sql = "DELETE FROM pending_updates WHERE id = ?"
        await self.store.run(lambda db: db.execute(sql, (item_id,)))

    async def purge(self, now: int) -> int:
        """Delete what expired."""
        sql = "DELETE FROM pending_updates WHERE expires <= ?"
        cur = await self.store.run(lambda db: db.execute(sql, (now,)))
        return int(cur.rowcount)

    async def count(self) -> int:
        """Kept updates."""
        row = await self.store.run(
            lambda db: db.execute("SELECT COUNT(*) FROM pending_updates").fetchone()
        )
        return int(row[0])
