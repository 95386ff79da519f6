"""The Figures port: weekly totals incremented in place, the same in memory, SQLite and Redis."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.store.base import FigureRow, Figures
from bot.store.figures_sqlite import SqliteFigures
from bot.store.memory import MemoryFigures
from bot.store.redis_conn import connect
from bot.store.redis_sync import RedisFigures
from bot.store.sqlite import SqliteStore
from bot.store.wiring import DATABASE, open_stores


@pytest.fixture(params=["memory", "sqlite", "redis"])
async def figures(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Figures]:
    if request.param == "memory":
        yield MemoryFigures()
        return
    if request.param == "redis":
        redis = connect(request.getfixturevalue("redis_url"))
        yield RedisFigures(redis)
        await redis.aclose()
        return
    store = SqliteStore(tmp_path / "s.db")
    yield SqliteFigures(store)
    await store.close()


async def test_totals_are_incremented_in_place(figures: Figures) -> None:
    await figures.add("2026-W40", "twente", ["conversations", "language.nl"])
    await figures.add("2026-W40", "twente", ["conversations", "danger.child", "danger.child"])
    await figures.add("2026-W40", "unknown", ["conversations"])
    assert await figures.read("2026-W40", "2026-W40") == [
        FigureRow("2026-W40", "twente", "conversations", 2),
        FigureRow("2026-W40", "twente", "danger.child", 2),
        FigureRow("2026-W40", "twente", "language.nl", 1),
        FigureRow("2026-W40", "unknown", "conversations", 1),
    ]


async def test_reading_takes_only_the_weeks_asked_for(figures: Figures) -> None:
    for week in ("2025-W52", "2026-W01", "2026-W09", "2026-W10", "2026-W11"):
        await figures.add(week, "ijsselland", ["conversations"])
    got = await figures.read("2026-W01", "2026-W10")
    assert [r.week for r in got] == ["2026-W01", "2026-W09", "2026-W10"]


async def test_nothing_added_adds_no_row(figures: Figures) -> None:
    await figures.add("2026-W40", "twente", [])
    assert await figures.read("2026-W01", "2026-W53") == []


async def test_the_sqlite_table_lives_beside_the_sessions_and_survives_a_restart(
    tmp_path: Path,
) -> None:
    stores = open_stores(tmp_path)
    await stores.figures.add("2026-W41", "twente", ["conversations", "erasures"])
    await stores.close()
    again = open_stores(tmp_path)
    assert len(await again.figures.read("2026-W41", "2026-W41")) == 2
    await again.close()
    db = sqlite3.connect(tmp_path / DATABASE)
    columns = [row[1] for row in db.execute("PRAGMA table_info(figures)")]
    tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    db.close()
    assert columns == ["week", "region", "figure", "value"], "nothing but weekly totals"
    assert {"sessions", "figures"} <= tables, "one database file for all ports"
