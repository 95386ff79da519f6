"""Faults: 429 bursts, 500s, timeouts, and a bot process killed mid-conversation.

The invariant in every case: each resident message gets exactly one answer.
"""

from __future__ import annotations

import asyncio
import os
from dataclasses import replace
from pathlib import Path

import pytest

from bot.runner import Runner
from bot.store.sqlite import SqliteStore
from bot.transports.outbox import Limits
from bot.transports.telegram import intake
from harness.process import VredeProcess
from harness.telegram_api import FakeTelegram
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


class BotProcess(VredeProcess):
    """`vrede telegram` as a real process, against the fake server."""

    def __init__(self, fake: FakeTelegram, data: Path) -> None:
        env = {
            **os.environ,
            "TELEGRAM_TOKEN": fake.token,
            "TELEGRAM_API_URL": fake.url,
            "VREDE_DATA_DIR": str(data),
            "VREDE_SECRET": "kill-test-secret-0123456789",
        }
        super().__init__("telegram", env, within=20)


def assert_private(folder: Path) -> None:
    """Every file the bot made is readable by its own user only."""
    files = [f for f in folder.rglob("*") if f.is_file()]
    assert files
    for f in files:
        assert f.stat().st_mode & 0o077 == 0, f"{f.name} is readable by others"


async def test_killed_mid_conversation_every_message_gets_exactly_one_answer(
    fake: FakeTelegram, tmp_path: Path
) -> None:
    """c's update is confirmed to Telegram (kept on disk) but not answered when the bot dies:
    it is read back from the disk at the next start and answered then, once."""
    a, c = 4001, 4003
    bot = BotProcess(fake, tmp_path / "data")
    await bot.start()
    fake.text(a, "/start")
    await fake.until(lambda: answers(fake, a) == 1, timeout=30)
    release = fake.hold("sendMessage", c)  # c's answer will be on its way when the bot dies
    c_start = fake.text(c, "/start")
    await fake.until(
        lambda: any(m == "sendMessage" and p.get("chat_id") == c for m, p in fake.calls)
    )
    fake.text(a, "hallo")
    await fake.until(lambda: answers(fake, a) == 2)
    await fake.until(lambda: fake.confirmed > c_start + 1)  # Telegram has forgotten both
    await asyncio.sleep(0.3)  # a's answer is recorded as done (else it is the one double)
    await bot.kill()
    crashed = {f.name for f in (tmp_path / "data").iterdir()}
    assert {"vrede.sqlite3-wal", "vrede.sqlite3-shm"} <= crashed, crashed
    assert_private(tmp_path / "data")  # also what a crash leaves behind
    assert_sealed(tmp_path / "data")
    release.set()
    await bot.start()
    await fake.until(lambda: answers(fake, c) == 1, timeout=30)
    fake.text(a, "nog iets")
    await fake.until(lambda: answers(fake, a) == 3, timeout=30)
    fake.text(c, "hallo")
    await fake.until(lambda: answers(fake, c) == 2, timeout=30)
    assert await bot.stop() == 0
    assert answers(fake, a) == 3, "/start, hallo, nog iets: one answer each, none twice"
    assert_private(tmp_path / "data")
    assert answers(fake, c) == 2, "/start (read back from disk after the crash) and hallo"


def assert_sealed(folder: Path) -> None:
    """What the inbox keeps on disk is sealed: no update JSON, no name, no text readable."""
    raw = b"".join(f.read_bytes() for f in folder.glob("vrede.sqlite3*"))
    for plain in (b"first_name", b'"text"', b"/start", b"hallo", b"Bewoner"):
        assert plain not in raw, plain


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


async def test_past_the_memory_limit_updates_wait_on_disk_and_danger_goes_first(
    fake: FakeTelegram, db_path: Path, make_tg_runner
) -> None:  # type: ignore[no-untyped-def]
    """Beyond `held` updates in memory the rest wait on disk only; the poller reads on past
    them (Telegram keeps nothing the bot has), so a danger text far back is answered at once."""
    store = SqliteStore(db_path)
    bot = await start_bot(fake, make_tg_runner(store), store, workers=1, held=20)
    release = fake.hold("sendMessage", 6000)
    ids = [fake.text(6000, "/start"), *(fake.text(c, "/start") for c in range(6001, 6150))]
    fake.text(6999, "hij heeft een mes")
    await fake.until(lambda: answers(fake, 6999) == 1, timeout=15)
    assert "112" in (fake.bot_messages(6999)[0].text or "")
    assert len(bot.intake.in_flight) <= 21, "at most `held` in memory (and the danger text)"
    assert bot.intake.waiting() > 100, "the rest wait on disk"
    assert fake.confirmed > ids[-1], "Telegram was told: the disk has them"
    release.set()
    await asyncio.gather(*(fake.handled(i, timeout=60) for i in ids))
    await bot.stop()
    assert await bot.pending.count() == 0, "answered: gone from the disk"
    await store.close()
    assert all(answers(fake, c) == 1 for c in range(6000, 6150))


