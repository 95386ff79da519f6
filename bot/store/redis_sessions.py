"""Sessions in Valkey/Redis (VREDE_REDIS_URL): the distributed backend, one module per port.

Every key is `<namespace>:<what>:<HMAC>`; nothing in a key or value names a resident. Each key
carries a native expiry (EXPIRE), so Redis forgets a conversation by itself; the value also holds
its expiry time by the runner's clock, so that a load at `now` answers exactly like the SQLite
store (tests pass fixed times). A sorted set of keys by expiry gives `count` and `purge` without
scanning the keyspace; it expires with the last session.
"""

from __future__ import annotations

from redis.asyncio import Redis

from bot.engine.session import Session
from bot.store.base import DEFAULT_TTL, coarse, coarse_session
from bot.store.redis_conn import text

# Deletes the sessions whose expiry has passed, and their index entries, in one step: a session
# saved again meanwhile has a later score and is left alone.
PURGE = """
local old = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, 1000)
for _, key in ipairs(old) do
  redis.call('DEL', ARGV[2] .. key)
  redis.call('ZREM', KEYS[1], key)
end
return #old
"""


class Names:
    """Key names under one namespace (several bots, or tests, may share a server)."""

    def __init__(self, namespace: str = "vrede") -> None:
        self.ns = namespace

    def __call__(self, *parts: str) -> str:
        return ":".join((self.ns, *parts))


class RedisStore:
    """A SessionStore in Redis: a hash per conversation (data, expires) with a native TTL."""

    def __init__(self, redis: Redis, ttl: int = DEFAULT_TTL, names: Names | None = None) -> None:
        self.redis, self.ttl, self.names = redis, ttl, names or Names()
        self._index = self.names("sessions")
        self._purge = redis.register_script(PURGE)

    def _key(self, key: str) -> str:
        return self.names("s", key)

    async def load(self, key: str, now: int) -> Session | None:
        """The session unless expired."""
        data, expires = await self.redis.hmget(self._key(key), ["d", "e"])
        if data is None or expires is None or int(expires) <= now:
            return None
        return Session.from_json(text(data))

    async def save(self, key: str, session: Session, now: int) -> None:
        """Store with a native expiry, in one transaction with the index; its times and its
        expiry to the minute, so it never outlives the TTL."""
        expires = coarse(now) + self.ttl  # times to the minute, rounded down, as in SQLite
        data = coarse_session(session).to_json()
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hset(self._key(key), mapping={"d": data, "e": expires})
            pipe.expire(self._key(key), max(1, expires - now))
            pipe.zadd(self._index, {key: expires})
            pipe.expire(self._index, self.ttl)
            await pipe.execute()

    async def delete(self, key: str) -> None:
        """Forget now (Redis frees the memory; nothing is on disk with `save ""`)."""
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.delete(self._key(key))
            pipe.zrem(self._index, key)
            await pipe.execute()

    async def purge(self, now: int) -> int:
        """Drop what expired by the runner's clock (Redis drops it by its own clock anyway)."""
        dropped = 0
        while True:
            batch = int(await self._purge(keys=[self._index], args=[now, self.names("s", "")]))
            dropped += batch
            if batch < 1000:
                return dropped

    async def count(self) -> int:
        """Stored sessions."""
        return int(await self.redis.zcard(self._index))

    async def close(self) -> None:
        """Close the connection pool (shared by every Redis port)."""
        await self.redis.aclose()
