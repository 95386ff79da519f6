"""Telegram with VREDE_REDIS_URL, in one test process: two bots behind one webhook URL (any
worker answers, in order per conversation), and a resident's message while Redis is gone."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import aiohttp
import pytest
from aiohttp import web

from bot.engine.engine import Engine
from bot.i18n.catalogs import Catalogs
from bot.runner import Runner
from bot.store.base import Stores
from bot.store.keys import Keyer
from bot.store.wiring import redis_stores
from bot.transports.telegram.intake import SECRET_HEADER
from bot.transports.telegram.service import Options, TelegramBot
from harness.clock import FrozenClock
from harness.redis_server import RedisServer, free_port
from harness.telegram_api import FakeTelegram
from tests.transports.telegram.fixtures import FAST, SECRET

SCRIPT = ("/start", "1", "hallo", "2", "ok")
MakeBot = Callable[..., AsyncIterator[TelegramBot]]


@pytest.fixture
def make_bot(
    fake: FakeTelegram, redis_url: str, engine: Engine, catalogs: Catalogs
) -> Callable[..., object]:
    @asynccontextmanager
    async def make(**options: object) -> AsyncIterator[TelegramBot]:
        keyer = Keyer(SECRET)
        stores: Stores = redis_stores(redis_url, sealer=keyer.queue_sealer)
        runner = Runner(
            engine,
            stores.sessions,
            keyer,
            catalogs.negotiate,
            FrozenClock(),
            figures=stores.figures,
        )
        opts = {"limits": FAST, "poll_timeout": 1, **options}
        bot = TelegramBot(runner, stores, Options(fake.token, fake.url, **opts))  # type: ignore[arg-type]
        await bot.start()
        try:
            yield bot
        finally:
            await bot.stop(drain=2)
            await stores.close()

    return make


@asynccontextmanager
async def round_robin(ports: list[int]) -> AsyncIterator[str]:
    """A reverse proxy that sends each request to the next worker in turn."""
    turn = itertools.cycle(ports)

    async def forward(request: web.Request) -> web.Response:
        url = f"http://127.0.0.1:{next(turn)}{request.path}"
        async with (
            aiohttp.ClientSession() as http,
            http.post(url, data=await request.read(), headers=request.headers) as r,
        ):
            return web.Response(status=r.status, body=await r.read())

    app = web.Application()
    app.router.add_post("/{tail:.*}", forward)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield f"http://127.0.0.1:{port}/telegram"
    finally:
        await runner.cleanup()


def transcript(fake: FakeTelegram, chat: int) -> list[str]:
    return [m.text or "" for m in fake.bot_messages(chat, visible=False)]


async def test_behind_one_webhook_any_worker_answers_in_order(
    fake: FakeTelegram, make_bot: Callable[..., object]
) -> None:
    ports = [free_port(), free_port()]
    async with (
        round_robin(ports) as url,
        make_bot(webhook=url, listen=("127.0.0.1", ports[0])) as one,  # type: ignore[attr-defined]
        make_bot(webhook=url, listen=("127.0.0.1", ports[1])) as two,  # type: ignore[attr-defined]
    ):
        for text in SCRIPT:  # the reference, one message at a time
            before = len(transcript(fake, 1))
            fake.text(1, text)
            await fake.until(lambda n=before: len(transcript(fake, 1)) > n, timeout=30)
            await asyncio.sleep(0.3)  # a turn may send more than one message
        chats = range(200, 220)
        for chat in chats:  # all at once: the proxy alternates between the workers
            for text in SCRIPT:
                fake.text(chat, text)
        reference = transcript(fake, 1)
        await fake.until(lambda: all(len(transcript(fake, c)) >= len(reference) for c in chats), 60)
        async with aiohttp.ClientSession() as http:
            forged = await http.post(f"http://127.0.0.1:{ports[0]}/telegram", json={})
            wrong = {SECRET_HEADER: "guessed"}
            guessed = await http.post(url, json={}, headers=wrong)
        turns = [one.runner.metrics.counts["turns"], two.runner.metrics.counts["turns"]]
    assert all(transcript(fake, c) == reference for c in chats), "in order, once each"
    assert all(t > 0 for t in turns), f"both workers answered turns: {turns}"
    assert forged.status == 403 and guessed.status == 403, "only Telegram's secret_token"


async def test_with_redis_gone_a_resident_still_gets_112_and_try_again(
    fake: FakeTelegram, make_bot: Callable[..., object], redis_server: RedisServer
) -> None:
    async with make_bot() as bot:  # type: ignore[attr-defined]
        fake.text(5, "/start")
        await fake.until(lambda: len(transcript(fake, 5)) >= 1, timeout=30)
        redis_server.kill()
        try:
            before = len(transcript(fake, 5))
            fake.text(5, "hallo")
            await fake.until(lambda: len(transcript(fake, 5)) > before, timeout=30)
            reply = transcript(fake, 5)[-1]
        finally:
            redis_server.start()
        assert bot.runner.metrics.counts["telegram_apologized"] == 1
    assert "Probeer het zo nog eens" in reply and "112" in reply


async def test_nothing_in_redis_names_a_resident(
    fake: FakeTelegram, make_bot: Callable[..., object], redis_url: str
) -> None:
    chat, canaries = 5551234987, [b"Fatima", b"0612345678", b"5551234987"]
    async with make_bot() as bot:  # type: ignore[attr-defined]
        for text in ("/start", "mijn naam is Fatima, bel me op 0612345678", "1"):
            before = len(transcript(fake, chat))
            fake.text(chat, text)
            await fake.until(lambda n=before: len(transcript(fake, chat)) > n, timeout=30)
        redis = bot.trail.redis  # type: ignore[attr-defined]
        dump = b""
        for key in await redis.keys("*"):
            dump += key + (await redis.dump(key) or b"")
    assert dump, "the conversation is in Redis"
    assert not [c for c in canaries if c in dump], "no text, number or chat id, in keys or values"


async def test_on_redis_trusted_persons_enrol_and_asking_for_a_person_gets_help_at_once(
    fake: FakeTelegram, redis_url: str, relay_engine: Engine, catalogs: Catalogs
) -> None:
    """The relay's store is shared (an invite made by `vrede people invite` anywhere works in
    any process; the chat id is sealed), but a live relay is not started while several
    processes answer: the resident's chat is known to one process only, so a resident who
    asks for a person gets Veilig Thuis and 112 at once, as when nobody is free."""
    resident, helper = 7_310_552_901, 6_204_883_117
    keyer = Keyer(SECRET)
    stores = redis_stores(redis_url, sealer=keyer.queue_sealer)
    runner = Runner(
        relay_engine, stores.sessions, keyer, catalogs.negotiate, FrozenClock(), relay=stores.relay
    )
    bot = TelegramBot(runner, stores, Options(fake.token, fake.url, limits=FAST, poll_timeout=1))
    await bot.start()
    try:
        assert runner.relay is not None
        code = await runner.relay.invite("samira")
        fake.text(helper, f"/start {code}")
        await fake.until(lambda: "gekoppeld" in "".join(transcript(fake, helper)), timeout=30)
        fake.press(helper, fake.screen(helper).id, "helper.available")
        for _ in range(200):  # the press is handled by whichever process claims it
            if any(h.available for h in await stores.relay.helpers()):
                break
            await asyncio.sleep(0.05)
        for text in ("/start", "hulp"):
            before = len(transcript(fake, resident))
            fake.text(resident, text)
            await fake.until(lambda n=before: len(transcript(fake, resident)) > n, timeout=30)
        fake.press(resident, fake.screen(resident).id, "talk")
        nobody = "Er is nu niemand vrij"
        await fake.until(lambda: nobody in transcript(fake, resident)[-1], timeout=30)
        assert "0800-2000" in transcript(fake, resident)[-1]
        assert transcript(fake, resident)[-1].endswith("Bel 112.")
        assert not any("Iemand wil" in t for t in transcript(fake, helper)), "no offer made"
        helpers = await stores.relay.helpers()
        assert [(h.person, h.available) for h in helpers] == [("samira", True)]
        redis = stores.relay.redis  # type: ignore[attr-defined]
        dump = b""
        for key in await redis.keys("*"):
            dump += key + (await redis.dump(key) or b"")
    finally:
        await bot.stop(drain=2)
        await stores.close()
    assert str(helper).encode() not in dump, "the trusted person's chat id is sealed"
    assert str(resident).encode() not in dump and code.encode() not in dump
