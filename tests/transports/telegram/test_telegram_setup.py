"""`vrede telegram setup`: menu and descriptions per language, through the real CLI."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot import cli
from bot.engine.engine import Engine
from bot.transports.telegram.service import application
from bot.transports.telegram.setup import publish, telegram_code
from harness.telegram_api import FakeTelegram
from tests.conftest import LOCALES


async def test_setup_publishes_the_turkish_menu(
    fake: FakeTelegram, engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VREDE_LOCALES", str(LOCALES))
    monkeypatch.setenv("VREDE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("TELEGRAM_TOKEN", fake.token)
    monkeypatch.setenv("TELEGRAM_API_URL", fake.url)
    assert await asyncio.to_thread(cli.main, ["telegram", "setup"]) == 0
    d = engine.dialogue
    tr = {c["command"]: c["description"] for c in fake.commands["tr"]}
    assert list(tr) == ["start", "language", "erase", "help", "112"]
    turkish_erase = engine.tr.text("tr", "command.erase.label", d.commands["erase"].label)
    assert tr["erase"] == turkish_erase != d.commands["erase"].label, "the Turkish label"
    assert fake.short_descriptions["tr"] == engine.system_text("tr", "bot_short_description")
    assert fake.descriptions["tr"].endswith("112.") or "112" in fake.descriptions["tr"]
    nl = {c["command"]: c["description"] for c in fake.commands[""]}
    assert nl["erase"] == d.commands["erase"].label, "the default menu is Dutch"
    assert set(fake.commands) == {"", *engine.tr.languages}, "every shipped language, by its code"
    assert all(0 < len(t) <= 120 for t in fake.short_descriptions.values())
    assert all(0 < len(t) <= 512 for t in fake.descriptions.values())


async def test_run_without_a_token_explains_and_exits(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("TELEGRAM_TOKEN", raising=False)
    monkeypatch.setenv("VREDE_DATA_DIR", str(tmp_path / "data"))
    assert await asyncio.to_thread(cli.main, ["telegram"]) == 2


async def test_setup_covers_every_shipped_language(fake: FakeTelegram, engine: Engine) -> None:
    ptb = application(fake.token, fake.url)
    async with ptb:
        codes = await publish(ptb.bot, engine)
    assert set(fake.commands) == {"", *codes}
    assert set(codes) == {c for c in engine.tr.languages if telegram_code(c)}
    for code in codes:
        assert len(fake.commands[code]) == 5, code
