"""An in-memory session store, for tests and the terminal chat."""

from __future__ import annotations

from bot.engine.session import Session
from bot.store.base import DEFAULT_TTL


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
        self._rows[key] = (session.to_json(), now + self.ttl)

    async def delete(self, key: str) -> None:
        """Forget."""
        self._rows.pop(key, None)

    async def purge(self, now: int) -> int:
        """Drop expired rows."""
        old = [k for k, (_, exp) in self._rows.items() if exp <= now]
        for k in old:
            del self._rows[k]
        return len(old)

    async def count(self) -> int:
        """Stored sessions."""
        return len(self._rows)

    async def close(self) -> None:
        """Nothing to release."""
