"""The storage ports in memory, for the terminal chat and tests: forgotten at exit."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import TypeVar

from bot.engine.session import Session
from bot.store.base import (
    DEFAULT_TTL,
    DELETE_WINDOW,
    PENDING_TTL,
    UPDATE_LIMIT,
    UPDATE_MEMORY,
    FigureRow,
    OwnRoom,
    Pending,
    coarse,
    coarse_session,
)

T = TypeVar("T")


class MemoryStore:
    """Sessions in a dict, stored as JSON so that it behaves like the SQLite store."""

    def __init__(self, ttl: int = DEFAULT_TTL) -> None:
        self.ttl = ttl
        self._rows: dict[str, tuple[str, int]] = {}

    async def load(self, key: str, now: int) -> Session | None:
        """The session unless expired."""
        row = self._rows.get(key)
        if row is None or row[1] <= now:
            return None
        return Session.from_json(row[0])

    async def save(self, key: str, session: Session, now: int) -> None:
        """Store as JSON with an expiry time."""
        self._rows[key] = (coarse_session(session).to_json(), coarse(now) + self.ttl)

    async def delete(self, key: str) -> None:
        """Forget."""
        self._rows.pop(key, None)

    async def purge(self, now: int) -> int:
        """Drop expired rows."""
        return _drop_expired(self._rows, now)

    async def count(self) -> int:
        """Stored sessions."""
        return len(self._rows)

    async def close(self) -> None:
        """Nothing to release."""


class MemoryTrail:
    """A MessageTrail in a dict, for tests and the terminal."""

    def __init__(self, window: int = DELETE_WINDOW) -> None:
        self.window = window
        self._rows: dict[str, dict[str, int]] = {}

    async def add(self, key: str, ids: Iterable[str], now: int) -> None:
        """Remember ids with their expiry."""
        self._rows.setdefault(key, {}).update(dict.fromkeys(ids, coarse(now) + self.window))

    async def take(self, key: str, now: int) -> list[str]:
        """Unexpired ids, oldest first; the conversation's rows are dropped."""
        rows = self._rows.pop(key, {})
        return [i for i, exp in sorted(rows.items(), key=lambda r: r[1]) if exp > now]

    async def forget(self, key: str, ids: Iterable[str]) -> None:
        """Drop some ids."""
        rows = self._rows.get(key, {})
        for i in ids:
            rows.pop(i, None)
        if not rows:
            self._rows.pop(key, None)

    async def purge(self, now: int) -> int:
        """Drop expired ids."""
        dropped = 0
        for key in list(self._rows):
            rows = self._rows[key]
            old = [i for i, exp in rows.items() if exp <= now]
            for i in old:
                del rows[i]
            dropped += len(old)
            if not rows:
                del self._rows[key]
        return dropped


class MemoryUpdateLog:
    """An UpdateLog in a dict; bounded like the SQLite one."""

    def __init__(self, keep: int = UPDATE_MEMORY, limit: int = UPDATE_LIMIT) -> None:
        self.keep, self.limit = keep, limit
        self._ids: dict[str, int] = {}

    async def seen(self, ids: Iterable[str]) -> set[str]:
        """Known ids."""
        return {i for i in ids if i in self._ids}

    async def done(self, update_id: str, now: int) -> None:
        """Remember, then drop what is too old or too many (oldest first)."""
        self._ids[update_id] = coarse(now)
        if len(self._ids) > self.limit or next(iter(self._ids.values())) <= now - self.keep:
            newest = sorted(self._ids.items(), key=lambda r: r[1])[-self.limit :]
            self._ids = {i: t for i, t in newest if t > now - self.keep}

    async def count(self) -> int:
        """Remembered ids."""
        return len(self._ids)


class MemorySyncState:
    """A SyncState in memory (a bot without a data folder syncs from now at each start)."""

    def __init__(self) -> None:
        self._token: str | None = None
        self._rooms: dict[str, OwnRoom] = {}

    async def token(self) -> str | None:
        return self._token

    async def save_token(self, token: str) -> None:
        self._token = token

    async def add_room(self, key: str, code: str | None, lang: str | None) -> None:
        self._rooms[key] = OwnRoom(code, lang, False)

    async def room(self, key: str) -> OwnRoom | None:
        return self._rooms.get(key)

    async def greeted(self, key: str) -> None:
        if key in self._rooms:
            self._rooms[key] = OwnRoom(None, None, True)

    async def drop_room(self, key: str) -> None:
        self._rooms.pop(key, None)


class MemoryFigures:
    """Weekly totals in a Counter (the terminal chat and tests)."""

    def __init__(self) -> None:
        self._totals: Counter[tuple[str, str, str]] = Counter()

    async def add(self, week: str, region: str, names: Iterable[str]) -> None:
        for name in names:
            self._totals[week, region, name] += 1

    async def read(self, first: str, last: str) -> list[FigureRow]:
        rows = (FigureRow(*k, v) for k, v in self._totals.items() if first <= k[0] <= last)
        return sorted(rows, key=lambda r: (r.week, r.region, r.figure))


class MemoryPending:
    """PendingUpdates in a dict (the terminal chat and tests): gone at exit, like the process."""

    def __init__(self, ttl: int = PENDING_TTL) -> None:
        self.ttl = ttl
        self._rows: dict[str, tuple[Pending, int]] = {}

    async def put(self, item: Pending, now: int) -> None:
        self._rows.setdefault(item.id, (item, coarse(now) + self.ttl))

    async def get(self, item_id: str) -> Pending | None:
        row = self._rows.get(item_id)
        return row[0] if row else None

    async def page(self, after: int, limit: int) -> list[Pending]:
        items = sorted((p for p, _ in self._rows.values() if p.seq > after), key=lambda p: p.seq)
        return items[:limit]

    async def done(self, item_id: str) -> None:
        self._rows.pop(item_id, None)

    async def purge(self, now: int) -> int:
        return _drop_expired(self._rows, now)

    async def count(self) -> int:
        return len(self._rows)


def _drop_expired(rows: dict[str, tuple[T, int]], now: int) -> int:
    """Remove the rows whose expiry time (the second item) has come; how many went."""
    old = [k for k, (_, exp) in rows.items() if exp <= now]
    for k in old:
        del rows[k]
    return len(old)