async def test_an_error_while_accepting_updates_does_not_stop_the_poller(
    fake: FakeTelegram, db_path: Path, make_tg_runner
) -> None:  # type: ignore[no-untyped-def]
    store = SqliteStore(db_path)
    bot = await start_bot(fake, make_tg_runner(store), store)
    urgent, calls = bot.intake.hooks.urgent, 0

    def flaky(update: object) -> bool:  # fails once, like a broken lexicon or a full disk
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RuntimeError("boom")
        return urgent(update)  # type: ignore[arg-type]

    bot.intake.hooks = replace(bot.intake.hooks, urgent=flaky)
    await fake.handled(fake.text(7001, "/start"), timeout=15)
    await bot.stop()
    await store.close()
    assert answers(fake, 7001) == 1


async def test_an_update_that_hangs_is_tried_again_later_and_the_bot_moves_on(
    fake: FakeTelegram, db_path: Path, make_tg_runner, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(intake, "HANDLE_LIMIT", 0.3)
    monkeypatch.setattr(intake, "RETRY_LATER", 0.5)
    store = SqliteStore(db_path)
    runner: Runner = make_tg_runner(store)
    bot = await start_bot(fake, runner, store)
    release = fake.hold("sendMessage", 7101)  # this answer never comes back
    stuck = fake.text(7101, "/start")
    await fake.until(lambda: runner.metrics.counts["telegram_update_failed"] == 1)
    release.set()  # the hung call ends; its reply is not sent late (nobody waits for it)
    await fake.handled(fake.text(7102, "/start"), timeout=15)
    assert answers(fake, 7102) == 1, "the others did not wait"
    await fake.handled(stuck, timeout=15)
    assert answers(fake, 7101) == 1, "tried again later, and answered then"
    assert runner.metrics.counts["telegram_retry_later"] == 1
    assert not runner.metrics.counts.get("telegram_given_up"), "answered, not given up"
    await bot.stop()
    await store.close()


async def test_an_update_that_cannot_be_answered_twice_is_counted_undelivered(
    fake: FakeTelegram, db_path: Path, make_tg_runner, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(intake, "RETRY_LATER", 0.2)
    store = SqliteStore(db_path)
    runner: Runner = make_tg_runner(store)
    bot = await start_bot(fake, runner, store)
    fake.chat(7201).blocked = True  # Telegram refuses every send: 403
    await fake.handled(fake.text(7201, "/start"), timeout=15)
    assert runner.metrics.counts["updates_undelivered"] == 1
    assert runner.metrics.counts["telegram_given_up"] == 1
    assert not runner.metrics.counts.get("replies_sent"), "never counted as answered"
    assert await bot.pending.count() == 0, "given up: off the disk"
    await bot.stop()
    await store.close()


async def test_one_chat_writing_a_flood_does_not_starve_the_others(
    fake: FakeTelegram, db_path: Path, make_tg_runner
) -> None:  # type: ignore[no-untyped-def]
    """A flood from one chat takes one turn at a time, and beyond BACKLOG its messages are
    collapsed into one calm line (with 112); a neighbour's greeting does not wait for it."""
    store = SqliteStore(db_path)
    runner: Runner = make_tg_runner(store)
    bot = await start_bot(fake, runner, store, workers=2, limits=Limits(chat_interval=0.2))
    flood, neighbour = 7000, 7001
    await fake.handled(fake.text(flood, "/start", lang="pl"), timeout=15)
    for n in range(30):
        fake.text(flood, f"hallo {n}")
    fake.text(flood, "hij heeft een mes")  # never collapsed
    await fake.until(lambda: answers(fake, flood) >= 2)
    fake.text(neighbour, "/start")
    await fake.until(lambda: answers(fake, neighbour) == 1, timeout=15)
    await fake.until(lambda: not bot.intake.in_flight, timeout=30)
    texts = [m.text or "" for m in fake.bot_messages(flood, visible=False)]
    one_by_one = runner.engine.system_text("pl", "one_by_one")
    assert sum(t.startswith(one_by_one) for t in texts) == 1, "said once, in Polish"
    assert all("112" in t for t in texts)
    assert len(texts) <= 1 + intake.BACKLOG + 2, "not thirty answers a second apart"
    assert runner.metrics.counts["telegram_collapsed"] >= 30 - intake.BACKLOG
    assert any("112" in t and t != texts[0] for t in texts[-3:]), "the danger text was answered"
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
