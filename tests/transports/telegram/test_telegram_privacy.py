"""Privacy canary: what a resident typed or shared never reaches the store, the logs or metrics."""

from __future__ import annotations

import asyncio
import logging
import socket
import urllib.request
from pathlib import Path

import pytest

from bot.store.sqlite import SqliteStore
from harness.telegram_api import FakeTelegram
from tests.transports.telegram.fixtures import Harness, start_bot

CHAT = 7_331_984_126  # long enough never to turn up in a hex key by chance
CANARY = "kanarie-q7v2-zebrapad"
PHONE = "+31687650123"


def fetch(port: int) -> str:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as resp:
        return str(resp.read().decode())


def file_bytes(path: Path) -> bytes:
    return b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))


async def test_typed_text_shared_numbers_and_ids_leave_no_trace(
    fake: FakeTelegram, db_path: Path, make_tg_runner, caplog: pytest.LogCaptureFixture
) -> None:  # type: ignore[no-untyped-def]
    caplog.set_level(logging.DEBUG)
    store = SqliteStore(db_path)
    runner = make_tg_runner(store)
    endpoint = runner.metrics.serve("127.0.0.1", 0)  # the operators' endpoint, a random port
    bot = await start_bot(fake, runner, store)
    tg = Harness(fake, bot, store)
    await tg.say(CHAT, "/start")
    await tg.say(CHAT, f"mijn code is {CANARY}")
    await fake.handled(fake.share_contact(CHAT, PHONE))
    await tg.say(CHAT, PHONE)
    assert await tg.session(CHAT) is not None, "the conversation is stored, under a key"
    scraped = await asyncio.to_thread(fetch, endpoint.server_port)
    endpoint.shutdown()
    endpoint.server_close()
    assert runner.recorder.figures is not None
    figures = await runner.recorder.figures.read("2000-W01", "2999-W52")
    await bot.stop()
    await store.close()
    assert "vrede_replies_sent_total" in scraped and figures, "both were recorded"
    stored = file_bytes(db_path)
    for secret in (CANARY, PHONE, PHONE[1:], str(CHAT)):
        assert secret.encode() not in stored, secret
        assert secret not in caplog.text, secret
        assert secret not in runner.metrics.render(), secret
        assert secret not in scraped, secret
        assert all(secret not in f"{r.week} {r.region} {r.figure}" for r in figures), secret
    assert "sendMessage" not in caplog.text and fake.token not in caplog.text, "no library chatter"
    assert any(r.levelno == logging.DEBUG for r in caplog.records), "debug logging was on"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_webhook_mode_answers_like_polling(
    fake: FakeTelegram, db_path: Path, make_tg_runner
) -> None:  # type: ignore[no-untyped-def]
    store = SqliteStore(db_path)
    port = free_port()
    url = f"http://127.0.0.1:{port}/telegram-hook"
    bot = await start_bot(
        fake, make_tg_runner(store), store, webhook=url, listen=("127.0.0.1", port)
    )
    await fake.handled(fake.text(CHAT, "/start"))
    await fake.handled(fake.text(CHAT, "hij heeft een mes"))
    await bot.stop()
    await store.close()
    assert fake.webhook is not None and fake.webhook["url"] == url
    assert len(fake.bot_messages(CHAT)) == 2
    assert all("112" in (m.text or "") for m in fake.bot_messages(CHAT))
