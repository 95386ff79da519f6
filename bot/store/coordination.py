"""The coordination ports: what bot processes share so that two or more can serve one bot.

Only the distributed backend has them (redis_shared.py, redis_queue.py); one process needs
none of this (bot/locks.py and transports/outbox.py do it in memory), so `Stores.shared` is
None without VREDE_REDIS_URL. Like the storage ports, they see HMAC keys only.

- Lease: a lock with a time to live, for the one process that polls Telegram or syncs Matrix;
  when it dies, the lease runs out and a standby takes over within seconds.
- SendBudget: one send budget per bot, shared by all processes (Telegram's 30 a second with a
  reserve for acute-danger replies, one a second per chat), taken atomically.
- TurnQueue: a queue per conversation plus a lock (RapidPro mailroom's pattern): whoever
  received an update pushes it; whichever worker holds the conversation's lock drains its
  queue in order; a worker that finds the lock taken leaves the conversation to its holder.
  A lock alone would not keep order: two waiters may be granted it in either order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol


class Lease(Protocol):
    """A named lock that expires unless renewed; one owner at a time."""

    async def acquire(self, name: str, owner: str, ttl: float) -> bool:
        """Take the lease if it is free (or already ours); True when we hold it now."""
        ...

    async def renew(self, name: str, owner: str, ttl: float) -> bool:
        """Extend our lease; False when it ran out and someone else may hold it."""
        ...

    async def release(self, name: str, owner: str) -> None:
        """Give the lease up now (a clean stop), if it is still ours."""
        ...


@dataclass(frozen=True)
class Grant:
    """The budget's answer: send now (`wait` 0, with the send's id), or wait and ask again."""

    wait: float = 0.0  # seconds; 0: the send may go
    own: bool = False  # the wait is the chat's own (one a second per chat), not the bot's
    send: str = ""  # the granted send, to report as finished


class SendBudget(Protocol):
    """A bot's sending budget, shared by every process that sends for it. A granted send
    counts as in flight until it is reported finished, and then from when it finished (as in
    the one-process outbox), so network delays never squeeze two windows' sends into one."""

    async def take(self, chat: str, urgent: bool) -> Grant:
        """Take one send for `chat` (an HMAC key) if the budget allows it."""
        ...

    async def finished(self, chat: str, send: str) -> None:
        """The granted send is done (or failed): it counts from now."""
        ...


class TurnQueue(Protocol):
    """Queues per conversation, each drained in order by one worker at a time."""

    async def push(self, key: str, item: bytes, urgent: bool) -> None:
        """Append an update (sealed: only bot processes can read it) to a conversation."""
        ...

    async def push_many(self, items: Sequence[tuple[str, bytes, bool]]) -> None:
        """`push` for each (key, item, urgent), in order, in one round trip."""
        ...

    async def claim(self, owner: str, urgent_only: bool = False) -> str | None:
        """Lock a conversation with queued updates, urgent ones first (`urgent_only`: only
        those); None if there is none that is free."""
        ...

    async def head(self, key: str) -> bytes | None:
        """The conversation's oldest update, still queued (a worker that dies leaves it);
        None when there is none, b"" when it cannot be opened (ack it to drop it)."""
        ...

    async def ack(self, key: str, owner: str) -> bool:
        """The oldest update is done: drop it. False when our lock ran out meanwhile."""
        ...

    async def renew(self, keys: list[str], owner: str) -> None:
        """Keep our locks on these conversations."""
        ...

    async def release(self, key: str, owner: str) -> None:
        """Unlock; a conversation with updates left stays ready for the next worker."""
        ...

    async def wait(self, timeout: float) -> None:
        """Until something may be ready to claim, or `timeout` seconds."""
        ...


@dataclass(frozen=True)
class Shared:
    """The coordination ports of one distributed backend."""

    lease: Lease
    budget: SendBudget
    turns: TurnQueue
