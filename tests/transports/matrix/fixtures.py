"""Fixtures for the Matrix tests: one real Synapse per run, bots and residents per test."""

from __future__ import annotations

import subprocess
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from bot.content.loader import Loaded
from bot.engine.engine import Engine
from bot.i18n.catalogs import Catalogs
from harness.matrix_bot import BotUnderTest, Screens
from harness.matrix_resident import Resident
from harness.synapse import Synapse, SynapseError, started


@pytest.fixture(scope="session")
def synapse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Synapse]:
    """A homeserver for the whole run. A failed start fails the tests, with Synapse's log."""
    try:
        server = started(tmp_path_factory.mktemp("synapse"))
    except (SynapseError, subprocess.CalledProcessError) as exc:
        pytest.fail(f"Synapse could not be installed or started:\n{exc}", pytrace=False)
    yield server
    server.stop()


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
