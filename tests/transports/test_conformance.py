"""The transport conformance suite: one set of scenarios, run against the terminal, Telegram
(the real bot against the fake Bot API), Matrix (the real bot on a real Synapse) and the web
chat (its HTTP API). A new transport gets a driver in drivers.py and must pass all of it to
exist."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.engine.engine import Engine
from bot.engine.session import Session
from bot.i18n.catalogs import Catalogs
from harness.clock import FROZEN
from harness.matrix_bot import BotUnderTest
from harness.matrix_resident import Resident
from harness.synapse import Synapse
from harness.telegram_api import FakeTelegram
from tests.transports.drivers import Driver, MatrixDriver, TelegramDriver, TerminalDriver, WebDriver

TRANSPORTS = ["terminal", "telegram", "matrix", "web"]


@pytest.fixture(params=TRANSPORTS)
def transport(request: pytest.FixtureRequest) -> tuple[str, dict[str, object]]:
    """The transport and its running parts (pulled in only for that transport)."""
    if request.param == "telegram":
        return request.param, {"fake": request.getfixturevalue("fake")}
    if request.param == "matrix":
        parts = {n: request.getfixturevalue(n) for n in ("matrix_bot", "resident", "synapse")}
        return request.param, parts
    return request.param, {}


@pytest.fixture
async def resident(
    transport: tuple[str, dict[str, object]], engine: Engine, catalogs: Catalogs, tmp_path: Path
) -> AsyncIterator[Driver]:
    name, parts = transport
    if name == "terminal":
        yield TerminalDriver(engine, catalogs)
    elif name == "web":
        web = await WebDriver(engine, catalogs, tmp_path / "v.sqlite3").open()
        yield web
        await web.close()
    elif name == "telegram":
        fake = parts["fake"]
        assert isinstance(fake, FakeTelegram)
        driver = await TelegramDriver(fake, engine, catalogs, tmp_path / "v.sqlite3").open()
        yield driver
        await driver.close()
    else:
        bot, client, synapse = parts["matrix_bot"], parts["resident"], parts["synapse"]
        assert isinstance(bot, BotUnderTest) and isinstance(client, Resident)
        assert isinstance(synapse, Synapse)
        yield MatrixDriver(bot, client, synapse)


def screen_text(engine: Engine, node: str) -> str:
    """The first line of a node's text, as the engine renders it in Dutch."""
    ts = int(FROZEN.timestamp())
    shown = engine.show(Session(node, "nl", engine.dialogue.version, ts, ts), FROZEN)
    return shown.text.splitlines()[0]


def all_carry_112(texts: list[str]) -> bool:
    return bool(texts) and all("112" in t for t in texts)


async def test_every_message_the_resident_sees_carries_112(resident: Driver) -> None:
    seen = [await resident.begin()]
    for line in ("hallo", "1", "ik weet het niet", "hij heeft een mes", "wat?" * 10_000):
        seen.append(await resident.say(line))
    seen.append(await resident.non_text())
    seen.append(await resident.forged())
    for n, texts in enumerate(seen):
        assert all_carry_112(texts), f"step {n}: {texts}"


async def test_danger_is_answered_first_with_its_screen(resident: Driver, engine: Engine) -> None:
    await resident.begin()
    replies = await resident.say("hij kneep mijn keel dicht en nu staat hij voor de deur")
    kind_screen = engine.dialogue.danger_screens.get("strangling", engine.dialogue.danger_node)
    assert replies and replies[0].startswith(screen_text(engine, kind_screen))
    session = await resident.session()
    assert session is not None and session.node == kind_screen


async def test_odd_input_gets_a_calm_reply_and_loses_nothing(resident: Driver) -> None:
    await resident.begin()
    await resident.say("1")
    before = await resident.session()
    for replies in (await resident.non_text(), await resident.forged()):
        assert all_carry_112(replies), replies
    after = await resident.session()
    # The conversation goes on (two misses in a row lead on to the help screen, by design).
    assert before is not None and after is not None and after.started == before.started


async def test_erase_forgets_the_conversation(resident: Driver, engine: Engine) -> None:
    await resident.begin()
    await resident.say("hallo")
    replies = await resident.say("wissen")
    assert all_carry_112(replies), replies
    assert await resident.session() is None
    opening = screen_text(engine, engine.dialogue.entry)
    if resident.name != "matrix":  # Matrix: the bot redacts, then leaves (scenario tests)
        assert not any(t.startswith(opening) for t in await resident.visible())


async def test_a_restart_neither_loses_nor_repeats_an_answer(resident: Driver) -> None:
    await resident.begin()
    await resident.say("1")
    before = await resident.session()
    await resident.restart()
    replies = await resident.say("hallo")
    assert len(replies) == 1 and all_carry_112(replies), replies
    after = await resident.session()
    assert before is not None and after is not None
    assert after.started == before.started, "the conversation went on where it was"


async def test_a_group_gets_one_line_with_112_and_no_conversation(resident: Driver) -> None:
    said = await resident.group()
    if said is None:
        pytest.skip(f"{resident.name} has no group chats")
    assert len(said) == 1 and all_carry_112(said), said
