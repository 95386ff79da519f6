"""Starting on Telegram: a refused token or an unreachable API is one clear line and a
non-zero exit; a passing network error is retried with backoff and logged once."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import sys
from pathlib import Path

import pytest
from telegram.error import InvalidToken

from bot.runner import Runner
from bot.store.sqlite import SqliteStore
from bot.store.wiring import beside
from bot.transports import retry
from bot.transports.retry import StartFailed
from bot.transports.telegram.service import Options, TelegramBot
from harness.telegram_api import FakeTelegram
from tests.transports.telegram.fixtures import start_bot

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(autouse=True)
def quick_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(retry, "START_BASE", 0.01)


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_a_refused_token_is_not_retried(
    fake: FakeTelegram, db_path: Path, make_tg_runner: object
) -> None:
    store = SqliteStore(db_path)
    runner: Runner = make_tg_runner(store)  # type: ignore[operator]
    bot = TelegramBot(runner, beside(store), Options("999:WRONG", fake.url))
    with pytest.raises(InvalidToken):
        await bot.start()
    assert fake.calls == []  # refused at the door, once: no method ran
    await store.close()


async def test_an_unreachable_api_gives_up_after_retries_logged_once(
    db_path: Path, make_tg_runner: object, caplog: pytest.LogCaptureFixture
) -> None:
    store = SqliteStore(db_path)
    fake = FakeTelegram()
    fake.url = f"http://127.0.0.1:{_closed_port()}"
    runner: Runner = make_tg_runner(store)  # type: ignore[operator]
    with caplog.at_level(logging.WARNING), pytest.raises(StartFailed, match="cannot reach"):
        await start_bot(fake, runner, store)
    assert len([r for r in caplog.records if "cannot reach" in r.getMessage()]) == 1
    await store.close()


async def test_a_passing_network_error_is_retried(
    fake: FakeTelegram, db_path: Path, make_tg_runner: object, caplog: pytest.LogCaptureFixture
) -> None:
    store = SqliteStore(db_path)
    fake.fail("getMe", times=2, status=502)
    runner: Runner = make_tg_runner(store)  # type: ignore[operator]
    with caplog.at_level(logging.INFO):
        bot = await start_bot(fake, runner, store)
    await bot.stop(drain=1.0)
    await store.close()
    said = [r.getMessage() for r in caplog.records]
    assert len([m for m in said if "cannot reach" in m]) == 1
    assert any("after 3 tries" in m for m in said)


async def test_vrede_telegram_with_a_wrong_token_says_so_in_one_line(
    fake: FakeTelegram, tmp_path: Path
) -> None:
    env = {
        **os.environ,
        "TELEGRAM_TOKEN": "123456:WRONG-TOKEN-abcdefghijklmnopqrstuvwxyz",
        "TELEGRAM_API_URL": fake.url,
        "VREDE_DATA_DIR": str(tmp_path / "data"),
        "VREDE_SECRET": "x" * 32,
    }
    env.pop("MATRIX_HOMESERVER", None)
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "telegram", cwd=ROOT, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    _, err = await asyncio.wait_for(proc.communicate(), 60)
    text = err.decode()
    assert proc.returncode == 2, text
    assert "Traceback" not in text and "WRONG-TOKEN" not in text
    assert [ln for ln in text.splitlines() if ln.startswith("vrede telegram:")] == [
        "vrede telegram: Telegram refused TELEGRAM_TOKEN: copy it again from @BotFather "
        "(/mybots, your bot, API Token)"
    ]
