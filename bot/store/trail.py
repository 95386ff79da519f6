"""Traces a transport needs for a short while: message ids to erase, update ids already handled.

Both are kept only as long as they are useful and never hold text or platform user ids:
message ids are per-chat sequence numbers filed under the conversation's HMAC key, and update
ids are the platform's running numbers for the bot, linked to nobody.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

DELETE_WINDOW = 48 * 3600  # Telegram lets a bot delete messages in a private chat for 48 hours
UPDATE_MEMORY = 24 * 3600  # Telegram keeps unconfirmed updates for 24 hours
UPDATE_LIMIT = 100_000  # and never more than this many remembered update ids


class MessageTrail(Protocol):
    """Message ids of a conversation (both sides), until they can no longer be deleted."""

    async def add(self, key: str, ids: Iterable[str], now: int) -> None:
        """Remember ids sent or received at `now`; they are dropped after the delete window."""
        ...

    async def take(self, key: str, now: int) -> list[str]:
        """All still deletable ids of a conversation, oldest first, and forget them all."""
        ...

    async def forget(self, key: str, ids: Iterable[str]) -> None:
        """Drop some ids (deleted by other means)."""
        ...

    async def purge(self, now: int) -> int:
        """Drop ids past the delete window; returns how many."""
        ...


class UpdateLog(Protocol):
    """Update ids already answered, so a redelivered update is not answered twice."""

    async def seen(self, ids: Iterable[str]) -> set[str]:
        """Which of these ids were handled before."""
        ...

    async def done(self, update_id: str, now: int) -> None:
        """Remember a handled update; the log keeps the newest and recent ones only."""
        ...

    async def count(self) -> int:
        """How many ids are remembered."""
        ...


class MemoryTrail:
    """A MessageTrail in a dict, for tests and the terminal."""

    def __init__(self, window: int = DELETE_WINDOW) -> None:
        self.window = window
        self._rows: dict[str, dict[str, int]] = {}

    async def add(self, key: str, ids: Iterable[str], now: int) -> None:
        """Remember ids with their expiry."""
        self._rows.setdefault(key, {}).update(dict.fromkeys(ids, now + self.window))

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
        self._ids[update_id] = now
        if len(self._ids) > self.limit or next(iter(self._ids.values())) <= now - self.keep:
            newest = sorted(self._ids.items(), key=lambda r: r[1])[-self.limit :]
            self._ids = {i: t for i, t in newest if t > now - self.keep}

    async def count(self) -> int:
        """Remembered ids."""
        return len(self._ids)
