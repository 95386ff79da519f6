"""The relay's store (RelayStore, relay_base.py) in Valkey/Redis, shared by every bot process.

Keys, under the namespace as for the other ports:
- `relay:invite:<HMAC of the code>` a hash (person, expiry by the runner's clock), with a native
  expiry of INVITE_LIFE, the longest a code lives; redeeming it deletes it in the same step.
- `relay:helpers` one hash: a trusted person's chat key (an HMAC) -> their enrolment as JSON
  (directory id, platform, chat id sealed with the secret, available, reports). Enrolments
  do not expire, as in SQLite; with the recommended `save ""` a restart of Redis loses them,
  and trusted persons are invited again (README, "Two machines").
- `relay:pairing:<random id>` a hash (the Pairing as JSON: two keys, times, a pseudonym; never
  text), expiring natively when the relay would be dropped anyway, and `relay:pairings` a
  sorted set of relay ids by expiry, for `pairings` and to drop what expired.
Nothing here names a resident: their side of a relay is the conversation's HMAC key.
"""

from __future__ import annotations

import json
from dataclasses import asdict

from redis.asyncio import Redis

from bot.store.base import Helper, Pairing
from bot.store.redis_conn import text
from bot.store.redis_sessions import Names
from bot.store.relay_base import INVITE_LIFE

REDEEM = """
local found = redis.call('HMGET', KEYS[1], 'p', 'e')
redis.call('DEL', KEYS[1])
if found[1] and tonumber(found[2]) > tonumber(ARGV[1]) then return found[1] end
return false
"""
# One chat per person, and a chat belongs to one person: the person's other chat goes, and
# writing the chat's field replaces whoever had it.
ENROL = """
local all = redis.call('HGETALL', KEYS[1])
for i = 1, #all, 2 do
  if all[i] ~= ARGV[1] and cjson.decode(all[i + 1]).person == ARGV[3] then
    redis.call('HDEL', KEYS[1], all[i])
  end
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
"""
# The relay and its index entry; the index lives as long as its longest-lived relay.
SAVE = """
redis.call('HSET', KEYS[1], 'd', ARGV[2], 'e', ARGV[3])
redis.call('EXPIRE', KEYS[1], ARGV[4])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
if redis.call('TTL', KEYS[2]) < tonumber(ARGV[4]) then redis.call('EXPIRE', KEYS[2], ARGV[4]) end
"""
# Drops relays whose expiry (by the runner's clock) has come; returns the ids left.
LIVE = """
local old = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
for _, id in ipairs(old) do redis.call('DEL', ARGV[2] .. id) end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
return redis.call('ZRANGE', KEYS[1], 0, -1)
"""


class RedisRelay:
    """A RelayStore in Redis."""

    def __init__(self, redis: Redis, names: Names | None = None) -> None:
        self.redis, self.names = redis, names or Names()
        self._helpers, self._index = self.names("relay", "helpers"), self.names("relay", "pairings")
        self._redeem, self._enrol = redis.register_script(REDEEM), redis.register_script(ENROL)
        self._save, self._live = redis.register_script(SAVE), redis.register_script(LIVE)

    def _pairing(self, relay_id: str) -> str:
        return self.names("relay", "pairing", relay_id)

    async def invite(self, code_key: str, person: str, expires: int) -> None:
        """Remember a code's HMAC (a new invite for the same code replaces it)."""
        key = self.names("relay", "invite", code_key)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hset(key, mapping={"p": person, "e": expires})
            pipe.expire(key, INVITE_LIFE)
            await pipe.execute()

    async def redeem(self, code_key: str, now: int) -> str | None:
        """Use a code up, in one step (two processes cannot both redeem it)."""
        found = await self._redeem(keys=[self.names("relay", "invite", code_key)], args=[now])
        return None if found is None else text(found)

    async def enrol(self, helper: Helper) -> None:
        """Store or replace a person's link."""
        args = [helper.key, json.dumps(asdict(helper)), helper.person]
        await self._enrol(keys=[self._helpers], args=args)

    async def helper(self, key: str) -> Helper | None:
        """The enrolled person whose chat has this key."""
        raw = await self.redis.hget(self._helpers, key)
        return None if raw is None else Helper(**json.loads(raw))

    async def helpers(self) -> list[Helper]:
        """Every enrolled person, by directory id."""
        found = [
            Helper(**json.loads(raw)) for raw in (await self.redis.hgetall(self._helpers)).values()
        ]
        return sorted(found, key=lambda h: h.person)

    async def save_pairing(self, pairing: Pairing, expires: int) -> None:
        """Store or replace a relay. Every save sets `touched` to the time of the save (relay/),
        so Redis drops the key by itself `expires - touched` seconds from now."""
        keys = [self._pairing(pairing.id), self._index]
        args: list[str | int] = [pairing.id, pairing.to_json(), expires]
        args.append(max(1, expires - pairing.touched))
        await self._save(keys=keys, args=args)

    async def pairing(self, relay_id: str, now: int) -> Pairing | None:
        """A relay unless it ended or expired."""
        data, expires = await self.redis.hmget(self._pairing(relay_id), ["d", "e"])
        if data is None or expires is None or int(expires) <= now:
            return None
        return Pairing.from_json(text(data))

    async def pairings(self, now: int) -> list[Pairing]:
        """Every live relay, oldest first; expired ones are dropped."""
        ids = await self._live(keys=[self._index], args=[now, self._pairing("")])
        if not ids:
            return []
        async with self.redis.pipeline(transaction=False) as pipe:
            for relay_id in ids:
                pipe.hget(self._pairing(text(relay_id)), "d")
            found = [Pairing.from_json(text(raw)) for raw in await pipe.execute() if raw]
        return sorted(found, key=lambda p: (p.started, p.id))

    async def drop_pairing(self, relay_id: str) -> None:
        """Forget a relay."""
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.delete(self._pairing(relay_id))
            pipe.zrem(self._index, relay_id)
            await pipe.execute()
