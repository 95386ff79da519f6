"""Stored data as promised: what expired while the bot was down is purged when it starts, with
no message arriving, and nothing about a conversation is kept longer than the conversation."""

from __future__ import annotations

from pathlib import Path

from bot.engine.session import Session
from bot.store.base import Pending
from bot.store.sqlite import SqliteStore
from bot.store.wiring import beside
from harness.clock import FROZEN
from harness.telegram_api import FakeTelegram
from tests.transports.telegram.fixtures import start_bot

NOW = int(FROZEN.timestamp())
DAY = 24 * 3600


async def test_at_start_everything_expired_is_purged_without_a_message(
    fake: FakeTelegram, db_path: Path, make_tg_runner
) -> None:  # type: ignore[no-untyped-def]
    store = SqliteStore(db_path)
    stores = beside(store)
    old = NOW - DAY - 120  # written a day and two minutes before the start
    await store.save("k-old", Session("home", "nl", "v1", old, old), old)
    await store.save("k-new", Session("home", "nl", "v1", NOW, NOW), NOW - 60)
    await stores.trail.add("k-old", ["5"], old)
    await stores.pending.put(Pending("tg:1", 1, "k-old", b"sealed"), old)
    bot = await start_bot(fake, make_tg_runner(store), store)
    await fake.until(lambda: store.db.execute("SELECT COUNT(*) FROM sessions").fetchone()[0] == 1)
    assert await stores.trail.take("k-old", NOW) == [], "message ids go with the conversation"
    assert await stores.pending.count() == 0, "a day-old unanswered update is dropped unread"
    await bot.stop()
    await store.close()


async def test_message_ids_are_kept_no_longer_than_the_conversation(db_path: Path) -> None:
    store = SqliteStore(db_path)  # the default TTL: 24 hours, while Telegram allows 48
    trail = beside(store).trail
    await trail.add("k", ["7"], NOW)
    assert await trail.take("k", NOW + DAY - 60) == ["7"]
    await trail.add("k", ["7"], NOW)
    assert await trail.take("k", NOW + DAY) == [], "gone with the conversation, not at 48 h"
    await store.close()
