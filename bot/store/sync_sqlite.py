"""The Matrix SyncState in the session store's SQLite file: what the transport keeps between
restarts.

- the sync token: where to continue, so nothing is missed after a restart;
- the rooms the bot opened itself (as HMAC keys), with the entry code and language to greet with.

Handled events are remembered in the shared update log under an HMAC of the event id. No room
id, user id or message text is ever written here.
"""

from __future__ import annotations

import sqlite3

from bot.store.base import OwnRoom
from bot.store.sqlite import SqliteStore

SCHEMA = """
CREATE TABLE IF NOT EXISTS matrix_sync (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    token TEXT NOT NULL        -- the homeserver's stream position; names no room or user
);
CREATE TABLE IF NOT EXISTS matrix_rooms (
    key TEXT PRIMARY KEY,      -- HMAC of the room id, never the id itself
    code TEXT,                 -- entry code to greet with, if the resident sent one
    lang TEXT,                 -- language to greet in, if the first message showed one
    greeted INTEGER NOT NULL DEFAULT 0
);
"""


class SqliteSyncState:
    """The sync token and the bot's own rooms, in the session store's file."""

    def __init__(self, store: SqliteStore) -> None:
        self.store = store
        # Runs before any worker thread uses the connection.
        store.db.executescript(SCHEMA)

    async def token(self) -> str | None:
        """The saved sync token, or None on the very first start."""
        row = await self.store.run(
            lambda db: db.execute("SELECT token FROM matrix_sync WHERE id = 1").fetchone()
        )
        return str(row[0]) if row else None

    async def save_token(self, token: str) -> None:
        """Remember where to continue."""
        sql = "INSERT OR REPLACE INTO matrix_sync (id, token) VALUES (1, ?)"
        await self.store.run(lambda db: db.execute(sql, (token,)))

    async def add_room(self, key: str, code: str | None, lang: str | None) -> None:
        """Remember a room the bot created, still to be greeted."""
        sql = "INSERT OR REPLACE INTO matrix_rooms (key, code, lang, greeted) VALUES (?, ?, ?, 0)"
        await self.store.run(lambda db: db.execute(sql, (key, code, lang)))

    async def room(self, key: str) -> OwnRoom | None:
        """The bot's own room under this key, or None for a room someone else created."""

        def get(db: sqlite3.Connection) -> tuple[str | None, str | None, int] | None:
            sql = "SELECT code, lang, greeted FROM matrix_rooms WHERE key = ?"
            row: tuple[str | None, str | None, int] | None = db.execute(sql, (key,)).fetchone()
            return row

        row = await self.store.run(get)
        return OwnRoom(row[0], row[1], bool(row[2])) if row else None

    async def greeted(self, key: str) -> None:
        """The greeting went out; the entry code and language are no longer needed here."""
        sql = "UPDATE matrix_rooms SET greeted = 1, code = NULL, lang = NULL WHERE key = ?"
        await self.store.run(lambda db: db.execute(sql, (key,)))

    async def drop_room(self, key: str) -> None:
        """The bot left the room: forget it."""
        await self.store.run(
            lambda db: db.execute("DELETE FROM matrix_rooms WHERE key = ?", (key,))
        )
