"""The live relay on Telegram: the real PTB bot polling the fake Bot API, a resident and a
trusted person in their own private chats; nothing about the resident crosses."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.engine.engine import Engine
from bot.i18n.catalogs import Catalogs
from bot.runner import Runner
from bot.store.keys import Keyer
from bot.store.relay_sqlite import SqliteRelay
from bot.store.sqlite import SqliteStore
from harness.clock import FrozenClock
from harness.telegram_api import FakeTelegram
from tests.relay.chats import CANARY
from tests.transports.telegram.fixtures import SECRET, Harness, start_bot

RESIDENT, HELPER = 7_310_552_901, 6_204_883_117  # long: a short id turns up in hex by chance


@pytest.fixture
async def relay_tg(
    fake: FakeTelegram,
    db_path: Path,
    relay_engine: Engine,
    catalogs: Catalogs,
    clock: FrozenClock,
) -> AsyncIterator[Harness]:
    store = SqliteStore(db_path)
    runner = Runner(
        relay_engine, store, Keyer(SECRET), catalogs.negotiate, clock, relay=SqliteRelay(store)
    )
    bot = await start_bot(fake, runner, store)
    yield Harness(fake, bot, store)
    await bot.stop(drain=2.0)
    await store.close()


def texts(tg: Harness, chat: int) -> str:
    return "\n".join(m.text or "" for m in tg.fake.visible(chat))


async def test_relay_on_telegram_both_ways_and_erased_from_the_helpers_chat(
    relay_tg: Harness, db_path: Path
) -> None:
    tg = relay_tg
    assert tg.runner.relay is not None
    code = await tg.runner.relay.invite("samira")
    await tg.say(HELPER, f"/start {code}")  # the deep link of the invitation
    assert "gekoppeld" in texts(tg, HELPER)
    await tg.press(HELPER, "helper.available")
    await tg.say(RESIDENT, "/start")
    await tg.say(RESIDENT, "hulp")
    await tg.press(RESIDENT, "talk")
    assert "Ik zoek iemand voor je" in tg.fake.screen(RESIDENT).text  # type: ignore[operator]
    offer = tg.fake.screen(HELPER)
    assert offer.text is not None and offer.text.startswith("Iemand wil praten")
    await tg.press(HELPER, "helper.accept")
    assert "Samira is er nu voor je" in texts(tg, RESIDENT)
    await tg.say(RESIDENT, CANARY)
    await tg.fake.until(lambda: CANARY in texts(tg, HELPER))
    helper_side = texts(tg, HELPER)
    assert "Resident" not in helper_side and str(RESIDENT) not in helper_side
    await tg.say(HELPER, "Ik luister.")
    await tg.fake.until(lambda: "Ik luister." in texts(tg, RESIDENT))
    for m in tg.fake.bot_messages(RESIDENT):
        assert m.protected and m.text is not None and "112" in m.text
    await tg.press(RESIDENT, "relay.end")
    await tg.fake.until(lambda: CANARY not in texts(tg, HELPER))
    assert "gestopt" in texts(tg, HELPER)
    await tg.say(RESIDENT, "wissen")
    await tg.fake.until(lambda: CANARY not in texts(tg, RESIDENT))
    raw = b"".join(p.read_bytes() for p in db_path.parent.iterdir() if p.is_file())
    assert CANARY.encode() not in raw and str(RESIDENT).encode() not in raw
    assert str(HELPER).encode() not in raw, "the trusted person's chat id is sealed"
