"""The storage ports: what the runner and the transports may keep, and nothing else.

Every key is an HMAC (store/keys.py); no port takes message text, a name, a phone number or a
raw platform id. Each port has a memory, a SQLite and a Valkey/Redis implementation (memory.py,
sqlite.py, *_sqlite.py, redis_*.py) that pass one contract test suite (tests/store/); only
wiring.py picks between them, so a transport never imports an implementation. Several processes
sharing Redis also share the coordination ports (coordination.py: `Stores.shared`).

- SessionStore: where each conversation stands, expiring after inactivity;
- MessageTrail: message ids of a conversation, until they can no longer be deleted;
- UpdateLog: update ids already answered, so a redelivered update is not answered twice;
- SyncState: where the Matrix sync continues, and the rooms the bot opened itself;
- Figures: weekly totals per region (week, region, figure, value), for the municipality;
- PendingUpdates: confirmed updates not yet answered, sealed, until they are answered;
- RelayStore (relay_base.py): trusted persons who enrolled (their chat sealed, never a
  resident's), one-time invite codes (as HMACs), and the live relays (keys and times only).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Protocol

from bot.engine.session import Session
from bot.store.coordination import Shared
from bot.store.relay_base import Helper as Helper
from bot.store.relay_base import Pairing as Pairing
from bot.store.relay_base import RelayStore as RelayStore

DEFAULT_TTL = 24 * 3600
DELETE_WINDOW = 48 * 3600  # Telegram lets a bot delete messages in a private chat for 48 hours
UPDATE_MEMORY = 24 * 3600  # Telegram keeps unconfirmed updates for 24 hours
UPDATE_LIMIT = 100_000  # and never more than this many remembered update ids
PENDING_TTL = 24 * 3600  # an update still unanswered after a day is dropped unread
MINUTE = 60  # stored times are whole minutes: expiry needs no more (README, 'What is kept')


def coarse(now: int) -> int:
    """`now` rounded down to the minute: what the stores write, so that a row's times never
    say more than its expiry needs, and nothing outlives its promise (rounding down)."""
    return now - now % MINUTE


def coarse_session(session: Session) -> Session:
    """A session as stored: its start and last activity to the minute."""
    return replace(session, started=coarse(session.started), updated=coarse(session.updated))


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


@dataclass(frozen=True)
class Pending:
    """An update confirmed to the platform and not yet answered.

    `seq` is the platform's running number (the order to answer in), `key` the conversation's
    HMAC key, `sealed` the update itself, encrypted (store/sealing.py): it holds the text and
    the chat id, which are never written readable.
    """

    id: str
    seq: int
    key: str
    sealed: bytes


class PendingUpdates(Protocol):
    """The short-lived inbox on disk: an update is put here before it is confirmed to the
    platform and removed the moment it is answered, so a crash loses nothing."""

    async def put(self, item: Pending, now: int) -> None:
        """Keep an update (again: no change); it is dropped unread after PENDING_TTL."""
        ...

    async def get(self, item_id: str) -> Pending | None:
        """One kept update, or None."""
        ...

    async def page(self, after: int, limit: int) -> list[Pending]:
        """Kept updates with `seq` above `after`, lowest first, at most `limit`."""
        ...

    async def done(self, item_id: str) -> None:
        """Answered (or given up): forget it now."""
        ...

    async def purge(self, now: int) -> int:
        """Drop updates past PENDING_TTL; returns how many."""
        ...

    async def count(self) -> int:
        """How many are kept."""
        ...


@dataclass(frozen=True)
class OwnRoom:
    """A Matrix room the bot created for one conversation."""

    code: str | None  # entry code to greet with, if the resident sent one
    lang: str | None  # language to greet in, if the first message showed one
    greeted: bool


class SyncState(Protocol):
    """Where the Matrix sync continues, and the bot's own rooms (under HMAC keys)."""

    async def token(self) -> str | None:
        """The saved sync token, or None on the very first start."""
        ...

    async def save_token(self, token: str) -> None:
        """Remember where to continue."""
        ...

    async def add_room(self, key: str, code: str | None, lang: str | None) -> None:
        """Remember a room the bot created, still to be greeted."""
        ...

    async def room(self, key: str) -> OwnRoom | None:
        """The bot's own room under this key, or None for a room someone else created."""
        ...

    async def greeted(self, key: str) -> None:
        """The greeting went out: the entry code and language are no longer needed."""
        ...

    async def drop_room(self, key: str) -> None:
        """The bot left the room: forget it."""
        ...


@dataclass(frozen=True)
class FigureRow:
    """One weekly total: nothing finer than an ISO week, nothing smaller than a region."""

    week: str  # ISO week, "2026-W05": sorts in time order as text
    region: str  # twente | ijsselland | unknown
    figure: str  # a name from bot/figures/names.py, e.g. "conversations", "language.tr"
    value: int


class Figures(Protocol):
    """Weekly totals, incremented in place. No conversation, time or code is ever stored."""

    async def add(self, week: str, region: str, names: Iterable[str]) -> None:
        """Add one to each named figure of this week and region (in one transaction)."""
        ...

    async def read(self, first: str, last: str) -> list[FigureRow]:
        """Every stored total of the weeks `first` to `last`, both included."""
        ...


@dataclass(frozen=True)
class Stores:
    """One implementation of each port, chosen by wiring.py."""

    sessions: SessionStore
    trail: MessageTrail
    updates: UpdateLog
    sync: SyncState
    figures: Figures
    pending: PendingUpdates
    relay: RelayStore
    shared: Shared | None = None  # only the distributed backend (coordination.py)

    async def close(self) -> None:
        await self.sessions.close()
