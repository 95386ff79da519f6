"""Queues per conversation in Valkey/Redis: RapidPro mailroom's pattern (coordination.py).

Keys: `q:<HMAC>` a list of sealed updates, oldest first; `lock:<HMAC>` the worker draining it;
`ready` a sorted set of conversations with updates (urgent ones scored 0, others by when they
became ready, so the oldest goes first); `bell` a list a waiting worker blocks on.

Updates hold what residents wrote, so they are sealed (store/sealing.py: AES-256-GCM under a
key derived from VREDE_SECRET with HKDF for this purpose alone, Keyer.queue_sealer; the
conversation's key as associated data, so a sealed update cannot be moved to another queue):
Redis (its memory, a replica, a dump someone turns on) never holds them in the clear. A queue
expires PENDING_TTL (a day) after its last push, as the inbox on disk of one process does: an
update nobody could handle for that long is dropped unread rather than kept.

Theory of operation. `claim` locks the first free conversation in `ready`. Its holder handles
the head, acks it (pop, and renew the lock), and repeats until the queue is empty; `release`
then drops the conversation from `ready` only if its queue is still empty, in the same script
that unlocks, so an update pushed meanwhile is never stranded. A worker that dies leaves its
head queued and its conversation in `ready`; the lock runs out after `lock_ttl` and another
worker claims it. A claim that finds a lock taken skips that conversation (it is being
drained): the requeue-on-contention of mailroom, without a second list.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from redis.asyncio import Redis

from bot.store.base import PENDING_TTL
from bot.store.redis_sessions import Names
from bot.store.sealing import Sealer, Unreadable

Arg = bytes | str | int | float
QUEUE_TTL = PENDING_TTL  # seconds an unhandled update is kept after its queue's last push
CLAIM_SCAN = 200  # ready conversations a claim looks at

PUSH = """
redis.call('RPUSH', KEYS[1], ARGV[1])
redis.call('EXPIRE', KEYS[1], ARGV[4])
if ARGV[2] == '1' then
  redis.call('ZADD', KEYS[2], 0, ARGV[3])
else
  redis.call('ZADD', KEYS[2], 'NX', ARGV[5], ARGV[3])
end
redis.call('RPUSH', KEYS[3], '1')
redis.call('LTRIM', KEYS[3], -64, -1)
redis.call('EXPIRE', KEYS[3], 60)
"""
CLAIM = """
local ready = redis.call('ZRANGE', KEYS[1], 0, ARGV[5], 'BYSCORE', 'LIMIT', 0, ARGV[4])
for _, key in ipairs(ready) do
  if redis.call('EXISTS', ARGV[3] .. 'q:' .. key) == 0 then
    redis.call('ZREM', KEYS[1], key)
  elseif redis.call('SET', ARGV[3] .. 'lock:' .. key, ARGV[1], 'NX', 'PX', ARGV[2]) then
    return key
  end
end
return false
"""
ACK = """
if redis.call('GET', KEYS[2]) ~= ARGV[1] then return 0 end
redis.call('LPOP', KEYS[1])
redis.call('PEXPIRE', KEYS[2], ARGV[2])
return 1
"""
RENEW = """
for i, key in ipairs(KEYS) do
  if redis.call('GET', key) == ARGV[1] then redis.call('PEXPIRE', key, ARGV[2]) end
end
"""
RELEASE = """
if redis.call('LLEN', KEYS[1]) == 0 then redis.call('ZREM', KEYS[3], ARGV[2]) end
if redis.call('GET', KEYS[2]) == ARGV[1] then redis.call('DEL', KEYS[2]) end
"""


class RedisTurnQueue:
    """A TurnQueue in Redis; every step one Lua script (one round trip, atomic)."""

    def __init__(
        self, redis: Redis, sealer: Sealer, names: Names | None = None, lock_ttl: float = 5.0
    ) -> None:
        self.redis, self.sealer, self.names = redis, sealer, names or Names()
        self.lock_ttl = int(lock_ttl * 1000)
        self._ready, self._bell = self.names("ready"), self.names("bell")
        self._push, self._claim = redis.register_script(PUSH), redis.register_script(CLAIM)
        self._ack, self._renew = redis.register_script(ACK), redis.register_script(RENEW)
        self._release = redis.register_script(RELEASE)

    def _q(self, key: str) -> str:
        return self.names("q", key)

    def _lock(self, key: str) -> str:
        return self.names("lock", key)

    async def push(self, key: str, item: bytes, urgent: bool) -> None:
        """Append a sealed update and ring the bell."""
        await self.push_many([(key, item, urgent)])

    async def push_many(self, items: Sequence[tuple[str, bytes, bool]]) -> None:
        """Push each in order, all in one pipeline (a page of 100 updates: one round trip)."""
        if not items:
            return
        since = f"{time.time():.3f}"  # ordinary conversations: the oldest waiting goes first
        async with self.redis.pipeline(transaction=False) as pipe:
            for key, item, urgent in items:
                keys = [self._q(key), self._ready, self._bell]
                flag = "1" if urgent else "0"
                sealed = self.sealer.seal(key, item)
                args: list[Arg] = [sealed, flag, key, QUEUE_TTL, since]
                await self._push(keys=keys, args=args, client=pipe)
            await pipe.execute()

    async def claim(self, owner: str, urgent_only: bool = False) -> str | None:
        """Lock the first free ready conversation (urgent ones score 0)."""
        upto = "0" if urgent_only else "+inf"
        args: list[Arg] = [owner, self.lock_ttl, self.names(""), CLAIM_SCAN, upto]
        key = await self._claim(keys=[self._ready], args=args)
        return None if key is None else key.decode()

    async def head(self, key: str) -> bytes | None:
        """The oldest queued update, opened; None when the queue is empty, b"" when no known
        secret opens it (VREDE_SECRET changed without VREDE_OLD_SECRET, or it was altered)."""
        sealed = await self.redis.lindex(self._q(key), 0)
        if sealed is None:
            return None
        try:
            return self.sealer.open(key, _raw(sealed))
        except Unreadable:
            return b""

    async def ack(self, key: str, owner: str) -> bool:
        """Pop the head if the lock is still ours (and renew it)."""
        args: list[Arg] = [owner, self.lock_ttl]
        return bool(await self._ack(keys=[self._q(key), self._lock(key)], args=args))

    async def renew(self, keys: list[str], owner: str) -> None:
        """Renew our locks on these conversations."""
        if keys:
            await self._renew(keys=[self._lock(k) for k in keys], args=[owner, self.lock_ttl])

    async def release(self, key: str, owner: str) -> None:
        """Unlock; drop from `ready` only when nothing is queued."""
        keys = [self._q(key), self._lock(key), self._ready]
        await self._release(keys=keys, args=[owner, key])

    async def wait(self, timeout: float) -> None:
        """Block on the bell (one push rings it once) for up to `timeout` seconds."""
        await self.redis.blpop([self._bell], timeout=timeout)


def _raw(value: bytes | str) -> bytes:
    return value if isinstance(value, bytes) else value.encode()
