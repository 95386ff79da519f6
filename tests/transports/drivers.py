"""One resident, four transports: drivers that let the conformance suite act the same way on
the terminal, Telegram (the real bot against the fake Bot API), Matrix (the real bot and a
real client on a real Synapse) and the web chat (its real HTTP API, as the page's script calls
it), and read what the resident would see."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any, Protocol

import aiohttp

from bot.engine.engine import Engine
from bot.engine.session import Session
from bot.i18n.catalogs import Catalogs
from bot.runner import Runner
from bot.store.keys import Keyer
from bot.store.memory import MemoryStore
from bot.store.sqlite import SqliteStore
from bot.transports.console import Console
from bot.transports.telegram.service import TelegramBot
from bot.transports.web.api import PLATFORM as WEB
from bot.transports.web.options import WebOptions
from bot.transports.web.server import serve
from harness.clock import FROZEN, FrozenClock
from harness.matrix_bot import BotUnderTest
from harness.matrix_resident import Resident, new_user
from harness.synapse import Synapse
from harness.telegram_api import FakeTelegram
from tests.transports.telegram.fixtures import SECRET, start_bot

PHOTO = {"msgtype": "m.image", "body": "IMG_0001.jpg", "url": "mxc://example.org/abc"}


class Driver(Protocol):
    """A resident's side of one conversation. Each action returns the texts of the bot's
    messages it brought (new or changed), in the order the resident sees them."""

    name: str

    async def begin(self) -> list[str]: ...

    async def say(self, text: str) -> list[str]: ...

    async def non_text(self) -> list[str]: ...

    async def forged(self) -> list[str]: ...

    async def restart(self) -> None: ...

    async def session(self) -> Session | None: ...

    async def visible(self) -> list[str]: ...

    async def group(self) -> list[str] | None: ...


class Screen(io.StringIO):
    """A terminal: what was printed, one entry per write (the console writes one message per
    write); a clear-screen code wipes what was shown before."""

    def __init__(self) -> None:
        super().__init__()
        self.writes: list[str] = []

    def write(self, text: str) -> int:
        self.writes.append(text)
        return super().write(text)

    def messages(self, mark: int = 0) -> list[str]:
        out: list[str] = []
        for text in self.writes[mark:]:
            if text.startswith("\x1b[2J"):
                out.clear()
            elif text.strip() and not text.strip().startswith(("(", ">")):
                out.append(text.strip())
        return out


class TerminalDriver:
    """`vrede chat`: the console transport, its output read as the resident reads it."""

    name = "terminal"

    def __init__(self, engine: Engine, catalogs: Catalogs) -> None:
        self.engine, self.catalogs = engine, catalogs
        self.store = MemoryStore()
        self.out = Screen()
        self._start()

    def _start(self) -> None:
        runner = Runner(
            self.engine, self.store, Keyer(SECRET), self.catalogs.negotiate, FrozenClock()
        )
        self.runner, self.console = runner, Console(runner, self.out, echo=False)

    async def begin(self) -> list[str]:
        mark = len(self.out.writes)
        await self.console.run([], None, None)
        return self.out.messages(mark)

    async def say(self, text: str) -> list[str]:
        mark = len(self.out.writes)
        await self.console.answer(text)
        return self.out.messages(mark)

    async def non_text(self) -> list[str]:
        return await self.say("\x00\x07\u202e\ufeff")  # what a terminal sends that is not text

    async def forged(self) -> list[str]:
        return await self.say("99")  # a choice that was never shown

    async def restart(self) -> None:
        self._start()  # a new process; the memory store stands in for what would survive

    async def session(self) -> Session | None:
        key = self.runner.key("console", "local")
        return await self.store.load(key, int(FROZEN.timestamp()))

    async def visible(self) -> list[str]:
        return self.out.messages()

    async def group(self) -> list[str] | None:
        return None  # a terminal has no group chats


class TelegramDriver:
    """The real bot polling the fake Bot API; a resident in one private chat."""

    name = "telegram"
    chat = 4242

    def __init__(self, fake: FakeTelegram, engine: Engine, catalogs: Catalogs, db: Path) -> None:
        self.fake, self.engine, self.catalogs, self.db = fake, engine, catalogs, db
        self.bot: TelegramBot | None = None
        self.store: SqliteStore | None = None

    async def open(self) -> TelegramDriver:
        self.store = SqliteStore(self.db)
        runner = Runner(
            self.engine, self.store, Keyer(SECRET), self.catalogs.negotiate, FrozenClock()
        )
        self.bot = await start_bot(self.fake, runner, self.store)
        return self

    async def close(self) -> None:
        if self.bot is not None:
            await self.bot.stop(drain=2.0)
        if self.store is not None:
            await self.store.close()
        self.bot = self.store = None

    def _state(self) -> dict[int, int]:
        return {m.id: m.edits for m in self.fake.bot_messages(self.chat, visible=False)}

    def _changed(self, before: dict[int, int]) -> list[str]:
        msgs = self.fake.bot_messages(self.chat, visible=False)
        return [m.text or "" for m in msgs if before.get(m.id) != m.edits]

    async def _act(self, update_id: int, before: dict[int, int]) -> list[str]:
        await self.fake.handled(update_id)
        return self._changed(before)

    async def begin(self) -> list[str]:
        return await self.say("/start")

    async def say(self, text: str) -> list[str]:
        before = self._state()
        return await self._act(self.fake.text(self.chat, text), before)

    async def non_text(self) -> list[str]:
        before = self._state()
        return await self._act(self.fake.photo(self.chat), before)

    async def forged(self) -> list[str]:
        before = self._state()
        screen = self.fake.screen(self.chat)
        return await self._act(self.fake.press(self.chat, screen.id, "x" * 64), before)

    async def restart(self) -> None:
        await self.close()
        await self.open()

    async def session(self) -> Session | None:
        assert self.bot is not None and self.store is not None
        key = self.bot.runner.key("telegram", self.chat)
        return await self.store.load(key, int(FROZEN.timestamp()))

    async def visible(self) -> list[str]:
        return [m.text or "" for m in self.fake.bot_messages(self.chat)]

    async def group(self) -> list[str] | None:
        group = -1009999
        await self.fake.handled(self.fake.add_to_group(group, "nl"))
        assert self.fake.chats[group].left, "the bot leaves a group"
        return [m.text or "" for m in self.fake.bot_messages(group, visible=False)]


class MatrixDriver:
    """The real bot and a real resident client on a real Synapse, unencrypted for speed (the
    Matrix scenario tests run encrypted too)."""

    name = "matrix"

    def __init__(self, bot: BotUnderTest, resident: Resident, synapse: Synapse) -> None:
        self.bot, self.resident, self.synapse = bot, resident, synapse
        self.room = ""

    def _count(self) -> int:
        return len(self.resident.from_user(self.room, self.bot.user_id))

    async def _replies(self, mark: int) -> list[str]:
        await self.resident.reply(self.room, self.bot.user_id, mark)  # at least one
        await self.bot.settled()
        return [s.body or "" for s in self.resident.from_user(self.room, self.bot.user_id)[mark:]]

    async def begin(self) -> list[str]:
        self.room = await self.resident.greeted(self.bot.user_id, encrypted=False)
        await self.bot.settled()
        return [s.body or "" for s in self.resident.from_user(self.room, self.bot.user_id)]

    async def say(self, text: str) -> list[str]:
        mark = self._count()
        await self.resident.say(self.room, text)
        return await self._replies(mark)

    async def non_text(self) -> list[str]:
        mark = self._count()
        await self.resident.send(self.room, PHOTO)
        return await self._replies(mark)

    async def forged(self) -> list[str]:
        return await self.say("99")  # a choice that was never shown

    async def restart(self) -> None:
        await self.bot.stop()
        await self.bot.start()

    async def session(self) -> Session | None:
        return await self.bot.session(self.room)

    async def visible(self) -> list[str]:
        await self.bot.settled()
        events = await self.resident.history(self.room)
        bodies = [
            getattr(e, "body", None)
            for e in reversed(events)
            if getattr(e, "sender", "") == self.bot.user_id
        ]
        return [b for b in bodies if b]

    async def group(self) -> list[str] | None:
        friend, _ = new_user(self.synapse, "friend")
        group = await self.resident.open_dm(self.bot.user_id, encrypted=False, others=(friend,))
        line = await self.resident.reply(group, self.bot.user_id, 0)
        await self.resident.until(
            lambda: self.bot.user_id in self.resident.left.get(group, set()), what="leaving"
        )
        return [line.body or ""]


class WebDriver:
    """The web chat's server, in this event loop, and a resident's page as its script acts:
    the token in memory, the messages shown (cleared by an erase). No browser here; the
    browser tests (tests/transports/web) drive the real page."""

    name = "web"

    def __init__(self, engine: Engine, catalogs: Catalogs, db: Path) -> None:
        self.engine, self.catalogs, self.db = engine, catalogs, db
        self.token: str | None = None
        self.shown: list[str] = []
        self.last: list[dict[str, Any]] = []

    async def open(self) -> WebDriver:
        self.store = SqliteStore(self.db)
        self.runner = Runner(
            self.engine, self.store, Keyer(SECRET), self.catalogs.negotiate, FrozenClock()
        )
        self.serving = await serve(self.runner, WebOptions(), "127.0.0.1", 0)
        self.http = aiohttp.ClientSession(f"http://127.0.0.1:{self.serving.port}")
        return self

    async def close(self) -> None:
        await self.http.close()
        await self.serving.stop()
        await self.store.close()

    async def _post(self, path: str, payload: dict[str, Any]) -> list[str]:
        async with self.http.post(path, json={**payload, "token": self.token}) as response:
            data = await response.json()
        self.token = data.get("token", self.token)
        if data.get("erased"):
            self.shown.clear()
        self.last = data["messages"]
        texts = [m["text"] for m in self.last]
        self.shown += texts
        return texts

    async def begin(self) -> list[str]:
        return await self._post("/api/start", {"lang": None})

    async def say(self, text: str) -> list[str]:
        return await self._post("/api/say", {"text": text})

    async def non_text(self) -> list[str]:
        return await self._post("/api/say", {"file": "IMG_0001.jpg"})  # nothing the page sends

    async def forged(self) -> list[str]:
        node = self.last[-1]["node"] if self.last else None
        return await self._post("/api/say", {"choice": "x" * 64, "node": node})

    async def restart(self) -> None:
        await self.close()  # the page keeps its token in memory; the server starts again
        await self.open()

    async def session(self) -> Session | None:
        assert self.token is not None
        return await self.store.load(self.runner.key(WEB, self.token), int(FROZEN.timestamp()))

    async def visible(self) -> list[str]:
        return list(self.shown)

    async def group(self) -> list[str] | None:
        return None  # a web page has no group chats
