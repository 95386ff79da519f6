"""The live relay on a real Synapse: a trusted person enrols and relays from Matrix, answering
by number; and a resident on Telegram (the fake Bot API) is helped by a trusted person on
Matrix, through one runner. Nothing about the resident crosses; the relayed text is redacted
from the trusted person's room at the end."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from harness.matrix_bot import BotUnderTest
from harness.matrix_resident import Resident
from harness.synapse import Synapse
from harness.telegram_api import FakeTelegram
from tests.relay.chats import CANARY, PEOPLE
from tests.transports.telegram.fixtures import Harness, start_bot

TG_RESIDENT = 7_310_552_901


@pytest.fixture
async def relay_bot(synapse: Synapse, tmp_path: Path) -> AsyncIterator[BotUnderTest]:
    """The Matrix bot with two made-up trusted persons (the relay tests' directory)."""
    people = tmp_path / "trusted_persons.yaml"
    people.write_text(PEOPLE, encoding="utf-8")
    bot = BotUnderTest(synapse, tmp_path / "data", VREDE_TRUSTED_PERSONS=str(people))
    await bot.start()
    yield bot
    await bot.stop()


@pytest.fixture
async def helper(synapse: Synapse, tmp_path: Path) -> AsyncIterator[Resident]:
    """The trusted person's own Matrix account and client."""
    async with Resident(synapse, tmp_path / "helper", prefix="helper") as h:
        yield h


async def saw(client: Resident, room: str, bot: str, text: str) -> str:
    """Wait until the bot said something containing `text` in the room; returns that body."""

    def found() -> str | None:
        return next((b for s in client.from_user(room, bot) if text in (b := s.body or "")), None)

    body: str = await client.until(found, 30, repr(text))
    return body


async def enrol_on_matrix(bot: BotUnderTest, helper: Resident) -> str:
    """`start CODE` as the first message of a chat with the bot, then '1' (Beschikbaar)."""
    assert bot.app is not None and bot.app.runner.relay is not None
    code = await bot.app.runner.relay.invite("samira")
    room = await helper.conversation(bot.user_id, False, first=f"start {code}")
    await saw(helper, room, bot.user_id, "gekoppeld als vertrouwenspersoon")
    await helper.say(room, "1")
    await saw(helper, room, bot.user_id, "Je staat op beschikbaar")
    return room


def texts(history: list[Any]) -> str:
    return "\n".join(str(getattr(e, "body", "") or "") for e in history)


async def test_relay_enrol_and_chat_both_ways_on_matrix(
    relay_bot: BotUnderTest, helper: Resident, resident: Resident
) -> None:
    bot = relay_bot.user_id
    h_room = await enrol_on_matrix(relay_bot, helper)
    r_room = await resident.greeted(bot, False)
    await resident.say(r_room, "ik wil een echt mens spreken")
    await saw(resident, r_room, bot, "Ik zoek iemand voor je")
    offer = await saw(helper, h_room, bot, "Iemand wil praten")
    assert "1. Aannemen" in offer
    await helper.say(h_room, "1")
    await saw(resident, r_room, bot, "Samira is er nu voor je")
    await resident.say(r_room, CANARY)
    relayed = await saw(helper, h_room, bot, CANARY)
    assert relayed.startswith("Bewoner ") and resident.user_id not in relayed
    await helper.say(h_room, "Ik luister naar je.")
    got = await saw(resident, r_room, bot, "Ik luister naar je.")
    assert got.startswith("Vertrouwenspersoon Samira") and "112" in got
    assert helper.user_id not in got
    await resident.say(r_room, "1")  # 1. Gesprek stoppen: the choices of the relayed line
    await saw(resident, r_room, bot, "Het gesprek is gestopt")
    await saw(helper, h_room, bot, "Ik heb de berichten uit deze chat gewist")
    # The redactions are done before that note is sent.
    assert CANARY not in texts(await helper.history(h_room)), "redacted from their room"


async def test_a_telegram_resident_is_helped_by_a_matrix_trusted_person(
    relay_bot: BotUnderTest, helper: Resident, fake: FakeTelegram
) -> None:
    """One runner, two messengers: the relay core routes; each transport only delivers."""
    assert relay_bot.app is not None
    app = relay_bot.app
    tg_bot = await start_bot(fake, app.runner, app.stores.sessions)  # type: ignore[arg-type]
    tg = Harness(fake, tg_bot, app.stores.sessions)  # type: ignore[arg-type]
    try:
        bot = relay_bot.user_id
        h_room = await enrol_on_matrix(relay_bot, helper)
        await tg.say(TG_RESIDENT, "/start")
        await tg.say(TG_RESIDENT, "ik wil een echt mens spreken")
        await saw(helper, h_room, bot, "Iemand wil praten")
        await helper.say(h_room, "1")
        await fake.until(lambda: "Samira is er nu voor je" in _tg_texts(fake))
        await tg.say(TG_RESIDENT, CANARY)
        relayed = await saw(helper, h_room, bot, CANARY)
        assert str(TG_RESIDENT) not in relayed
        await helper.say(h_room, "Ik ben er.")
        await fake.until(lambda: "Ik ben er." in _tg_texts(fake))
        await tg.press(TG_RESIDENT, "relay.end")
        await saw(helper, h_room, bot, "Ik heb de berichten uit deze chat gewist")
        assert CANARY not in texts(await helper.history(h_room))
    finally:
        await tg_bot.stop(drain=2.0)


def _tg_texts(fake: FakeTelegram) -> str:
    return "\n".join(m.text or "" for m in fake.visible(TG_RESIDENT))
