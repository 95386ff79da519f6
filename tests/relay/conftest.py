"""Fixtures of the relay tests: a runner with a relay store and a recording transport."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.engine.engine import Engine
from bot.i18n.catalogs import Catalogs
from bot.runner import Runner
from bot.store.memory import MemoryStore
from bot.store.relay_memory import MemoryRelay
from harness.clock import FrozenClock
from tests.relay.chats import Chats, P, keyer


@pytest.fixture
async def chats(
    relay_engine: Engine, catalogs: Catalogs, clock: FrozenClock
) -> AsyncIterator[Chats]:
    """A runner with a memory relay store; every chat's replies are recorded."""
    runner = Runner(
        relay_engine, MemoryStore(), keyer(), catalogs.negotiate, clock, relay=MemoryRelay()
    )
    c = Chats(runner)
    runner.attach(P, c.deliver)
    yield c
    await runner.detach(P)
