"""The inbox of confirmed, unanswered updates (PendingUpdates) in Valkey/Redis.

Keys: `p:<id>` a hash per update (seq, the conversation's HMAC key, the sealed update, its
expiry by the runner's clock), with a native expiry, so Redis drops it unread by itself a day
after it came in (PENDING_TTL, to the minute as in SQLite); `pending` a sorted set of ids by
seq (the order to answer in) and `pending:due` one by expiry (for `purge`), both expiring a
TTL after the last put. The id is a platform's running number (`tg:123`), linked to no chat;
the update itself stays sealed (store/sealing.py), so nothing here names a resident.
"""

from __future__ import annotations

from typing import cast

from redis.asyncio import Redis

from bot.store.base import PENDING_TTL, Pending, coarse
from bot.store.redis_conn import text
from bot.store.redis_sessions import Names

Arg = bytes | str | int | float
Row = list[bytes | str | None]

# An id already kept stays as it is (as SQLite's INSERT OR IGNORE); otherwise the row and both
# index entries in one step.
PUT = """
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 's', ARGV[2], 'k', ARGV[3], 'd', ARGV[4], 'e', ARGV[5])
redis.call('EXPIRE', KEYS[1], ARGV[6])
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1])
redis.call('ZADD', KEYS[3], ARGV[5], ARGV[1])
redis.call('EXPIRE', KEYS[2], ARGV[7])
redis.call('EXPIRE', KEYS[3], ARGV[7])
return 1
"""
# Drops the rows whose expiry (by the runner's clock) has come, and their index entries.
PURGE = """
local old = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[1], 'LIMIT', 0, 1000)
for _, id in ipairs(old) do
  redis.call('DEL', ARGV[2] .. id)
  redis.call('ZREM', KEYS[1], id)
  redis.call('ZREM', KEYS[2], id)
end
return #old
"""
FIELDS = ["s", "k", "d"]


class RedisPending:
    """PendingUpdates in Redis, shared by every bot process."""

    def __init__(self, redis: Redis, ttl: int = PENDING_TTL, names: Names | None = None) -> None:
        self.redis, self.ttl, self.names = redis, ttl, names or Names()
        self._order, self._due = self.names("pending"), self.names("pending", "due")
        self._put, self._purge = redis.register_script(PUT), redis.register_script(PURGE)

    def _row(self, item_id: str) -> str:
        return self.names("p", item_id)

    async def put(self, item: Pending, now: int) -> None:
        """Keep an update until it is answered, or at most `ttl` (from the minute it came)."""
        expires = coarse(now) + self.ttl
        keys = [self._row(item.id), self._order, self._due]
        ttl = max(1, expires - now)
        args: list[Arg] = [item.id, item.seq, item.key, item.sealed, expires, ttl, self.ttl]
        await self._put(keys=keys, args=args)

    async def get(self, item_id: str) -> Pending | None:
        """One kept update, or None."""
        return _pending(item_id, await self.redis.hmget(self._row(item_id), FIELDS))

    async def page(self, after: int, limit: int) -> list[Pending]:
        """Kept updates with `seq` above `after`, lowest first; index entries of rows Redis
        already dropped by itself are cleared on the way."""
        out: list[Pending] = []
        while len(out) < limit:
            found = cast(
                list[tuple[bytes, float]],
                await self.redis.zrangebyscore(
                    self._order, f"({after}", "+inf", start=0, num=limit - len(out), withscores=True
                ),
            )
            if not found:
                break
            async with self.redis.pipeline(transaction=False) as pipe:
                for raw, _ in found:
                    pipe.hmget(self._row(raw.decode()), FIELDS)
                rows = await pipe.execute()
            gone = []
            for (raw, _), row in zip(found, rows, strict=True):
                if (item := _pending(raw.decode(), row)) is None:
                    gone.append(raw)
                else:
                    out.append(item)
            if gone:
                await self._unindex(gone)
            after = int(found[-1][1])
        return out

    async def done(self, item_id: str) -> None:
        """Answered (or given up): forget it now."""
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.delete(self._row(item_id))
            pipe.zrem(self._order, item_id)
            pipe.zrem(self._due, item_id)
            await pipe.execute()

    async def purge(self, now: int) -> int:
        """Drop updates past their expiry (Redis drops the rows by its own clock anyway)."""
        dropped = 0
        while True:
            keys = [self._order, self._due]
            batch = int(await self._purge(keys=keys, args=[now, self.names("p", "")]))
            dropped += batch
            if batch < 1000:
                return dropped

    async def count(self) -> int:
        """How many are kept."""
        return int(await self.redis.zcard(self._order))

    async def _unindex(self, ids: list[bytes]) -> None:
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.zrem(self._order, *ids)
            pipe.zrem(self._due, *ids)
            await pipe.execute()


def _pending(item_id: str, row: Row) -> Pending | None:
    seq, key, sealed = row
    if seq is None or key is None or sealed is None:
        return None
    return Pending(
        item_id, int(seq), text(key), sealed if isinstance(sealed, bytes) else sealed.encode()
    )
