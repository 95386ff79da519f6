"""The RelayStore in the SQLite file: enrolled trusted persons, invite HMACs, live relays."""

from __future__ import annotations

import sqlite3

from bot.store.base import Helper, Pairing
from bot.store.sqlite import SqliteStore

SCHEMA = """
CREATE TABLE IF NOT EXISTS relay_invites (
    code TEXT PRIMARY KEY,     -- HMAC of the one-time code, never the code itself
    person TEXT NOT NULL,      -- id in the trusted-person directory
    expires INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS relay_helpers (
    person TEXT PRIMARY KEY,   -- id in the trusted-person directory
    key TEXT NOT NULL UNIQUE,  -- HMAC of their platform and chat id
    platform TEXT NOT NULL,
    sealed TEXT NOT NULL,      -- their chat id, sealed with the secret (Keyer.seal)
    available INTEGER NOT NULL,
    reports INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS relay_pairings (
    id TEXT PRIMARY KEY,
    data TEXT NOT NULL,        -- Pairing JSON: two keys, times, a pseudonym; never text
    expires INTEGER NOT NULL
);
"""


class SqliteRelay:
    """Shares the session store's connection and lock."""

    def __init__(self, db: SqliteStore) -> None:
        self._store = db
        db.db.executescript(SCHEMA)

    async def invite(self, code_key: str, person: str, expires: int) -> None:
        """Remember a code's HMAC."""
        sql = "INSERT OR REPLACE INTO relay_invites (code, person, expires) VALUES (?, ?, ?)"
        await self._store.run(lambda db: db.execute(sql, (code_key, person, expires)))

    async def redeem(self, code_key: str, now: int) -> str | None:
        """Use a code up (in one transaction)."""

        def take(db: sqlite3.Connection) -> str | None:
            with db:
                sql = "SELECT person, expires FROM relay_invites WHERE code = ?"
                row = db.execute(sql, (code_key,)).fetchone()
                db.execute(
                    "DELETE FROM relay_invites WHERE code = ? OR expires <= ?", (code_key, now)
                )
            return str(row[0]) if row and row[1] > now else None

        return await self._store.run(take)

    async def enrol(self, helper: Helper) -> None:
        """One chat per person; a chat belongs to one person."""
        h = helper
        args = (h.person, h.key, h.platform, h.sealed, int(h.available), h.reports)

        def put(db: sqlite3.Connection) -> None:
            with db:
                db.execute(
                    "DELETE FROM relay_helpers WHERE key = ? AND person != ?", (h.key, h.person)
                )
                db.execute("INSERT OR REPLACE INTO relay_helpers VALUES (?, ?, ?, ?, ?, ?)", args)

        await self._store.run(put)

    async def helper(self, key: str) -> Helper | None:
        """By chat key."""
        sql = "SELECT * FROM relay_helpers WHERE key = ?"
        row = await self._store.run(lambda db: db.execute(sql, (key,)).fetchone())
        return _helper(row) if row else None

    async def helpers(self) -> list[Helper]:
        """Sorted by person id."""
        sql = "SELECT * FROM relay_helpers ORDER BY person"
        rows = await self._store.run(lambda db: db.execute(sql).fetchall())
        return [_helper(r) for r in rows]

    async def save_pairing(self, pairing: Pairing, expires: int) -> None:
        """Insert or replace."""
        sql = "INSERT OR REPLACE INTO relay_pairings (id, data, expires) VALUES (?, ?, ?)"
        args = (pairing.id, pairing.to_json(), expires)
        await self._store.run(lambda db: db.execute(sql, args))

    async def pairing(self, relay_id: str, now: int) -> Pairing | None:
        """Unless expired."""
        sql = "SELECT data FROM relay_pairings WHERE id = ? AND expires > ?"
        row = await self._store.run(lambda db: db.execute(sql, (relay_id, now)).fetchone())
        return Pairing.from_json(row[0]) if row else None

    async def pairings(self, now: int) -> list[Pairing]:
        """Live ones, oldest first; expired ones are dropped."""

        def live(db: sqlite3.Connection) -> list[str]:
            db.execute("DELETE FROM relay_pairings WHERE expires <= ?", (now,))
            return [r[0] for r in db.execute("SELECT data FROM relay_pairings").fetchall()]

        found = [Pairing.from_json(raw) for raw in await self._store.run(live)]
        return sorted(found, key=lambda p: (p.started, p.id))

    async def drop_pairing(self, relay_id: str) -> None:
        """Forget; secure_delete overwrites the freed bytes."""
        sql = "DELETE FROM relay_pairings WHERE id = ?"
        await self._store.run(lambda db: db.execute(sql, (relay_id,)))


def _helper(row: tuple[str, str, str, str, int, int]) -> Helper:
    person, key, platform, sealed, available, reports = row
    return Helper(person, key, platform, sealed, bool(available), int(reports))
