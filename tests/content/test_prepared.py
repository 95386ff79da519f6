"""The compiled content cache: quick starts, never stale, never in the way."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from bot.content import prepared as prep
from bot.content.prepared import ContentError, prepare
from bot.engine import inputs as i
from harness.clock import FROZEN
from tests.conftest import DIALOGUES, LOCALES

TODAY = FROZEN.date()
LINES = ["hij heeft een mes", "merhaba", "ik wil met iemand praten", "hij slaat me", "1"]


def _answers(engine: object) -> list[str]:
    out = []
    for line in LINES:
        start = engine.handle(None, i.Start(lang="nl"), FROZEN)  # type: ignore[attr-defined]
        turn = engine.handle(start.session, i.Text(line), FROZEN)  # type: ignore[attr-defined]
        out.append(repr(turn.replies))
    return out


@pytest.fixture
def content(tmp_path: Path) -> tuple[Path, Path]:
    """A copy of the shipped dialogues and catalogs that a test may edit."""
    shutil.copytree(DIALOGUES, tmp_path / "dialogues")
    shutil.copytree(LOCALES, tmp_path / "locales")
    return tmp_path / "dialogues", tmp_path / "locales"


def test_second_start_reads_the_cache_and_answers_the_same(
    content: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dialogues, locales = content
    cache = tmp_path / "cache"
    built = prepare(dialogues, locales, None, TODAY, cache)
    files = list(cache.glob("content-*.pickle"))
    assert len(files) == 1
    assert files[0].stat().st_mode & 0o077 == 0  # this user only

    def no_building(*args: object) -> None:
        raise AssertionError("built again although the cache matches")

    monkeypatch.setattr(prep, "load", no_building)
    cached = prepare(dialogues, locales, None, TODAY, cache)
    assert cached is not built
    assert _answers(cached.engine()) == _answers(built.engine())


def test_an_edit_is_seen_at_the_next_start(content: tuple[Path, Path], tmp_path: Path) -> None:
    dialogues, locales = content
    cache = tmp_path / "cache"
    before = prepare(dialogues, locales, None, TODAY, cache).engine()
    first = before.handle(None, i.Start(lang="nl"), FROZEN).replies[0]
    assert "fijn dat je er bent" in repr(first)
    opening = dialogues / "opening.yaml"
    text = opening.read_text(encoding="utf-8")
    opening.write_text(text.replace("fijn dat je er bent", "welkom hier"), encoding="utf-8")
    after = prepare(dialogues, locales, None, TODAY, cache).engine()
    again = after.handle(None, i.Start(lang="nl"), FROZEN).replies[0]
    assert "welkom hier" in repr(again) and "fijn dat je er bent" not in repr(again)
    assert len(list(cache.glob("content-*.pickle"))) == 2  # the old copy goes after a day


def test_the_key_follows_content_date_and_trusted_persons(
    content: tuple[Path, Path], tmp_path: Path
) -> None:
    dialogues, locales = content
    key = prep.content_key(dialogues, locales, None, TODAY)
    assert key == prep.content_key(dialogues, locales, None, TODAY)
    assert key != prep.content_key(dialogues, locales, None, TODAY + dt.timedelta(days=1))
    people = tmp_path / "people.yaml"
    people.write_text("people: []\n", encoding="utf-8")
    assert key != prep.content_key(dialogues, locales, people, TODAY)
    po = locales / "tr" / "LC_MESSAGES" / "messages.po"
    po.write_text(po.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert key != prep.content_key(dialogues, locales, None, TODAY)


def test_a_damaged_cache_file_is_rebuilt(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    cache = tmp_path / "cache"
    prepare(DIALOGUES, LOCALES, None, TODAY, cache)
    (path,) = cache.glob("content-*.pickle")
    path.write_bytes(b"not a pickle at all")
    again = prepare(DIALOGUES, LOCALES, None, TODAY, cache)
    assert "rebuilding" in caplog.text
    assert _answers(again.engine())
    assert path.read_bytes()[:1] == b"\x80"  # written anew


def test_broken_content_is_refused_and_never_cached(
    content: tuple[Path, Path], tmp_path: Path
) -> None:
    dialogues, locales = content
    (dialogues / "dialogue.yaml").write_text("nodes: [unclosed\n", encoding="utf-8")
    cache = tmp_path / "cache"
    with pytest.raises(ContentError) as err:
        prepare(dialogues, locales, None, TODAY, cache)
    assert err.value.problems
    assert not list(cache.glob("content-*.pickle"))


def test_an_unwritable_cache_folder_only_means_no_cache(tmp_path: Path) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("", encoding="utf-8")
    ready = prepare(DIALOGUES, LOCALES, None, TODAY, blocked / "cache")
    assert _answers(ready.engine())
    ready = prepare(DIALOGUES, LOCALES, None, TODAY, None)  # VREDE_CACHE_DIR=off
    assert _answers(ready.engine())
