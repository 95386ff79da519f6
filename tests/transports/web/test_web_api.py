"""The web chat's server without a browser: headers on every response (errors and 404s too),
calm answers with 112 for anything odd, rate limits, erase, the idle TTL, languages, options,
and nothing of the resident in the logs."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.engine.session import Session
from bot.runner import Runner
from bot.store.memory import MemoryStore
from bot.transports.web.api import PLATFORM
from bot.transports.web.headers import security_headers
from bot.transports.web.options import BadOption, Limits, WebOptions, origins
from bot.transports.web.page import accepted
from bot.transports.web.server import serve
from harness.clock import FrozenClock

FRAMES = ("https://www.enschede.nl",)


class Web:
    """A server on a memory store, and an HTTP client for it."""

    def __init__(self, runner: Runner, store: MemoryStore, http: aiohttp.ClientSession) -> None:
        self.runner, self.store, self.http = runner, store, http

    async def post(self, path: str, payload: Any) -> tuple[int, dict[str, Any]]:
        async with self.http.post(path, json=payload) as r:
            return r.status, await r.json()


@pytest.fixture
async def web(make_runner: Callable[..., Runner]) -> AsyncIterator[Web]:
    store = MemoryStore(ttl=1800)
    runner = make_runner(store)
    options = WebOptions.make("Afvalkalender", "https://example.org/", " ".join(FRAMES), None, 30)
    small = Limits(burst=3, per_second=0.001, starts_burst=50, starts_per_second=0.001)
    limited = dataclasses.replace(options, limits=small)
    serving = await serve(runner, limited, "127.0.0.1", 0)  # as `vrede web` runs it
    async with aiohttp.ClientSession(f"http://127.0.0.1:{serving.port}") as http:
        yield Web(runner, store, http)
    await serving.stop()


def carries_112(data: dict[str, Any]) -> bool:
    return bool(data["messages"]) and all("112" in m["text"] for m in data["messages"])


async def test_every_response_carries_the_headers(web: Web) -> None:
    """Pages, files, the API, and the errors a prober would cause, alike."""
    expected = security_headers(FRAMES)
    requests = [
        ("GET", "/", None),
        ("GET", "/?lang=ar&embed=1", None),
        ("GET", "/static/chat.js", None),
        ("GET", "/static/chat.css", None),
        ("GET", "/static/../../etc/passwd", None),
        ("GET", "/favicon.ico", None),
        ("GET", "/nothing-here", None),
        ("POST", "/", None),  # 405
        ("POST", "/api/start", {"lang": "nl"}),
        ("POST", "/api/say", "not json"),
        ("POST", "/api/erase", None),
        ("PUT", "/api/say", None),
    ]
    for method, path, body in requests:
        kw: dict[str, Any] = {"json": body} if isinstance(body, dict) else {"data": body or b""}
        async with web.http.request(method, path, **kw) as r:
            for name, value in expected.items():
                assert r.headers.get(name) == value, (method, path, r.status, name)
            assert "Set-Cookie" not in r.headers and "aiohttp" not in r.headers["Server"]
    assert "frame-ancestors https://www.enschede.nl" in expected["Content-Security-Policy"]
    assert "X-Frame-Options" not in expected  # frames allowed for the municipality's page


async def test_no_frames_anywhere_unless_configured() -> None:
    fixed = security_headers(())
    assert "frame-ancestors 'none'" in fixed["Content-Security-Policy"]
    assert fixed["X-Frame-Options"] == "DENY"
    assert "'unsafe-inline'" not in fixed["Content-Security-Policy"]


async def test_a_conversation_by_buttons_and_text_reaches_veilig_thuis(web: Web) -> None:
    status, data = await web.post("/api/start", {"lang": "nl"})
    assert status == 200 and carries_112(data)
    token = data["token"]
    screen = data["messages"][-1]
    status, data = await web.post(
        "/api/say", {"token": token, "choice": "help", "node": screen["node"]}
    )
    assert status == 200 and carries_112(data)
    _, data = await web.post("/api/say", {"token": token, "text": "ik wil veilig thuis bellen"})
    assert carries_112(data) and "0800-2000" in data["messages"][-1]["text"]


async def test_the_answer_does_not_wait_for_the_save(web: Web) -> None:
    """Like a message on a messenger, the answer goes out when the turn has it; the save comes
    after, and the conversation's next message waits for it (nothing is lost or mixed)."""
    _, data = await web.post("/api/start", {"lang": "nl"})
    token, node = data["token"], data["messages"][-1]["node"]
    saving, release = asyncio.Event(), asyncio.Event()
    save = web.store.save

    async def slow_save(key: str, session: Session, now: int) -> None:
        saving.set()
        await release.wait()
        await save(key, session, now)

    web.store.save = slow_save  # type: ignore[method-assign]
    pressed = {"token": token, "choice": "help", "node": node}
    first = asyncio.create_task(web.post("/api/say", pressed))
    await asyncio.wait_for(saving.wait(), 10)
    status, answer = await asyncio.wait_for(first, 10)  # while the save still waits
    assert status == 200 and carries_112(answer)
    typed = {"token": token, "text": "ik wil veilig thuis bellen"}
    second = asyncio.create_task(web.post("/api/say", typed))
    await asyncio.sleep(0.2)
    assert not second.done(), "the next message waits for the save of the one before"
    web.store.save = save  # type: ignore[method-assign]
    release.set()
    status, answer = await asyncio.wait_for(second, 10)
    assert status == 200 and "0800-2000" in answer["messages"][-1]["text"]


