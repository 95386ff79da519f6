"""The lease and the send budget in Valkey/Redis (coordination.py has the ports).

Both are single Lua scripts, so every check-and-set is atomic however many processes ask at
once, and both read Redis's own clock (TIME), so the processes' clocks never need to agree.
"""

from __future__ import annotations

import itertools
import secrets

from redis.asyncio import Redis

from bot.store.coordination import Grant
from bot.store.redis_sessions import Names

HOLD_MS = 3000  # a send not reported finished counts as in flight this long (a process died)

RENEW = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
"""
ACQUIRE = """
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 end
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
"""
RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""
# A sliding window over the sends of the last `window` ms (a log in a sorted set, as exact as
# the one-process outbox): a granted send is scored `hold` ms ahead (in flight) until FINISHED
# scores it when it finished. Ordinary sends leave `reserve` slots for acute-danger replies; a
# chat key that lives `interval` ms keeps a chat to one send a second. An acute-danger reply
# that finds the window full raises a flag (KEYS[3], 100 ms) that holds every ordinary send
# back, whichever process it is in, so the next free slot is the danger reply's. Returns 0
# when the send may go, a positive wait (ms) for the bot's window, a negative one for the
# chat's interval.
TAKE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local per, reserve, window = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local urgent = ARGV[5] == '1'
local chat_wait = redis.call('PTTL', KEYS[2])
if chat_wait > 0 then return -chat_wait end
if not urgent and redis.call('EXISTS', KEYS[3]) == 1 then return 20 end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local room = per
if not urgent then room = per - reserve end
local used = redis.call('ZCARD', KEYS[1])
if used >= room then
  if urgent then redis.call('SET', KEYS[3], '1', 'PX', 100) end
  local frees = tonumber(redis.call('ZRANGE', KEYS[1], used - room, used - room, 'WITHSCORES')[2])
  if frees > now then return 20 end
  return math.max(1, frees + window - now)
end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[7]), ARGV[6])
redis.call('PEXPIRE', KEYS[1], window + tonumber(ARGV[7]))
redis.call('SET', KEYS[2], '1', 'PX', ARGV[4])
return 0
"""
FINISHED = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZADD', KEYS[1], 'XX', now, ARGV[1])
redis.call('SET', KEYS[2], '1', 'PX', ARGV[2])
"""


class RedisLease:
    """A Lease: `SET NX PX`, renewed and released only by its owner."""

    def __init__(self, redis: Redis, names: Names | None = None) -> None:
        self.names = names or Names()
        self._acquire = redis.register_script(ACQUIRE)
        self._renew = redis.register_script(RENEW)
        self._release = redis.register_script(RELEASE)

    async def acquire(self, name: str, owner: str, ttl: float) -> bool:
        """Take the lease if free or ours."""
        key = self.names("lease", name)
        return bool(await self._acquire(keys=[key], args=[owner, int(ttl * 1000)]))

    async def renew(self, name: str, owner: str, ttl: float) -> bool:
        """Extend it; False when it is no longer ours."""
        key = self.names("lease", name)
        return bool(await self._renew(keys=[key], args=[owner, int(ttl * 1000)]))

    async def release(self, name: str, owner: str) -> None:
        """Give it up if ours."""
        await self._release(keys=[self.names("lease", name)], args=[owner])


class RedisBudget:
    """A SendBudget for one bot (one namespace serves one bot), one Lua script per send."""

    def __init__(
        self,
        redis: Redis,
        scope: str = "telegram",
        per_window: int = 30,
        reserve: int = 2,
        window: float = 1.01,
        chat_interval: float = 1.01,
        names: Names | None = None,
    ) -> None:
        self.names = names or Names()
        self.scope = scope
        self._args = [per_window, min(reserve, per_window - 1), int(window * 1000)]
        self._interval = int(chat_interval * 1000)
        self._take = redis.register_script(TAKE)
        self._finished = redis.register_script(FINISHED)
        self._ids = itertools.count()
        self._me = secrets.token_hex(4)  # sends of different processes never collide

    def _keys(self, chat: str) -> list[str]:
        bot = self.names("budget", self.scope)
        return [bot, self.names("budget", self.scope, chat), f"{bot}:urgent"]

    async def take(self, chat: str, urgent: bool) -> Grant:
        """A granted send, or how long to wait."""
        send = f"{self._me}.{next(self._ids)}"
        args = [*self._args, self._interval, "1" if urgent else "0", send, HOLD_MS]
        wait = int(await self._take(keys=self._keys(chat), args=args))
        return Grant(send=send) if wait == 0 else Grant(abs(wait) / 1000, wait < 0)

    async def finished(self, chat: str, send: str) -> None:
        """Count the send from now, and the chat's second from now."""
        await self._finished(keys=self._keys(chat), args=[send, self._interval])
