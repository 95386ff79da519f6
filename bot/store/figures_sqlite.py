"""Weekly figures as one table in the session store's SQLite file: (week, region, figure,
value) and nothing else, so no row can be tied to a conversation or a moment."""

from __future__ import annotations

import sqlite3
from collections import Counter
from collections.abc import Iterable

from bot.store.base import FigureRow
from bot.store.sqlite import SqliteStore

SCHEMA = """
CREATE TABLE IF NOT EXISTS figures (
    week TEXT NOT NULL,        -- ISO week, e.g. 2026-W05: nothing finer is kept
    region TEXT NOT NULL,      -- twente | ijsselland | unknown
    figure TEXT NOT NULL,      -- a fixed name from the code, never anything a resident typed
    value INTEGER NOT NULL,
    PRIMARY KEY (week, region, figure)
) WITHOUT ROWID;
"""
ADD = """
INSERT INTO figures (week, region, figure, value) VALUES (?, ?, ?, ?)
ON CONFLICT (week, region, figure) DO UPDATE SET value = value + excluded.value
"""
READ = """
SELECT week, region, figure, value FROM figures WHERE week BETWEEN ? AND ?
ORDER BY week, region, figure
"""


class SqliteFigures:
    """The Figures port in the session store's file (one connection, one lock)."""

    def __init__(self, store: SqliteStore) -> None:
        self.store = store
        store.db.executescript(SCHEMA)

    async def add(self, week: str, region: str, names: Iterable[str]) -> None:
        """Increment in place; a turn's figures go in one transaction."""
        rows = [(week, region, n, by) for n, by in Counter(names).items()]

        def add(db: sqlite3.Connection) -> None:
            with db:
                db.execute("BEGIN")
                db.executemany(ADD, rows)

        if rows:
            await self.store.run(add)

    async def read(self, first: str, last: str) -> list[FigureRow]:
        """The stored totals of weeks `first` to `last`."""
        rows = await self.store.run(lambda db: db.execute(READ, (first, last)).fetchall())
        return [FigureRow(str(w), str(r), str(f), int(v)) for w, r, f, v in rows]
