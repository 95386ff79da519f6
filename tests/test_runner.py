"""The runner: one update per conversation at a time, conversations in parallel, nothing stored."""

from __future__ import annotations

import asyncio
import sqlite3
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.engine import inputs as i
from bot.engine.engine import Engine
from bot.engine.replies import Message, Reply
from bot.i18n.catalogs import Catalogs
from bot.runner import Deliver, Runner
from bot.store.keys import Keyer
from bot.store.sqlite import SqliteStore
from bot.store.wiring import sqlite_stores
from harness.clock import FrozenClock


class Recorder:
    """A deliver callback that records, and can be slow to expose races."""

    def __init__(self, delay: float = 0.0) -> None:
        self.delay = delay
        self.log: list[tuple[str, str]] = []
        self.active = 0
        self.max_active = 0

    def for_chat(self, chat: str) -> Deliver:
        async def deliver(replies: tuple[Reply, ...]) -> None:
            self.active += 1
            self.max_active = max(self.max_active, self.active)
            self.log.append((chat, "start"))
            await asyncio.sleep(self.delay)
            self.log += [(chat, r.node) for r in replies if isinstance(r, Message)]
            self.active -= 1

        return deliver


async def test_one_update_per_conversation_at_a_time(make_runner: Callable[..., Runner]) -> None:
    runner = make_runner()
    rec = Recorder(delay=0.01)
    await runner.handle("t", 1, i.Start(), rec.for_chat("a"))
    await asyncio.gather(*(runner.handle("t", 1, i.Text("1"), rec.for_chat("a")) for _ in range(5)))
    assert rec.max_active == 1
    assert not runner._locks, "locks are dropped when nobody waits"


async def test_conversations_run_in_parallel(make_runner: Callable[..., Runner]) -> None:
    runner = make_runner()
    rec = Recorder(delay=0.02)
    await asyncio.gather(
        *(runner.handle("t", n, i.Start(), rec.for_chat(str(n))) for n in range(10))
    )
    assert rec.max_active == 10


async def test_first_language_is_negotiated_from_the_client(
    make_runner: Callable[..., Runner],
) -> None:
    runner = make_runner()
    turn = await runner.handle("t", 1, i.Start(lang="en-GB"), Recorder().for_chat("a"))
    assert turn.session is not None and turn.session.lang == "en"
    turn = await runner.handle("t", 2, i.Text("hallo"), Recorder().for_chat("b"), client_lang="en")
    assert turn.session is not None and turn.session.lang == "en"


async def test_sessions_expire_after_inactivity(
    make_runner: Callable[..., Runner], clock: FrozenClock
) -> None:
    runner = make_runner()
    rec = Recorder()
    await runner.handle("t", 1, i.Start(), rec.for_chat("a"))
    await runner.handle("t", 1, i.Text("1"), rec.for_chat("a"))
    clock.advance(hours=25)
    turn = await runner.handle("t", 1, i.Text("1"), rec.for_chat("a"))
    assert turn.session is not None and turn.session.node == "start", "expired: a fresh start"


async def test_sqlite_holds_no_text_and_no_ids(
    make_runner: Callable[..., Runner], tmp_path: Path
) -> None:
    store = SqliteStore(tmp_path / "v.db")
    runner = make_runner(store)
    rec = Recorder()
    canary = "kanarie-7f3a9 mijn naam is Fatima 0612345678"
    await runner.handle("telegram", 987654321, i.Start(), rec.for_chat("a"))
    await runner.handle("telegram", 987654321, i.Text(canary), rec.for_chat("a"))
    await runner.handle("telegram", 987654321, i.Text("1"), rec.for_chat("a"))
    await store.close()
    raw = b"".join(p.read_bytes() for p in tmp_path.iterdir())
    for secret in (b"kanarie-7f3a9", b"Fatima", b"0612345678", b"987654321"):
        assert secret not in raw


async def test_erase_removes_the_row(make_runner: Callable[..., Runner], tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "v.db")
    runner = make_runner(store)
    rec = Recorder()
    await runner.handle("t", 5, i.Start(), rec.for_chat("a"))
    assert await store.count() == 1
    await runner.handle("t", 5, i.Text("wissen"), rec.for_chat("a"))
    assert await store.count() == 0
    assert runner.metrics.counts["erasures"] == 1
    await store.close()


async def test_expired_sessions_are_purged_from_disk(
    make_runner: Callable[..., Runner], clock: FrozenClock, tmp_path: Path
) -> None:
    store = SqliteStore(tmp_path / "v.db", ttl=3600)
    runner = make_runner(store)
    await runner.handle("t", 1, i.Start(), Recorder().for_chat("a"))
    clock.advance(hours=2)
    await runner.handle("t", 2, i.Start(), Recorder().for_chat("b"))
    assert await store.count() == 1, "the first conversation expired and was purged"
    await store.close()


class Broken(Exception):
    pass


