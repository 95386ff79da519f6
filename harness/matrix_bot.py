"""The Matrix bot as `vrede matrix` runs it, restartable, and the screens it should show."""

from __future__ import annotations

import asyncio
import dataclasses
from pathlib import Path

from bot.app import App, build
from bot.config import Settings
from bot.engine.engine import Engine
from bot.engine.numbered import choices
from bot.engine.replies import Message
from bot.engine.session import Session
from bot.transports.matrix.app import Running, config_for, start
from harness.clock import FROZEN, FrozenClock
from harness.matrix_resident import new_user
from harness.synapse import Synapse


class BotUnderTest:
    """The bot as `vrede matrix` runs it, in this event loop; restartable on the same data dir."""

    def __init__(self, synapse: Synapse, data_dir: Path, **env: str) -> None:
        """`env`: more settings, such as VREDE_TRUSTED_PERSONS for the live relay."""
        self.user_id, password = new_user(synapse, "vrede")
        self.data_dir = data_dir
        self.env = {
            "VREDE_DATA_DIR": str(data_dir),
            "MATRIX_HOMESERVER": synapse.url,
            "MATRIX_USER": self.user_id,
            "MATRIX_PASSWORD": password,
            **env,
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
