"""`vrede report`: the weekly figures as HTML, CSV and JSON, protected, from a real data dir."""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import io
import json
import re
from pathlib import Path

import pytest

from bot.figures.tables import build
from bot.store.base import FigureRow
from bot.store.wiring import open_stores
from tests.test_cli import vrede

TODAY = dt.date(2026, 11, 30)  # Monday of 2026-W49: weeks up to W47 are publishable


def rows() -> list[FigureRow]:
    out = []
    for n, week in enumerate(["2026-W45", "2026-W46", "2026-W47", "2026-W48"]):
        out += [
            FigureRow(week, "twente", "conversations", 20 + n),
            FigureRow(week, "twente", "language.nl", 14 + n),
            FigureRow(week, "twente", "language.tr", 6),
            FigureRow(week, "ijsselland", "conversations", 3),
            FigureRow(week, "ijsselland", "language.uk", 3),
            FigureRow(week, "twente", "route.direct", 20 + n),
            FigureRow(week, "twente", "transport.telegram", 20 + n),
            FigureRow(week, "ijsselland", "transport.matrix", 3),
            FigureRow(week, "ijsselland", "route.trusted_person", 3),
            FigureRow(week, "twente", "danger.child", 1),
        ]
    return out


def figures_of(report_tables: object) -> list[str]:
    return [v for t in report_tables for _, _, v in t.rows]  # type: ignore[attr-defined]


def test_only_ended_weeks_plus_one_are_published() -> None:
    report = build(rows(), "2026-W45", "2026-W48", None, TODAY)
    assert report.weeks == ("2026-W45", "2026-W46", "2026-W47")
    assert report.held_back == ("2026-W48",)
    weeks = next(t for t in report.tables if t.id == "conversations")
    assert [k for k, _, _ in weeks.rows] == list(report.weeks)


def test_every_figure_is_small_hidden_or_a_multiple_of_five() -> None:
    report = build(rows(), "2026-W45", "2026-W48", None, TODAY)
    for value in figures_of(report.tables) + [t.total for t in report.tables if t.total]:
        assert value in ("<10", "x") or (int(value) % 5 == 0 and int(value) >= 10), value


def test_small_languages_are_merged_into_other() -> None:
    report = build(rows(), "2026-W45", "2026-W48", None, TODAY)
    langs = {k: v for k, _, v in next(t for t in report.tables if t.id == "languages").rows}
    assert set(langs) == {"nl", "tr", "other"}, "uk (9 in three weeks) is merged"


def test_one_region_at_a_time_and_no_region_table_then() -> None:
    report = build(rows(), "2026-W45", "2026-W47", "ijsselland", TODAY)
    assert "regions" not in {t.id for t in report.tables}
    weeks = next(t for t in report.tables if t.id == "conversations")
    assert {v for _, _, v in weeks.rows} == {"<10"}


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    async def fill() -> None:
        stores = open_stores(tmp_path)
        for r in rows():
            for _ in range(r.value):
                await stores.figures.add(r.week, r.region, [r.figure])
        await stores.close()

    asyncio.run(fill())
    return tmp_path


def test_the_command_writes_each_format(data_dir: Path, tmp_path: Path) -> None:
    env = {"VREDE_DATA_DIR": str(data_dir)}
    weeks = ("--weeks", "2026-W45..2026-W47")
    page = vrede("report", *weeks, "--format", "html", env=env)
    assert page.returncode == 0, page.stderr
    assert "<svg" in page.stdout and "Gesprekken per week" in page.stdout
    assert not re.search(r"(src|href)=", page.stdout), "no external assets"
    table = list(
        csv.DictReader(io.StringIO(vrede("report", *weeks, "--format", "csv", env=env).stdout))
    )
    total = next(r for r in table if r["table"] == "conversations" and r["key"] == "total")
    assert total["value"] == "70" and total["weeks"] == "2026-W45..2026-W47"
    out = tmp_path / "figures.json"
    done = vrede(
        "report", *weeks, "--format", "json", "--region", "twente", "--out", str(out), env=env
    )
    assert done.returncode == 0 and done.stdout == ""
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["region"] == "twente" and data["weeks"] == ["2026-W45", "2026-W46", "2026-W47"]


def test_the_command_refuses_a_bad_week_and_a_missing_database(tmp_path: Path) -> None:
    env = {"VREDE_DATA_DIR": str(tmp_path / "nothing")}
    assert vrede("report", "--weeks", "2026-40", env=env).returncode == 2
    missing = vrede("report", "--weeks", "2026-W40", env=env)
    assert missing.returncode == 2 and "Traceback" not in missing.stderr
    assert not (tmp_path / "nothing").exists(), "reading figures creates no database"


def test_status_without_an_endpoint_shows_this_weeks_stored_figures(tmp_path: Path) -> None:
    async def fill() -> None:
        stores = open_stores(tmp_path)
        week = dt.datetime.now(dt.UTC).date().isocalendar()
        name = f"{week[0]}-W{week[1]:02d}"
        for _ in range(12):
            await stores.figures.add(name, "twente", ["conversations"])
        await stores.close()

    asyncio.run(fill())
    done = vrede("status", env={"VREDE_DATA_DIR": str(tmp_path)})
    assert done.returncode == 0, done.stderr
    assert "conversations 10" in done.stdout
