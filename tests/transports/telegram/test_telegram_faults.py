"""Faults: 429 bursts, 500s, timeouts, and a bot process killed mid-conversation.

The invariant in every case: each resident message gets exactly one answer.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import pytest

from bot.runner import Runner
from bot.store.sqlite import SqliteStore
from bot.transports.outbox import Limits
from bot.transports.telegram import intake
from bot.transports.telegram.receive import Poller
from harness.telegram_api import FakeTelegram
from tests.conftest import ROOT
from tests.transports.telegram.fixtures import Harness, start_bot


async def burst(fake: FakeTelegram, chats: range, text: str = "/start") -> None:
    """Many residents write at once; wait until every one is answered."""
    ids = [fake.text(c, text) for c in chats]
    await asyncio.gather(*(fake.handled(i, timeout=30) for i in ids))


def answers(fake: FakeTelegram, chat: int) -> int:
    return len(fake.bot_messages(chat, visible=False))


async def test_within_telegrams_limits_no_429_is_ever_received(
    fake: FakeTelegram, db_path: Path, make_tg_runner
) -> None:  # type: ignore[no-untyped-def]
    fake.rate_limits = True
    store = SqliteStore(db_path)
    bot = await start_bot(fake, make_tg_runner(store), store, limits=Limits())
    chats = range(1000, 1045)
    await burst(fake, chats)
    await bot.stop()
    await store.close()
    assert fake.too_many == 0
    assert all(answers(fake, c) == 1 for c in chats)


async def test_429_bursts_are_retried_after_retry_after(
    fake: FakeTelegram, db_path: Path, make_tg_runner
) -> None:  # type: ignore[no-untyped-def]
    fake.rate_limits, fake.per_second = True, 8  # stricter than the outbox expects
    store = SqliteStore(db_path)
    runner: Runner = make_tg_runner(store)
    bot = await start_bot(fake, runner, store, limits=Limits(chat_interval=0.05))
    chats = range(2000, 2020)
    await burst(fake, chats)
    await bot.stop()
    await store.close()
    assert fake.too_many > 0, "the server did push back"
    assert runner.metrics.counts["outbox_retries"] >= fake.too_many
    assert all(answers(fake, c) == 1 for c in chats)


async def test_500s_and_timeouts_are_retried_without_double_answers(
    fake: FakeTelegram, db_path: Path, make_tg_runner
) -> None:  # type: ignore[no-untyped-def]
    store = SqliteStore(db_path)
    bot = await start_bot(fake, make_tg_runner(store), store, timeout=0.4)
    fake.fail("sendMessage", times=3, status=500)
    fake.fail("sendMessage", times=1, status=502)
    fake.slow("sendMessage", seconds=1.0, times=2)  # longer than the bot waits: a timeout
    fake.fail("getUpdates", times=2, status=500)
    chats = range(3000, 3006)
    await burst(fake, chats)
    await bot.stop()
    await store.close()
    assert all(answers(fake, c) == 1 for c in chats)
    assert not fake.faults["sendMessage"], "every fault was met"


class BotProcess:
    """`vrede telegram` as a real process, against the fake server."""

    def __init__(self, fake: FakeTelegram, data: Path) -> None:
        self.env = {
            **os.environ,
            "TELEGRAM_TOKEN": fake.token,
            "TELEGRAM_API_URL": fake.url,
            "VREDE_DATA_DIR": str(data),
            "VREDE_SECRET": "kill-test-secret-0123456789",
        }
        self.proc: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        cmd = [sys.executable, "-m", "bot.cli", "telegram"]
        self.proc = await asyncio.create_subprocess_exec(
            *cmd, cwd=ROOT, env=self.env, stderr=asyncio.subprocess.DEVNULL
        )

    async def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        await self.proc.wait()

    async def stop(self) -> int:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGTERM)
        return await asyncio.wait_for(self.proc.wait(), 20)


def assert_private(folder: Path) -> None:
    """Every file the bot made is readable by its own user only."""
    files = [f for f in folder.rglob("*") if f.is_file()]
    assert files
    for f in files:
        assert f.stat().st_mode & 0o077 == 0, f"{f.name} is readable by others"


async def test_killed_mid_conversation_every_message_gets_exactly_one_answer(
    fake: FakeTelegram, tmp_path: Path
) -> None:
    a, c = 4001, 4003
    bot = BotProcess(fake, tmp_path / "data")
    await bot.start()
    await fake.handled(fake.text(a, "/start"), timeout=30)
    release = fake.hold("sendMessage", c)  # c's answer will be on its way when the bot dies
    c_start = fake.text(c, "/start")
    await fake.until(
        lambda: any(m == "sendMessage" and p.get("chat_id") == c for m, p in fake.calls)
    )
    fake.text(a, "hallo")  # answered before the crash, but not yet confirmed to Telegram
    await fake.until(lambda: answers(fake, a) == 2)
    polls = sum(1 for m, _ in fake.calls if m == "getUpdates")
    await fake.until(lambda: sum(1 for m, _ in fake.calls if m == "getUpdates") > polls)
    assert fake.confirmed <= c_start, "c's update is still unconfirmed"
    await bot.kill()
    crashed = {f.name for f in (tmp_path / "data").iterdir()}
    assert {"vrede.sqlite3-wal", "vrede.sqlite3-shm"} <= crashed, crashed
    assert_private(tmp_path / "data")  # also what a crash leaves behind
    release.set()
    await bot.start()
    await fake.until(lambda: answers(fake, c) == 1, timeout=30)
    await fake.handled(fake.text(a, "nog iets"), timeout=30)
    await fake.handled(fake.text(c, "hallo"), timeout=30)
    assert await bot.stop() == 0
    assert answers(fake, a) == 3, "/start, hallo, nog iets: one answer each, none twice"
    assert_private(tmp_path / "data")
    assert answers(fake, c) == 2, "/start (redelivered after the crash) and hallo"


async def test_a_danger_phrase_does_not_wait_for_a_turn_behind_greetings(
    fake: FakeTelegram, db_path: Path, make_tg_runner
) -> None:  # type: ignore[no-untyped-def]
    """With every turn taken by greetings whose answers hang, acute danger is still answered."""
    store = SqliteStore(db_path)
    bot = await start_bot(fake, make_tg_runner(store), store, workers=2)
    holds = [fake.hold("sendMessage", c) for c in (5001, 5002)]
    for chat in (5001, 5002, 5003):
        fake.text(chat, "/start")
    await fake.until(lambda: sum(1 for m, _ in fake.calls if m == "sendMessage") == 2)
    fake.text(5004, "hij heeft een mes")
    await fake.until(lambda: answers(fake, 5004) == 1)
    assert "112" in (fake.bot_messages(5004)[0].text or "")
    assert answers(fake, 5003) == 0, "the third greeting still waits for a turn"
    for release in holds:
        release.set()
    await fake.until(lambda: all(answers(fake, c) == 1 for c in (5001, 5002, 5003)), timeout=15)
    await bot.stop()
    await store.close()


async def test_past_max_held_updates_telegram_keeps_the_rest(
    fake: FakeTelegram, db_path: Path, make_tg_runner
) -> None:  # type: ignore[no-untyped-def]
    """A full page in flight is confirmed early, but never more than `max_held` updates."""
    store = SqliteStore(db_path)
    bot = await start_bot(fake, make_tg_runner(store), store, workers=1)
    assert isinstance(bot.receiver, Poller)
    bot.receiver.max_held = 100
    release = fake.hold("sendMessage", 6000)
    first = fake.text(6000, "/start")
    ids = [first, *(fake.text(c, "/start") for c in range(6001, 6150))]
    await fake.until(lambda: len(bot.intake.in_flight) == 100)
    await asyncio.sleep(0.3)  # time for the poller to (wrongly) confirm more
    assert len(bot.intake.in_flight) == 100, "the second page stays at Telegram"
    assert fake.confirmed <= first
    release.set()
    await asyncio.gather(*(fake.handled(i, timeout=30) for i in ids))
    await bot.stop()
    await store.close()
    assert all(answers(fake, c) == 1 for c in range(6000, 6150))


async def test_an_error_while_accepting_updates_does_not_stop_the_poller(
    fake: FakeTelegram, db_path: Path, make_tg_runner
) -> None:  # type: ignore[no-untyped-def]
    store = SqliteStore(db_path)
    bot = await start_bot(fake, make_tg_runner(store), store)
    urgent, calls = bot.intake.urgent, 0

    def flaky(update: object) -> bool:  # fails once, like a broken lexicon or a full disk
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RuntimeError("boom")
        return urgent(update)  # type: ignore[arg-type]

    bot.intake.urgent = flaky
    await fake.handled(fake.text(7001, "/start"), timeout=15)
    await bot.stop()
    await store.close()
    assert answers(fake, 7001) == 1


async def test_an_update_that_hangs_is_given_up_and_the_bot_moves_on(
    fake: FakeTelegram, db_path: Path, make_tg_runner, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(intake, "HANDLE_LIMIT", 0.3)
    store = SqliteStore(db_path)
    runner: Runner = make_tg_runner(store)
    bot = await start_bot(fake, runner, store)
    release = fake.hold("sendMessage", 7101)  # this answer never comes back
    stuck = fake.text(7101, "/start")
    await fake.handled(stuck, timeout=15)  # confirmed once given up: no endless redelivery
    await fake.handled(fake.text(7102, "/start"), timeout=15)
    assert answers(fake, 7102) == 1
    assert runner.metrics.counts["telegram_update_failed"] == 1
    assert runner.metrics.counts["telegram_given_up"] == 1
    release.set()
    await bot.stop()
    await store.close()


async def test_one_chat_writing_a_flood_does_not_starve_the_others(
    fake: FakeTelegram, db_path: Path, make_tg_runner
) -> None:  # type: ignore[no-untyped-def]
    """A flood from one chat takes one turn at a time; a neighbour's greeting gets a turn."""
    store = SqliteStore(db_path)
    bot = await start_bot(
        fake, make_tg_runner(store), store, workers=2, limits=Limits(chat_interval=0.2)
    )
    flood, neighbour = 7000, 7001
    for n in range(30):
        fake.text(flood, f"hallo {n}")
    await fake.until(lambda: answers(fake, flood) >= 1)
    fake.text(neighbour, "/start")
    await fake.until(lambda: answers(fake, neighbour) == 1, timeout=15)
    assert answers(fake, flood) < 10, "the neighbour did not wait for the whole flood"
    await fake.until(lambda: answers(fake, flood) == 30, timeout=30)
    await bot.stop()
    await store.close()


async def test_a_failure_inside_the_bot_still_answers_with_112(
    tg: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    chat = 7100
    await tg.say(chat, "/start", lang="pl")

    def broken(*args: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(tg.runner.engine, "handle", broken)
    await tg.say(chat, "hej")
    last = tg.fake.bot_messages(chat)[-1].text or ""
    assert "112" in last and last.startswith(tg.runner.engine.system_text("pl", "error"))
