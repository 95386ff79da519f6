"""The runner records weekly figures: what a conversation counts, in which week and region."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable

import pytest

from bot.content.loader import load
from bot.engine import inputs as i
from bot.engine.engine import Engine
from bot.engine.replies import Reply
from bot.engine.validate_graph import entry_region_problems
from bot.i18n.catalogs import Catalogs
from bot.runner import Runner
from bot.store.base import FigureRow
from bot.store.keys import Keyer
from bot.store.memory import MemoryFigures, MemoryStore
from harness.clock import FrozenClock
from tests.conftest import DIALOGUES

Make = Callable[[], tuple[Runner, MemoryFigures]]
WEEK = "2026-W02"  # the frozen clock: Monday 5 January 2026


async def quiet(replies: tuple[Reply, ...]) -> None:
    pass


@pytest.fixture
def counting(people_engine: Engine, catalogs: Catalogs, clock: FrozenClock) -> Make:
    def make() -> tuple[Runner, MemoryFigures]:
        figures = MemoryFigures()
        keyer = Keyer(b"test-secret-0123456789")
        runner = Runner(
            people_engine, MemoryStore(), keyer, catalogs.negotiate, clock, figures=figures
        )
        return runner, figures

    return make


async def totals(figures: MemoryFigures) -> dict[tuple[str, str], int]:
    rows = await figures.read("2026-W01", "2026-W53")
    assert all(r.week == WEEK for r in rows)
    return {(r.region, r.figure): r.value for r in rows}


async def test_a_conversation_counts_once_with_language_route_and_transport(counting: Make) -> None:
    runner, figures = counting()
    await runner.handle("telegram", 11, i.Start(lang="tr"), quiet)
    await runner.handle("telegram", 11, i.Text("1"), quiet)
    await runner.handle("matrix", "!room:x", i.Start(), quiet)
    got = await totals(figures)
    assert got[("unknown", "conversations")] == 2, "a second message is not a second conversation"
    assert got[("unknown", "language.tr")] == 1 and got[("unknown", "language.nl")] == 1
    assert got[("unknown", "route.direct")] == 2
    assert got[("unknown", "transport.telegram")] == 1
    assert got[("unknown", "transport.matrix")] == 1


@pytest.mark.parametrize(
    ("text", "kind", "vt", "why"),
    [
        ("ik wil niet meer leven", "suicide", 0, "its own screen, with 113, not Veilig Thuis"),
        ("mijn zoontje wordt geslagen", "child", 1, "a child: its own screen with Veilig Thuis"),
        ("hij zegt dat hij me vermoordt", "general", 0, "a threat: the general screen, 112"),
        ("hij heeft een mes", "possible", 0, "only possibly danger: the calm question"),
    ],
)
async def test_danger_screens_count_per_kind(
    counting: Make,
    text: str,
    kind: str,
    vt: int,
    why: str,
) -> None:
    runner, figures = counting()
    await runner.handle("telegram", 12, i.Start(), quiet)
    await runner.handle("telegram", 12, i.Text(text), quiet)
    got = await totals(figures)
    dangers = {f: v for (_, f), v in got.items() if f.startswith("danger.")}
    assert dangers == {f"danger.{kind}": 1}, why
    assert got.get(("unknown", "veilig_thuis.shown"), 0) == vt, "shown where the screen shows it"


async def test_erasure_is_counted_and_the_next_message_is_a_new_conversation(
    counting: Make,
) -> None:
    runner, figures = counting()
    await runner.handle("telegram", 13, i.Start(), quiet)
    await runner.handle("telegram", 13, i.Text("wissen"), quiet)
    got = await totals(figures)
    assert got[("unknown", "erasures")] == 1
    assert got[("unknown", "conversations")] == 1


async def test_a_trusted_persons_link_counts_as_one_route_in_their_region(counting: Make) -> None:
    runner, figures = counting()
    await runner.handle("telegram", 14, i.Start(code="K3F9"), quiet)  # Ayşe: Twente only
    await runner.handle("telegram", 14, i.Command("help"), quiet)
    await runner.handle("telegram", 14, i.Choice("trusted", "help"), quiet)
    await runner.handle("telegram", 15, i.Start(code="T1G9"), quiet)  # two regions
    await runner.handle("telegram", 16, i.Start(code="campagne"), quiet)
    got = await totals(figures)
    assert got[("twente", "route.trusted_person")] == 1
    assert got[("twente", "trusted.offered")] == 1
    assert got[("twente", "veilig_thuis.shown")] == 1, "the help screen shows Veilig Thuis"
    assert got[("unknown", "route.campaign")] == 1
    assert not any("K3F9" in f or "T1G9" in f for _, f in got), "codes are never figures"


async def test_the_week_follows_the_clock_in_dutch_time(counting: Make, clock: FrozenClock) -> None:
    runner, figures = counting()
    clock.advance(days=6, hours=14)  # Sunday 23:00 UTC: already Monday in Amsterdam
    await runner.handle("telegram", 17, i.Start(), quiet)
    rows = await figures.read("2026-W01", "2026-W53")
    assert {r.week for r in rows} == {"2026-W03"}


async def test_a_failing_figures_store_never_stops_a_reply(
    counting: Make,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    runner, figures = counting()

    async def broken(*args: object) -> None:
        raise OSError("disk full kanarie-figures")

    monkeypatch.setattr(figures, "add", broken)
    got: list[Reply] = []

    async def deliver(replies: tuple[Reply, ...]) -> None:
        got.extend(replies)

    with caplog.at_level(logging.ERROR):
        await runner.handle("telegram", 18, i.Start(), deliver)
    assert got, "the resident got the greeting"
    assert runner.metrics.counts["figures_errors"] == 1
    assert "kanarie-figures" not in caplog.text, "logged by type, never its text"


async def test_the_rows_hold_only_weekly_totals(counting: Make) -> None:
    runner, figures = counting()
    await runner.handle("telegram", 19, i.Start(), quiet)
    rows = await figures.read("2026-W01", "2026-W53")
    assert rows and all(isinstance(r, FigureRow) for r in rows)
    assert {r.region for r in rows} <= {"twente", "ijsselland", "unknown"}


async def test_a_campaign_code_counts_in_the_region_it_was_spread_in(
    catalogs: Catalogs, clock: FrozenClock
) -> None:
    loaded = load(DIALOGUES, DIALOGUES / "trusted_persons.example.yaml")
    assert loaded.dialogue is not None
    d = dataclasses.replace(loaded.dialogue, entry_regions={"campagne": "ijsselland"})
    regional = Engine(d, catalogs, loaded.lexicons, loaded.detector)
    figures = MemoryFigures()
    keyer = Keyer(b"test-secret-0123456789")
    runner = Runner(regional, MemoryStore(), keyer, catalogs.negotiate, clock, figures=figures)
    await runner.handle("telegram", 16, i.Start(code="campagne"), quiet)
    got = await totals(figures)
    assert got[("ijsselland", "route.campaign")] == 1
    assert got[("ijsselland", "conversations")] == 1
    assert not any("campagne" in f for _, f in got), "codes are never figures"


def test_a_campaign_region_must_name_a_code_and_a_region(people_engine: Engine) -> None:
    d = dataclasses.replace(
        people_engine.dialogue, entry_regions={"campagne": "zwolle", "x": "twente"}
    )
    found = [
        p for p in entry_region_problems(d) if p.code in ("unknown_region", "unknown_entry_code")
    ]
    assert [p.code for p in found] == ["unknown_region", "unknown_entry_code"], found
    assert "'zwolle'" in found[0].message and "twente" in found[0].message
