"""`vrede telegram setup`: menu and descriptions per language, through the real CLI."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import pytest

from bot import cli
from bot.engine.engine import Engine
from bot.transports.telegram.service import application
from bot.transports.telegram.setup import publish, telegram_code
from tests.conftest import LOCALES
from tests.telegram.fake_api import FakeTelegram
from tests.telegram.setup_data import TURKISH


def turkish_locales(tmp: Path, engine: Engine) -> Path:
    """The shipped locales plus a Turkish catalog with the menu and the opening translated."""
    locales = tmp / "locales"
    shutil.copytree(LOCALES / "en", locales / "en")
    (locales / "languages.yaml").write_text(
        "languages:\n  - code: nl\n  - code: en\n"
        "  - code: tr\n    review: {status: reviewed, by: test, date: 2026-01-01}\n",
        encoding="utf-8",
    )
    d = engine.dialogue
    entries = [(f"command.{c}.label", d.commands[c].label, t) for c, t in TURKISH.items()]
    entries.append((f"{d.entry}.text", d.nodes[d.entry].text, "Merhaba, burada olman güzel."))
    po = [
        'msgid ""',
        'msgstr ""',
        '"Content-Type: text/plain; charset=UTF-8\\n"',
        '"Language: tr\\n"',
    ]
    for ctx, src, tr in entries:
        po += ["", f'msgctxt "{ctx}"', f"msgid {_q(src)}", f"msgstr {_q(tr)}"]
    target = locales / "tr" / "LC_MESSAGES"
    target.mkdir(parents=True)
    (target / "messages.po").write_text("\n".join(po) + "\n", encoding="utf-8")
    return locales


def _q(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


async def test_setup_publishes_the_turkish_menu(
    fake: FakeTelegram, engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VREDE_LOCALES", str(turkish_locales(tmp_path, engine)))
    monkeypatch.setenv("VREDE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("TELEGRAM_TOKEN", fake.token)
    monkeypatch.setenv("TELEGRAM_API_URL", fake.url)
    assert await asyncio.to_thread(cli.main, ["telegram", "setup"]) == 0
    tr = {c["command"]: c["description"] for c in fake.commands["tr"]}
    assert list(tr) == ["start", "language", "erase", "help", "112"]
    assert tr["erase"] == TURKISH["erase"] and tr["112"] == TURKISH["danger"]
    assert fake.short_descriptions["tr"] == "Merhaba, burada olman güzel."
    nl = {c["command"]: c["description"] for c in fake.commands[""]}
    assert nl["erase"] == engine.dialogue.commands["erase"].label, "the default menu is Dutch"
    assert set(fake.commands) == {"", "nl", "en", "tr"}, "every shipped language, by its code"
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
