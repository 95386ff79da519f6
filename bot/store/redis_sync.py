"""The Matrix sync state and the weekly figures in Valkey/Redis.

Sync state: the token (a stream position, naming nobody) and a hash per room the bot opened
(`room:<HMAC>`: code, lang, greeted). Both expire when unused for `keep` seconds (the token is
rewritten on every sync, a room whenever it is touched), so a retired bot leaves nothing behind.

Figures: a hash per ISO week (`fig:<week>`: "region figure" -> count) and a set of the weeks
there are; weekly totals only, as in SQLite. They expire after `FIGURES_KEEP` (a report is taken
long before); with the recommended `save ""` a Redis restart loses them (README, "Two machines").
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from redis.asyncio import Redis

from bot.store.base import FigureRow, OwnRoom
from bot.store.redis_conn import text
from bot.store.redis_sessions import Names

SYNC_KEEP = 90 * 24 * 3600
FIGURES_KEEP = 400 * 24 * 3600


class RedisSyncState:
    """A SyncState in Redis, shared by the Matrix leader and its standby."""

    def __init__(self, redis: Redis, names: Names | None = None, keep: int = SYNC_KEEP) -> None:
        self.redis, self.names, self.keep = redis, names or Names(), keep

    async def token(self) -> str | None:
        """The saved sync token, or None on the very first start."""
        value = await self.redis.get(self.names("matrix", "token"))
        return text(value) if value is not None else None

    async def save_token(self, token: str) -> None:
        """Remember where to continue."""
        await self.redis.set(self.names("matrix", "token"), token, ex=self.keep)

    async def add_room(self, key: str, code: str | None, lang: str | None) -> None:
        """Remember a room the bot created, still to be greeted."""
        room = self.names("matrix", "room", key)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.delete(room)
            pipe.hset(room, mapping={"greeted": "0", "code": code or "", "lang": lang or ""})
            pipe.expire(room, self.keep)
            await pipe.execute()

    async def room(self, key: str) -> OwnRoom | None:
        """The bot's own room under this key, or None for a room someone else created."""
        code, lang, greeted = await self.redis.hmget(
            self.names("matrix", "room", key), ["code", "lang", "greeted"]
        )
        if greeted is None or code is None or lang is None:
            return None
        return OwnRoom(text(code) or None, text(lang) or None, text(greeted) == "1")

    async def greeted(self, key: str) -> None:
        """The greeting went out; the entry code and language are no longer kept."""
        room = self.names("matrix", "room", key)
        if await self.redis.exists(room):
            await self.redis.hset(room, mapping={"greeted": "1", "code": "", "lang": ""})

    async def drop_room(self, key: str) -> None:
        """The bot left the room: forget it."""
        await self.redis.delete(self.names("matrix", "room", key))


class RedisFigures:
    """Figures in Redis: weekly totals, incremented atomically by every worker."""

    def __init__(self, redis: Redis, names: Names | None = None) -> None:
        self.redis, self.names = redis, names or Names()

    async def add(self, week: str, region: str, names: Iterable[str]) -> None:
        """Increment in place; a turn's figures go in one transaction."""
        counts = Counter(names)
        if not counts:
            return
        key = self.names("fig", week)
        async with self.redis.pipeline(transaction=True) as pipe:
            for name, by in counts.items():
                pipe.hincrby(key, f"{region} {name}", by)
            pipe.expire(key, FIGURES_KEEP)
            pipe.sadd(self.names("fig", "weeks"), week)
            pipe.expire(self.names("fig", "weeks"), FIGURES_KEEP)
            await pipe.execute()

    async def read(self, first: str, last: str) -> list[FigureRow]:
        """The stored totals of weeks `first` to `last`."""
        weeks = sorted(text(w) for w in await self.redis.smembers(self.names("fig", "weeks")))
        rows = []
        for week in (w for w in weeks if first <= w <= last):
            for field, value in (await self.redis.hgetall(self.names("fig", week))).items():
                region, figure = text(field).split(" ", 1)
                rows.append(FigureRow(week, region, figure, int(value)))
        return sorted(rows, key=lambda r: (r.week, r.region, r.figure))
