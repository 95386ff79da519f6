"""Fixtures for the Matrix tests: one real Synapse per run, bots and residents per test."""

from __future__ import annotations

import asyncio
import dataclasses
import subprocess
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from bot.app import App, build
from bot.config import Settings
from bot.content.loader import Loaded
from bot.engine.engine import Engine
from bot.engine.numbered import choices
from bot.engine.replies import Message
from bot.engine.session import Session
from bot.i18n.catalogs import Catalogs
from bot.transports.matrix.app import Running, config_for, start
from tests.conftest import FROZEN, FrozenClock
from tests.transports.matrix.resident import Resident, new_user
from tests.transports.matrix.synapse_harness import Synapse, SynapseError, started


@pytest.fixture(scope="session")
def synapse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Synapse]:
    """A homeserver for the whole run. A failed start fails the tests, with Synapse's log."""
    try:
        server = started(tmp_path_factory.mktemp("synapse"))
    except (SynapseError, subprocess.CalledProcessError) as exc:
        pytest.fail(f"Synapse could not be installed or started:\n{exc}", pytrace=False)
    yield server
    server.stop()


class BotUnderTest:
    """The bot as `vrede matrix` runs it, in this event loop; restartable on the same data dir."""

    def __init__(self, synapse: Synapse, data_dir: Path) -> None:
        self.user_id, password = new_user(synapse, "vrede")
        self.data_dir = data_dir
        self.env = {
            "VREDE_DATA_DIR": str(data_dir),
            "MATRIX_HOMESERVER": synapse.url,
            "MATRIX_USER": self.user_id,
            "MATRIX_PASSWORD": password,
        }
        self.app: App | None = None
        self.running: Running | None = None

    async def start(self, **options: object) -> BotUnderTest:
        """Start (again), like a new process: fresh app, same data directory."""
        app = build(Settings.from_env(self.env))
        app.runner.clock = FrozenClock()  # texts with opening hours stay the same during a test
        cfg = dataclasses.replace(
            config_for(app),
            ephemeral_seconds=1.0,
            undecryptable_seconds=5.0,
            sync_timeout_ms=5000,
            first_message_seconds=1.0,
            **options,  # type: ignore[arg-type]
        )
        self.app, self.running = app, await start(app, cfg)
        return self

    async def stop(self) -> None:
        """Stop like a process that is shut down."""
        if self.running is not None:
            await self.running.stop()
        if self.app is not None:
            await self.app.stores.close()
        self.app = self.running = None

    async def settled(self, batches: int = 2) -> None:
        """Wait until the bot handled `batches` more sync batches (it has nothing left to do)."""
        assert self.running is not None
        bot = self.running.bot
        target = bot.batches + batches
        while bot.batches < target:
            if self.running.task.done():
                self.running.task.result()
            await asyncio.sleep(0.05)

    async def session(self, room_id: str) -> Session | None:
        """The stored session of a conversation room."""
        assert self.app is not None
        key = self.app.runner.key("matrix", room_id)
        return await self.app.stores.sessions.load(key, int(FROZEN.timestamp()))


@pytest.fixture
async def matrix_bot(synapse: Synapse, tmp_path: Path) -> AsyncIterator[BotUnderTest]:
    """A running bot with its own account and data directory."""
    bot = BotUnderTest(synapse, tmp_path / "data")
    await bot.start()
    yield bot
    await bot.stop()


@pytest.fixture
async def resident(synapse: Synapse, tmp_path: Path) -> AsyncIterator[Resident]:
    """A logged-in resident with a syncing client."""
    async with Resident(synapse, tmp_path / "resident") as r:
        yield r


@pytest.fixture
def screen(engine: Engine) -> Screens:
    """What the engine would show on a node: for comparing with what the resident got."""
    return Screens(engine)


class Screens:
    """Renders nodes as the frozen-clock bot would, to recognise replies without fixed wording."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def message(self, node: str, lang: str = "nl") -> Message:
        """The message the engine shows on `node`."""
        ts = int(FROZEN.timestamp())
        session = Session(node, lang, self.engine.dialogue.version, ts, ts)
        return self.engine.show(session, FROZEN)

    def text(self, node: str, lang: str = "nl") -> str:
        """The node's text, without the closing emergency line."""
        return self.message(node, lang).text.rsplit("\n\n", 1)[0]

    def number(self, node: str, option: str, lang: str = "nl") -> str:
        """The number a resident types for an option (or command) on a node."""
        ids = [b.id for b in choices(self.message(node, lang))]
        return str(ids.index(option) + 1)

    def label(self, node: str, option: str) -> str:
        """The Dutch words of an option, as a resident might type them."""
        found = self.engine.dialogue.nodes[node].option(option)
        assert found is not None
        return found.label


@pytest.fixture(scope="session")
def danger_phrase(loaded: Loaded) -> str:
    """A Dutch line from the shipped lexicon's strangling examples (checked to open the screen)."""
    phrase = loaded.lexicons["nl"].examples["strangling"][0]
    found = loaded.detector.detect(phrase, ("nl",))
    assert found is not None and found.certain and found.kind == "strangling"
    return phrase


@pytest.fixture(scope="session")
def only_text(catalogs: Catalogs, loaded: Loaded) -> str:
    """The engine's "I read only text" line in Dutch."""
    assert loaded.dialogue is not None
    return catalogs.text("nl", "system.only_text", loaded.dialogue.system["only_text"])


@pytest.fixture(scope="session")
def entry_code(loaded: Loaded) -> tuple[str, str]:
    """An entry code of the shipped dialogue and the node it opens."""
    assert loaded.dialogue is not None and loaded.dialogue.entry_codes
    return next(iter(loaded.dialogue.entry_codes.items()))