async def test_danger_comes_first_with_its_screen(web: Web) -> None:
    _, data = await web.post("/api/start", {})
    _, data = await web.post("/api/say", {"token": data["token"], "text": "hij heeft een mes"})
    assert data["messages"][0]["urgent"] and carries_112(data)


async def test_odd_requests_get_a_calm_answer_with_112(web: Web) -> None:
    for payload in ("not json", [1, 2], {"token": "short", "text": 5}, {"choice": "x" * 65}):
        async with web.http.post(
            "/api/say", data=str(payload), headers={"Content-Type": "application/json"}
        ) as r:
            assert r.status == 200 and carries_112(await r.json()), payload
    async with web.http.post("/api/say", data="text=hallo") as r:  # a form from another site
        assert r.status == 415 and carries_112(await r.json())
    async with web.http.post("/api/say", json={"text": "x" * 100_000}) as r:
        assert r.status == 413 and carries_112(await r.json())


async def test_too_many_messages_are_refused_calmly(web: Web) -> None:
    _, data = await web.post("/api/start", {})
    token = data["token"]
    answers = [await web.post("/api/say", {"token": token, "text": "hallo"}) for _ in range(5)]
    assert [s for s, _ in answers] == [200, 200, 200, 429, 429]
    assert all(carries_112(d) for _, d in answers)


async def test_quick_exit_erases_the_conversation(web: Web) -> None:
    _, data = await web.post("/api/start", {})
    key = web.runner.key(PLATFORM, data["token"])
    assert await web.store.load(key, web.runner.timestamp()) is not None
    async with web.http.post("/api/erase", data=data["token"]) as r:  # what sendBeacon sends
        assert r.status == 204
    assert await web.store.load(key, web.runner.timestamp()) is None
    assert await web.store.count() == 0


async def test_typing_wissen_erases_and_gives_a_new_token(web: Web) -> None:
    _, data = await web.post("/api/start", {})
    old = data["token"]
    _, data = await web.post("/api/say", {"token": old, "text": "wissen"})
    assert data["erased"] and data["token"] != old and carries_112(data)
    assert "browsergeschiedenis" in data["messages"][0]["text"]
    assert await web.store.count() == 0


async def test_an_idle_conversation_is_forgotten_after_30_minutes(
    web: Web, clock: FrozenClock
) -> None:
    _, data = await web.post("/api/start", {})
    key = web.runner.key(PLATFORM, data["token"])
    clock.advance(minutes=29)
    assert await web.store.load(key, web.runner.timestamp()) is not None
    clock.advance(minutes=2)
    await web.runner.purge()
    assert await web.store.count() == 0
    _, data = await web.post("/api/say", {"token": data["token"], "text": "hallo"})
    assert carries_112(data)  # a calm new start, nothing of before


@pytest.mark.parametrize(
    ("query", "accept", "lang", "rtl"),
    [
        ("", "ar,en;q=0.8", "ar", True),
        ("", "de-DE,fa;q=0.9,en;q=0.8", "fa", True),
        ("", "uk-UA", "uk", False),
        ("?lang=ti", "nl", "ti", False),
        ("?lang=xx", "pl;q=0.5,de", "pl", False),
        ("", None, "nl", False),
    ],
)
async def test_the_page_speaks_the_browsers_language(
    web: Web, query: str, accept: str | None, lang: str, rtl: bool
) -> None:
    headers = {"Accept-Language": accept} if accept else {}
    async with web.http.get(f"/{query}", headers=headers) as r:
        page = await r.text()
    assert f'<html lang="{lang}" dir="{"rtl" if rtl else "ltr"}">' in page
    assert "112" in page and "<title>Afvalkalender</title>" in page
    assert "<script>" not in page and "style=" not in page


def test_accept_language_order() -> None:
    assert accepted("en;q=0.5, tr, *, ar;q=0") == ["tr", "en"]


@pytest.mark.parametrize(
    ("title", "exit_url", "frames", "icon", "why"),
    [
        ("x", "javascript:alert(1)", "", None, "exit must be an http(s) address"),
        ("x", 'https://a.nl/"onload', "", None, "no quotes in the exit address"),
        ("x", "https://a.nl/", "https://a.nl; script-src *", None, "no policy injection"),
        ("x", "https://a.nl/", "'self' *", None, "origins only"),
        ("x", "https://a.nl/", "", Path("icon.gif"), "icon types the page can declare"),
    ],
)
def test_bad_settings_stop_the_start(
    title: str, exit_url: str, frames: str, icon: Path | None, why: str
) -> None:
    with pytest.raises(BadOption):
        WebOptions.make(title, exit_url, frames, icon, 30)


def test_frame_origins() -> None:
    assert origins("https://www.deventer.nl, https://*.enschede.nl") == (
        "https://www.deventer.nl",
        "https://*.enschede.nl",
    )


async def test_nothing_of_the_resident_reaches_the_logs(
    web: Web, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    secret_line = "mijn buurman Jan de Vries 0612345678 slaat mij"
    ua = {"User-Agent": "Mozilla/5.0 ResidentPhone", "X-Forwarded-For": "203.0.113.9"}
    async with web.http.post("/api/start", json={}, headers=ua) as r:
        token = (await r.json())["token"]
    async with web.http.post("/api/say", json={"token": token, "text": secret_line}, headers=ua):
        pass
    logged = "\n".join(r.getMessage() for r in caplog.records)
    for trace in (secret_line, "Jan", "0612345678", token, "Mozilla", "203.0.113.9", "127.0.0.1"):
        assert trace not in logged
