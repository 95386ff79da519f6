"""The session store port: sessions by opaque key, expiring after inactivity."""

from __future__ import annotations

from typing import Protocol

from bot.engine.session import Session

DEFAULT_TTL = 24 * 3600


class SessionStore(Protocol):
    """Stores sessions under HMAC keys. Never sees message text or platform ids."""

    async def load(self, key: str, now: int) -> Session | None:
        """The session, or None when there is none or it expired."""
        ...

    async def save(self, key: str, session: Session, now: int) -> None:
        """Store or replace; it expires `ttl` seconds after `now`."""
        ...

    async def delete(self, key: str) -> None:
        """Forget a conversation."""
        ...

    async def purge(self, now: int) -> int:
        """Remove expired sessions; returns how many."""
        ...

    async def count(self) -> int:
        """Number of stored sessions (for metrics)."""
        ...

    async def close(self) -> None:
        """Release resources."""
        ...
