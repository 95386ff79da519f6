"""The message trail and the update log in Valkey/Redis, with native expiry.

- trail: a sorted set per conversation (`t:<HMAC>`), message id -> expiry; the key expires with
  its newest id. An index (`trails`) scores each conversation by its oldest expiry, so `purge`
  visits only conversations that have something to drop.
- update log: one sorted set of answered ids (platform running numbers or HMACs of event ids,
  linked to no conversation), id -> when; trimmed to the newest `limit` and to `keep` seconds on
  every write, and expiring `keep` seconds after the last one.
"""

from __future__ import annotations

from collections.abc import Iterable

from redis.asyncio import Redis

from bot.store.base import DELETE_WINDOW, UPDATE_LIMIT, UPDATE_MEMORY, coarse
from bot.store.redis_sessions import Names

PURGE = """
local dropped = 0
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, 1000)
for _, key in ipairs(due) do
  local trail = ARGV[2] .. key
  dropped = dropped + redis.call('ZREMRANGEBYSCORE', trail, '-inf', ARGV[1])
  local first = redis.call('ZRANGE', trail, 0, 0, 'WITHSCORES')
  if #first == 0 then
    redis.call('ZREM', KEYS[1], key)
  else
    redis.call('ZADD', KEYS[1], first[2], key)
  end
end
return {dropped, #due}
"""


def _order(item: tuple[bytes, float]) -> tuple[float, int, bytes]:
    # Oldest first; ids of one moment in numeric order (Telegram's ids count up per chat).
    return item[1], len(item[0]), item[0]


class RedisTrail:
    """A MessageTrail in Redis."""

    def __init__(
        self, redis: Redis, window: int = DELETE_WINDOW, names: Names | None = None
    ) -> None:
        self.redis, self.window, self.names = redis, window, names or Names()
        self._index = self.names("trails")
        self._purge = redis.register_script(PURGE)

    async def add(self, key: str, ids: Iterable[str], now: int) -> None:
        """Remember ids until the delete window closes."""
        expires = coarse(now) + self.window  # to the minute, rounded down, as in SQLite
        rows = dict.fromkeys(ids, expires)
        if not rows:
            return
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.zadd(self.names("t", key), rows)
            pipe.expire(self.names("t", key), max(1, expires - now))
            pipe.zadd(self._index, {key: expires}, lt=True)
            pipe.expire(self._index, self.window)
            await pipe.execute()

    async def take(self, key: str, now: int) -> list[str]:
        """Unexpired ids, oldest first; the conversation's trail is dropped in the same step."""
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.zrangebyscore(self.names("t", key), f"({now}", "+inf", withscores=True)
            pipe.delete(self.names("t", key))
            pipe.zrem(self._index, key)
            rows, _, _ = await pipe.execute()
        return [i.decode() for i, _ in sorted(rows, key=_order)]

    async def forget(self, key: str, ids: Iterable[str]) -> None:
        """Drop some ids."""
        drop = list(ids)
        if drop:
            await self.redis.zrem(self.names("t", key), *drop)

    async def purge(self, now: int) -> int:
        """Drop ids past the delete window (Redis drops whole trails by itself as well)."""
        total = 0
        while True:
            dropped, visited = await self._purge(
                keys=[self._index], args=[now, self.names("t", "")]
            )
            total += int(dropped)
            if int(visited) < 1000:
                return total


class RedisUpdateLog:
    """An UpdateLog in Redis: a short-TTL set of answered ids, shared by every worker."""

    def __init__(
        self,
        redis: Redis,
        keep: int = UPDATE_MEMORY,
        limit: int = UPDATE_LIMIT,
        names: Names | None = None,
    ) -> None:
        self.redis, self.keep, self.limit = redis, keep, limit
        self._key = (names or Names())("updates")

    async def seen(self, ids: Iterable[str]) -> set[str]:
        """Known ids among `ids`."""
        wanted = list(ids)
        if not wanted:
            return set()
        scores = await self.redis.zmscore(self._key, wanted)
        return {i for i, s in zip(wanted, scores, strict=True) if s is not None}

    async def done(self, update_id: str, now: int) -> None:
        """Remember an id; drop old ones and all beyond the newest `limit`, in one step."""
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.zadd(self._key, {update_id: coarse(now)})  # to the minute
            pipe.zremrangebyscore(self._key, "-inf", now - self.keep)
            pipe.zremrangebyrank(self._key, 0, -self.limit - 1)
            pipe.expire(self._key, self.keep)
            await pipe.execute()

    async def count(self) -> int:
        """Remembered ids."""
        return int(await self.redis.zcard(self._key))
