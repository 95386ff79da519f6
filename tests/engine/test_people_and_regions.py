"""Trusted persons and regional help: who is offered, in what order, and what is never passed on."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from bot.engine import inputs as i
from bot.engine.engine import Engine
from bot.engine.replies import Handoff, Message
from bot.engine.session import Session
from harness.clock import FROZEN


def trusted_screen(engine: Engine, s: Session, now: dt.datetime = FROZEN) -> Message:
    turn = engine.handle(replace(s, node="help"), i.Choice("trusted", "help"), now)
    assert any(isinstance(r, Handoff) and r.target == "trusted_person" for r in turn.replies)
    return next(r for r in turn.replies if isinstance(r, Message))


def session(engine: Engine, lang: str = "nl", code: str | None = None) -> Session:
    s = engine.handle(None, i.Start(code, lang), FROZEN).session
    assert s is not None
    return s


def test_person_from_the_link_comes_first(people_engine: Engine) -> None:
    msg = trusted_screen(people_engine, session(people_engine, "nl", "K3F9"))
    body = msg.text.split("\n\n")
    first_person = next(b for b in body if "(voorbeeld)" in b)
    assert "Ayşe" in first_person and "Je kreeg de link van:" in first_person


def test_without_a_link_people_who_speak_the_language(people_engine: Engine) -> None:
    msg = trusted_screen(people_engine, session(people_engine, "uk"))
    assert "Olena" in msg.text
    assert "Ayşe" not in msg.text, "Ayşe does not speak Ukrainian"


def test_region_narrows_the_list(people_engine: Engine) -> None:
    s = replace(session(people_engine, "nl"), region="ijsselland")
    msg = trusted_screen(people_engine, s)
    assert "Tesfay" in msg.text and "Kasia" in msg.text
    assert "Samira" not in msg.text, "Samira works in Twente"


def test_at_most_three_people(people_engine: Engine) -> None:
    msg = trusted_screen(people_engine, session(people_engine, "nl"))
    assert msg.text.count("(voorbeeld)") == 3


def test_nobody_in_the_language_says_so_kindly(people_engine: Engine, engine: Engine) -> None:
    msg = trusted_screen(engine, session(engine, "nl"))  # no directory configured
    assert "Er staat nog niemand in jouw taal in de lijst." in msg.text


def test_availability_follows_the_clock(people_engine: Engine) -> None:
    wednesday_11 = dt.datetime(2026, 1, 7, 10, 0, tzinfo=dt.UTC)
    msg = trusted_screen(people_engine, session(people_engine, "nl", "K3F9"), wednesday_11)
    assert "Nu bereikbaar, tot 12:00." in msg.text


def test_handoff_carries_nothing_about_the_resident(people_engine: Engine) -> None:
    s = session(people_engine, "nl", "K3F9")
    turn = people_engine.handle(replace(s, node="help"), i.Choice("trusted", "help"), FROZEN)
    handoff = next(r for r in turn.replies if isinstance(r, Handoff))
    assert handoff == Handoff("trusted_person", ())


@pytest.mark.parametrize(
    ("typed", "region", "contact", "why"),
    [
        ("Almelo", "twente", "Veilig Thuis Twente", "a button label typed"),
        ("ik woon in oldenzaal", "twente", "nouishetgenoeg.nl", "a Twente municipality in words"),
        ("Deventer", "ijsselland", "Veilig Thuis IJsselland", "an IJsselland municipality"),
        ("Utrecht", None, None, "unknown place: the question again"),
        ("ergens anders", None, "Veilig Thuis: 0800-2000", "elsewhere: national help"),
    ],
)
def test_region_question(
    engine: Engine, typed: str, region: str | None, contact: str | None, why: str
) -> None:
    s = replace(session(engine), node="region")
    turn = engine.handle(s, i.Text(typed), FROZEN)
    assert turn.session is not None and turn.session.region == region, why
    msg = next(r for r in turn.replies if isinstance(r, Message))
    if contact is None:
        assert msg.node == "region", why
    else:
        assert msg.node == "region_help" and contact in msg.text, why


def test_region_can_be_skipped_and_is_forgotten(engine: Engine) -> None:
    s = replace(session(engine), node="region", region="twente")
    turn = engine.handle(s, i.Text("zeg ik liever niet"), FROZEN)
    assert turn.session is not None and turn.session.region is None
    assert turn.session.node == "help"
