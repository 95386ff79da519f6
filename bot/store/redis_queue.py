"""Queues per conversation in Valkey/Redis: RapidPro mailroom's pattern (coordination.py).

Keys: `q:<HMAC>` a list of sealed updates, oldest first; `lock:<HMAC>` the worker draining it;
`ready` a sorted set of conversations with updates (urgent ones scored 0, others by when they
became ready, so the oldest goes first); `bell` a list a waiting worker blocks on.

Updates hold what residents wrote, so they are sealed with AES-GCM under a key derived from
VREDE_SECRET: Redis (its memory, a replica, a dump someone turns on) never holds them in the
clear. A queue expires `QUEUE_TTL` after its last push: an update nobody could handle for that
long is dropped rather than kept.

Theory of operation. `claim` locks the first free conversation in `ready`. Its holder handles
the head, acks it (pop, and renew the lock), and repeats until the queue is empty; `release`
then drops the conversation from `ready` only if its queue is still empty, in the same script
that unlocks, so an update pushed meanwhile is never stranded. A worker that dies leaves its
head queued and its conversation in `ready`; the lock runs out after `lock_ttl` and another
worker claims it. A claim that finds a lock taken skips that conversation (it is being
drained): the requeue-on-contention of mailroom, without a second list.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Sequence

from Crypto.Cipher import AES
from redis.asyncio import Redis

from bot.store.redis_sessions import Names

Arg = bytes | str | int | float
QUEUE_TTL = 600  # seconds an unhandled update is kept
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


class Sealer:
    """AES-256-GCM with a random nonce per item: nonce (12) | tag (16) | ciphertext."""

    def __init__(self, key: bytes) -> None:
        if len(key) != 32:
            raise ValueError("the sealing key must be 32 bytes")
        self._key = key

    def seal(self, data: bytes) -> bytes:
        nonce = secrets.token_bytes(12)
        cipher = AES.new(self._key, AES.MODE_GCM, nonce=nonce)
        body, tag = cipher.encrypt_and_digest(data)
        return nonce + tag + body

    def open(self, sealed: bytes) -> bytes:
        """The data; ValueError when it was not sealed with this key or was altered."""
        cipher = AES.new(self._key, AES.MODE_GCM, nonce=sealed[:12])
        return cipher.decrypt_and_verify(sealed[28:], sealed[12:28])


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
                args: list[Arg] = [self.sealer.seal(item), flag, key, QUEUE_TTL, since]
                await self._push(keys=keys, args=args, client=pipe)
            await pipe.execute()

    async def claim(self, owner: str, urgent_only: bool = False) -> str | None:
        """Lock the first free ready conversation (urgent ones score 0)."""
        upto = "0" if urgent_only else "+inf"
        args: list[Arg] = [owner, self.lock_ttl, self.names(""), CLAIM_SCAN, upto]
        key = await self._claim(keys=[self._ready], args=args)
        return None if key is None else key.decode()

    async def head(self, key: str) -> bytes | None:
        """The oldest queued update, opened; None when the queue is empty."""
        sealed = await self.redis.lindex(self._q(key), 0)
        return None if sealed is None else self.sealer.open(_raw(sealed))

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
