"""Chaos: the real `vrede telegram` process killed with SIGKILL in the middle of a burst, and a
Bot API that allows only 5 messages a second. Part of the normal suite (marked `chaos`, so
`pytest -m chaos` runs them alone), kept to about half a minute together.

The rules they hold the bot to (README, 'Telegram'): no confirmed message is lost; a message
answered just before a crash may be answered once more after it (at most twice), never more;
nothing is given up because Telegram pushes back.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from pathlib import Path

import pytest

from bot.runner import Runner
from bot.store.sqlite import SqliteStore
from bot.transports.outbox import Limits
from harness.telegram_api import FakeTelegram
from tests.transports.telegram.fixtures import start_bot
from tests.transports.telegram.test_telegram_faults import BotProcess, answers, assert_private

pytestmark = pytest.mark.chaos
CHATS = range(9000, 9050)
EACH = 4  # messages per chat: 200 in all, within the backlog limit (none is collapsed)


async def test_kill_9_in_a_burst_of_200_from_50_chats_loses_nothing(
    fake: FakeTelegram, tmp_path: Path
) -> None:
    bot = BotProcess(fake, tmp_path / "data")
    await bot.start()
    await fake.until(lambda: any(m == "getUpdates" for m, _ in fake.calls), timeout=30)
    for n in range(EACH):
        for chat in CHATS:
            fake.text(chat, "/start" if n == 0 else f"hallo {n}")
    sent = lambda: sum(answers(fake, c) for c in CHATS)  # noqa: E731
    await fake.until(lambda: sent() >= 60, timeout=30)  # a third answered, the rest in flight
    await bot.kill()
    at_kill = sent()
    assert fake.confirmed > max(u["update_id"] for u in fake.pending or [{"update_id": 0}])
    await bot.start()
    await fake.until(lambda: all(answers(fake, c) >= EACH for c in CHATS), timeout=60)
    await asyncio.sleep(0.5)  # anything still coming would be a double
    assert await bot.stop() == 0
    per_chat = Counter({c: answers(fake, c) for c in CHATS})
    doubles = sum(per_chat.values()) - EACH * len(CHATS)
    assert min(per_chat.values()) >= EACH, "0 lost: every message answered"
    assert max(per_chat.values()) <= 2 * EACH, "at most twice"
    assert doubles <= len(CHATS), f"only answers on their way at the kill repeat ({doubles})"
    assert at_kill < EACH * len(CHATS), "the kill came in the middle of the burst"
    assert_private(tmp_path / "data")
    print(f"answered at the kill {at_kill}/200, doubles after the restart {doubles}")


async def test_a_bot_api_capped_at_5_a_second_gives_up_nothing_silently(
    fake: FakeTelegram, db_path: Path, make_tg_runner
) -> None:  # type: ignore[no-untyped-def]
    fake.rate_limits, fake.per_second = True, 5  # far below what the outbox expects (30/s)
    store = SqliteStore(db_path)
    runner: Runner = make_tg_runner(store)
    bot = await start_bot(fake, runner, store, limits=Limits())
    ids = [fake.text(c, "/start") for c in CHATS]
    await asyncio.gather(*(fake.handled(i, timeout=60) for i in ids))
    await bot.stop()
    await store.close()
    counts = runner.metrics.counts
    assert fake.too_many > 0, "the server did push back"
    assert all(answers(fake, c) == 1 for c in CHATS), "each answered once"
    assert not counts.get("outbox_failures") and not counts.get("updates_undelivered")
    assert not counts.get("telegram_send_failed")
