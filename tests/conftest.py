"""Shared fixtures: the shipped dialogue, catalogs, a frozen clock, and a wired runner."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from bot.content.loader import Loaded, load
from bot.engine.engine import Engine
from bot.i18n.catalogs import Catalogs
from bot.runner import Runner
from bot.store.keys import Keyer
from bot.store.memory import MemoryStore
from harness.clock import FrozenClock
from harness.redis_server import RedisError, RedisServer

ROOT = Path(__file__).resolve().parent.parent
DIALOGUES = ROOT / "dialogues"
LOCALES = ROOT / "locales"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true", help="rewrite tests/golden/*.yaml")


@pytest.fixture(scope="session")
def loaded() -> Loaded:
    result = load(DIALOGUES)
    assert result.dialogue is not None, [str(p) for p in result.problems]
    return result


@pytest.fixture(scope="session")
def catalogs() -> Catalogs:
    return Catalogs.load(LOCALES)


@pytest.fixture(scope="session")
def engine(loaded: Loaded, catalogs: Catalogs) -> Engine:
    assert loaded.dialogue is not None
    return Engine(loaded.dialogue, catalogs, loaded.lexicons, loaded.detector)


@pytest.fixture(scope="session")
def people_engine(catalogs: Catalogs) -> Engine:
    """The engine with the made-up trusted persons of the example directory."""
    loaded = load(DIALOGUES, DIALOGUES / "trusted_persons.example.yaml")
    assert loaded.dialogue is not None, loaded.problems
    return Engine(loaded.dialogue, catalogs, loaded.lexicons, loaded.detector)


@pytest.fixture(scope="session")
def relay_engine(catalogs: Catalogs, tmp_path_factory: pytest.TempPathFactory) -> Engine:
    """The shipped dialogue with two made-up trusted persons who write Dutch (the relay)."""
    from tests.relay.chats import PEOPLE

    path = tmp_path_factory.mktemp("people") / "trusted_persons.yaml"
    path.write_text(PEOPLE, encoding="utf-8")
    loaded = load(DIALOGUES, path)
    assert loaded.dialogue is not None, loaded.problems
    return Engine(loaded.dialogue, catalogs, loaded.lexicons, loaded.detector)


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock()


@pytest.fixture
def make_runner(engine: Engine, catalogs: Catalogs, clock: FrozenClock) -> Callable[..., Runner]:
    def make(store: object | None = None) -> Runner:
        return Runner(
            engine,
            store or MemoryStore(),
            Keyer(b"test-secret-0123456789"),
            catalogs.negotiate,
            clock,
        )

    return make


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    """One real redis-server (Debian's) for the whole run, installed when missing; started only
    when a test asks for it."""
    try:
        server = RedisServer(tmp_path_factory.mktemp("redis"))
        server.start()
    except RedisError as exc:
        pytest.fail(f"redis-server could not be installed or started:\n{exc}", pytrace=False)
    yield server
    server.stop()


@pytest.fixture
def redis_url(redis_server: RedisServer) -> str:
    """The server's URL, emptied for this test."""
    if not redis_server.answers():  # a test that killed it
        redis_server.start()
    redis_server.flush()
    return redis_server.url
