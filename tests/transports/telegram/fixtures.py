"""Fixtures for the Telegram tests: the fake Bot API server and the real bot polling it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.engine.engine import Engine
from bot.engine.session import Session
from bot.i18n.catalogs import Catalogs
from bot.runner import Runner
from bot.store.figures_sqlite import SqliteFigures
from bot.store.keys import Keyer
from bot.store.sqlite import SqliteStore
from bot.store.wiring import beside
from bot.transports.outbox import Limits
from bot.transports.telegram.service import Options, TelegramBot
from harness.clock import FrozenClock
from harness.telegram_api import FakeTelegram, Msg

SECRET = b"telegram-test-secret-0123456789"
FAST = Limits(chat_interval=0.05)  # tests that are not about pacing need not wait a second


class Harness:
    """A running bot against the fake server, with helpers that act as a resident."""

    def __init__(self, fake: FakeTelegram, bot: TelegramBot, store: SqliteStore) -> None:
        self.fake, self.bot, self.store = fake, bot, store
        self.runner = bot.runner

    async def say(self, chat: int, text: str, lang: str | None = "nl") -> None:
        """Write, and wait until the bot has answered."""
        await self.fake.handled(self.fake.text(chat, text, lang))

    async def press(self, chat: int, option: str, on: Msg | None = None) -> None:
        """Press a button of the newest screen (or of `on`), and wait for the answer."""
        target = on or self.fake.screen(chat)
        await self.fake.handled(self.fake.press(chat, target.id, option))

    async def session(self, chat: int) -> Session | None:
        key = self.runner.key("telegram", chat)
        return await self.store.load(key, int(self.runner.clock().timestamp()))


async def start_bot(
    fake: FakeTelegram, runner: Runner, store: SqliteStore, **options: object
) -> TelegramBot:
    opts = {"limits": FAST, "vanish_after": 0.3, "poll_timeout": 1, **options}
    options_ = Options(fake.token, fake.url, **opts)  # type: ignore[arg-type]
    bot = TelegramBot(runner, beside(store), options_)
    fake.is_answered = bot.intake.answered
    await bot.start()
    return bot


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    server = FakeTelegram()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "vrede.sqlite3"


@pytest.fixture
def make_tg_runner(engine: Engine, catalogs: Catalogs, clock: FrozenClock):  # type: ignore[no-untyped-def]
    def make(store: SqliteStore) -> Runner:
        figures = SqliteFigures(store)  # the weekly figures in the same file, as in production
        return Runner(engine, store, Keyer(SECRET), catalogs.negotiate, clock, figures=figures)

    return make


@pytest.fixture
async def tg(fake: FakeTelegram, db_path: Path, make_tg_runner) -> AsyncIterator[Harness]:  # type: ignore[no-untyped-def]
    store = SqliteStore(db_path)
    bot = await start_bot(fake, make_tg_runner(store), store)
    yield Harness(fake, bot, store)
    await bot.stop(drain=2.0)
    await store.close()