async def test_an_engine_failure_still_gets_the_112_line_in_the_resident_language(
    make_runner: Callable[..., Runner], monkeypatch: pytest.MonkeyPatch
) -> None:
    runner = make_runner()
    got: list[Message] = []

    async def deliver(replies: tuple[Reply, ...]) -> None:
        got.extend(r for r in replies if isinstance(r, Message))

    await runner.handle("t", 1, i.Start(lang="tr"), deliver)
    before = await runner.store.load(runner.key("t", 1), runner.timestamp())

    def broken(*args: object) -> None:
        raise Broken("hij heeft een mes")

    monkeypatch.setattr(runner.engine, "handle", broken)
    await runner.handle("t", 1, i.Text("merhaba"), deliver)
    assert "112" in got[-1].text and got[-1].lang == "tr"
    assert got[-1].text.startswith(runner.engine.system_text("tr", "error"))
    assert runner.metrics.counts["engine_errors"] == 1
    after = await runner.store.load(runner.key("t", 1), runner.timestamp())
    assert after == before, "nothing lost: the conversation stays where it was"


async def test_a_failing_delivery_is_followed_by_the_short_line_with_112(
    make_runner: Callable[..., Runner],
) -> None:
    runner = make_runner()
    sent: list[Message] = []

    async def flaky(replies: tuple[Reply, ...]) -> None:
        msgs = [r for r in replies if isinstance(r, Message)]
        if any(m.options for m in msgs):  # rendering a screen with buttons breaks
            raise Broken("render")
        sent.extend(msgs)

    await runner.handle("t", 2, i.Start(lang="ar"), flaky)
    assert len(sent) == 1 and "112" in sent[0].text and sent[0].lang == "ar"
    assert runner.metrics.counts["delivery_errors"] == 1


def test_the_fallback_survives_broken_translations(
    make_runner: Callable[..., Runner], monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = make_runner().engine

    def broken(*args: object) -> str:
        raise Broken("catalog")

    monkeypatch.setattr(engine, "_t", broken)
    msg = engine.fallback("fa")
    assert "112" in msg.text and msg.lang == "nl"


async def test_figures_and_the_metrics_endpoint_hold_no_text_and_no_ids(
    people_engine: Engine, catalogs: Catalogs, clock: FrozenClock, tmp_path: Path
) -> None:
    """The privacy canary for the weekly figures and the operators' endpoint."""
    stores = sqlite_stores(tmp_path / "v.db")
    runner = Runner(
        people_engine,
        stores.sessions,
        Keyer(b"test-secret-0123456789"),
        catalogs.negotiate,
        clock,
        figures=stores.figures,
    )
    endpoint = runner.metrics.serve("127.0.0.1", 0)
    rec = Recorder()
    canary = "kanarie-7f3a9 mijn naam is Fatima 0612345678, hij heeft een mes"
    await runner.handle("telegram", 987654321, i.Start(code="K3F9"), rec.for_chat("a"))
    await runner.handle("telegram", 987654321, i.Text(canary), rec.for_chat("a"))
    await runner.handle(
        "matrix", "!kanarieroom:example.org", i.Start(code="kanarie-code"), rec.for_chat("b")
    )
    await runner.handle("matrix", "!kanarieroom:example.org", i.Text("wissen"), rec.for_chat("b"))
    scraped = await asyncio.to_thread(_fetch, endpoint.server_port)
    endpoint.shutdown()
    endpoint.server_close()
    rows = await stores.figures.read("2000-W01", "2999-W52")
    await stores.close()
    assert {"conversations", "route.trusted_person", "erasures"} <= {r.figure for r in rows}
    assert "vrede_replies_sent_total" in scraped and "vrede_reply_seconds_count 4.0" in scraped
    db = sqlite3.connect(tmp_path / "v.db")
    columns = [c[1] for c in db.execute("PRAGMA table_info(figures)")]
    table = " ".join(str(v) for row in db.execute("SELECT * FROM figures") for v in row)
    db.close()
    assert columns == ["week", "region", "figure", "value"]
    for secret in ("kanarie", "Fatima", "0612345678", "987654321", "K3F9", "example.org"):
        assert secret not in table, secret
        assert secret not in scraped, secret


def _fetch(port: int) -> str:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as resp:
        return str(resp.read().decode())


async def test_an_update_whose_turn_was_saved_gets_no_second_turn(
    make_runner: Callable[..., Runner],
) -> None:
    """At least once: a platform may deliver an update again, or another process may take it
    up after a crash between saving its turn and writing it down as answered. Handled again
    on the saved session, a typed '1' would pick the first option of the next screen."""
    runner = make_runner()
    rec = Recorder()
    await runner.handle("t", 1, i.Start(), rec.for_chat("a"), update=10)
    await runner.handle("t", 1, i.Text("1"), rec.for_chat("a"), update=11)
    after_one = list(rec.log)
    again = await runner.handle("t", 1, i.Text("1"), rec.for_chat("a"), update=11)
    assert again.replies == () and rec.log == after_one, "no reply, no step"
    assert runner.metrics.counts["updates_answered_before"] == 1
    await runner.handle("t", 1, i.Text("1"), rec.for_chat("a"), update=12)
    assert len(rec.log) > len(after_one), "the next update is a turn of its own"
    session = await runner.store.load(runner.key("t", 1), runner.timestamp())
    assert session is not None, "the conversation goes on"
    assert session.handled == runner.key("t-update", 12), "an HMAC, not the platform's number"
