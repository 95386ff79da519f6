"""The engine's invariants on the shipped dialogue: 112 always, danger first, nothing breaks."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from bot.engine import inputs as i
from bot.engine.engine import Engine, Turn
from bot.engine.replies import Erase, Handoff, Message
from bot.engine.session import Session
from harness.clock import FROZEN


def messages(turn: Turn) -> list[Message]:
    return [r for r in turn.replies if isinstance(r, Message)]


def start(engine: Engine, lang: str = "nl", code: str | None = None) -> Session:
    turn = engine.handle(None, i.Start(code, lang), FROZEN)
    assert turn.session is not None
    return turn.session


def test_start_shows_entry_node_with_112(engine: Engine) -> None:
    turn = engine.handle(None, i.Start(), FROZEN)
    [msg] = messages(turn)
    assert msg.node == engine.dialogue.entry
    assert msg.text.endswith("Nu in gevaar? Bel 112.")
    assert any(b.id == "cmd.erase" for b in msg.commands), "erase is offered on every screen"


def test_first_message_has_no_alarming_words(engine: Engine) -> None:
    [msg] = messages(engine.handle(None, i.Start(), FROZEN))
    first_line = msg.text.splitlines()[0].lower()
    for word in ("geweld", "mishandel", "misbruik", "slachtoffer"):
        assert word not in msg.text.lower().split("acuut")[0], word
    assert "geweld" not in first_line


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("hij wurgde me", "past tense of a danger verb"),
        ("Ik ben bang dat hij me VERMOORDT", "upper case and inflection"),
        ("he pulled a knife on me", "English works in a Dutch session"),
        ("help me alsjeblieft hij slaat me", "a plea for help with what is happening"),
    ],
)
def test_danger_words_come_first_on_every_node(engine: Engine, text: str, why: str) -> None:
    screens = {engine.dialogue.danger_node, *engine.dialogue.danger_screens.values()}
    for node in engine.dialogue.nodes:
        if node in screens:
            continue
        s = replace(start(engine), node=node)
        turn = engine.handle(s, i.Text(text), FROZEN)
        [msg] = messages(turn)
        assert msg.node == engine.dialogue.danger_node, why
        assert msg.urgent and turn.urgent


def test_danger_word_without_a_session(engine: Engine) -> None:
    turn = engine.handle(None, i.Text("hij bedreigt me met een mes"), FROZEN)
    assert messages(turn)[0].node == engine.dialogue.danger_node


@pytest.mark.parametrize(
    ("text", "kind", "contact", "why"),
    [
        ("ik wil niet meer leven", "suicide", "0800-0113", "113 first, 112 on the screen"),
        ("hij heeft me verkracht", "sexual", "0800-0188", "Centrum Seksueel Geweld, within 7 days"),
        ("mijn vader slaat de kinderen", "child", "0800-2000", "112, then Veilig Thuis"),
        ("ze willen me in het buitenland uithuwelijken", "abroad", "0800-2000", "before the trip"),
    ],
)
def test_each_kind_opens_its_own_screen_with_its_number_and_112(
    engine: Engine, text: str, kind: str, contact: str, why: str
) -> None:
    turn = engine.handle(start(engine), i.Text(text), FROZEN)
    [msg] = messages(turn)
    assert msg.node == engine.dialogue.danger_screens[kind], why
    assert contact in msg.text and "112" in msg.text and msg.urgent, why


def test_a_single_weak_word_only_asks_and_leads_on(engine: Engine) -> None:
    turn = engine.handle(start(engine), i.Text("er ligt een mes in de la"), FROZEN)
    [msg] = messages(turn)
    assert msg.node == engine.dialogue.danger_screens["possible"]
    assert "112" in msg.text and {b.id for b in msg.options} >= {"now", "not_now"}
    assert turn.session is not None
    no = engine.handle(turn.session, i.Text("nee"), FROZEN)
    assert messages(no)[0].node == engine.dialogue.help_node, "never a dead end"
    yes = engine.handle(turn.session, i.Text("ja"), FROZEN)
    assert messages(yes)[0].node == engine.dialogue.danger_node


def test_a_command_word_is_not_mistaken_for_possible_danger(engine: Engine) -> None:
    turn = engine.handle(start(engine), i.Text("help"), FROZEN)
    assert messages(turn)[0].node == engine.dialogue.help_node


def test_an_edit_is_read_for_danger_only(engine: Engine) -> None:
    s = start(engine)
    quiet = engine.handle(s, i.Edited("het gaat goed"), FROZEN)
    assert quiet.replies == () and quiet.session is not None
    assert quiet.session.node == s.node
    loud = engine.handle(s, i.Edited("het gaat goed, maar hij heeft me net geslagen"), FROZEN)
    assert messages(loud)[0].node == engine.dialogue.danger_node
    assert engine.handle(None, i.Edited("het gaat goed"), FROZEN).replies == ()


def test_danger_in_another_language_answers_in_the_session_language_and_offers_it(
    engine: Engine,
) -> None:
    turn = engine.handle(start(engine, "nl"), i.Text("kocam beni dovuyor"), FROZEN)
    [msg] = messages(turn)
    assert msg.lang == "nl" and msg.node == engine.dialogue.danger_node
    offer = [b for b in msg.options if b.id == "lang.tr"]
    assert offer and offer[0].label == "Türkçe"
    assert turn.session is not None
    switched = engine.handle(turn.session, i.Choice("lang.tr", msg.node), FROZEN)
    assert messages(switched)[0].lang == "tr"
    assert messages(switched)[0].node == msg.node, "the same screen, now in Turkish"


@pytest.mark.parametrize(
    ("inp", "why"),
    [
        (i.Choice("no-such-option"), "forged option id"),
        (i.Choice("home", node="danger"), "stale button from an older message"),
        (i.Choice("cmd.nothing"), "forged command"),
        (i.Choice("lang.xx"), "language button while no language list is shown"),
        (i.Text(""), "empty message"),
        (i.Text("   \n\t "), "only whitespace"),
        (i.Text("x" * 50_000), "50,000 characters"),
        (i.Text("\x00\x01\x1b[31m\u202e"), "control and direction characters"),
        (i.Text("😀😀😀"), "emoji only"),
        (i.Text("999"), "a number with no option"),
        (i.Unsupported("photo"), "a photo"),
        (i.Unsupported("photo", caption="kijk eens"), "a photo with a harmless caption"),
        (i.Command("unknown"), "a command that does not exist"),
    ],
)
def test_odd_input_gets_a_calm_reply_and_keeps_the_place(
    engine: Engine, inp: i.Input, why: str
) -> None:
    s = replace(start(engine), node="home")
    turn = engine.handle(s, inp, FROZEN)
    [msg] = messages(turn)
    assert turn.session is not None and turn.session.node == "home", why
    assert "112" in msg.text
    assert [b.id for b in msg.options] == [o.id for o in engine.dialogue.nodes["home"].options]


def test_stale_button_names_the_current_node(engine: Engine) -> None:
    s = replace(start(engine), node="home")
    [msg] = messages(engine.handle(s, i.Choice("home", node="start"), FROZEN))
    assert msg.node == "home"
    assert "eerder bericht" in msg.text


def test_buttons_words_and_numbers_lead_to_the_same_place(engine: Engine) -> None:
    s = start(engine)
    by_button = engine.handle(s, i.Choice("topic", node="start"), FROZEN)
    by_number = engine.handle(s, i.Text("1"), FROZEN)
    by_words = engine.handle(s, i.Text("Ik wil graag meer weten"), FROZEN)
    by_label = engine.handle(s, i.Text("vertel meer!"), FROZEN)
    nodes = {t.session.node for t in (by_button, by_number, by_words, by_label) if t.session}
    assert nodes == {"topic"}


def test_translated_route_words_work(engine: Engine) -> None:
    s = start(engine, "en")
    turn = engine.handle(s, i.Text("tell me more"), FROZEN)
    assert turn.session is not None and turn.session.node == "topic"


def test_erase_forgets_the_session_and_confirms_briefly(engine: Engine) -> None:
    turn = engine.handle(start(engine), i.Text("wissen"), FROZEN)
    assert turn.session is None
    assert isinstance(turn.replies[0], Erase)
    [msg] = messages(turn)
    assert msg.ephemeral and "112" in msg.text and msg.commands == ()


@pytest.mark.parametrize("word", ["opnieuw", "/start", "menu"])
def test_restart_words(engine: Engine, word: str) -> None:
    s = replace(start(engine), node="help")
    turn = engine.handle(s, i.Text(word), FROZEN)
    assert turn.session is not None and turn.session.node == engine.dialogue.entry


def test_language_screen_shows_native_names_and_switches(engine: Engine) -> None:
    s = replace(start(engine), node="home")
    turn = engine.handle(s, i.Text("taal"), FROZEN)
    [msg] = messages(turn)
    assert "English" in [b.label for b in msg.options]
    assert turn.session is not None
    turn = engine.handle(turn.session, i.Choice("lang.en"), FROZEN)
    [msg] = messages(turn)
    assert turn.session is not None and turn.session.lang == "en" and turn.session.node == "home"
    assert msg.text.endswith("In danger right now? Call 112.")


def test_language_by_typed_name(engine: Engine) -> None:
    s = engine.handle(start(engine), i.Command("language"), FROZEN).session
    turn = engine.handle(s, i.Text("english"), FROZEN)
    assert turn.session is not None and turn.session.lang == "en"


def test_unreviewed_language_says_so(engine: Engine) -> None:
    [msg] = messages(engine.handle(None, i.Start(lang="en"), FROZEN))
    assert "not yet been checked by a native speaker" in msg.text


def test_handoff_node_emits_a_handoff(engine: Engine) -> None:
    s = replace(start(engine), node="help")
    turn = engine.handle(s, i.Choice("vt", node="help"), FROZEN)
    handoffs = [r for r in turn.replies if isinstance(r, Handoff)]
    assert handoffs and handoffs[0].target == "veilig_thuis"


def test_entry_code_is_kept_only_when_known(engine: Engine) -> None:
    assert start(engine, code="campagne").entry_code == "campagne"
    assert start(engine, code="0612345678").entry_code is None


def test_session_of_an_older_dialogue_resumes(engine: Engine) -> None:
    s = replace(start(engine), node="home", version="old")
    turn = engine.handle(s, i.Text("1"), FROZEN)
    assert turn.session is not None and turn.session.node == "home_good", "option 1 of home"
    assert turn.session.version == engine.dialogue.version


def test_session_on_a_removed_node_starts_over_kindly(engine: Engine) -> None:
    s = replace(start(engine), node="removed_node", version="old")
    turn = engine.handle(s, i.Text("1"), FROZEN)
    [msg] = messages(turn)
    assert turn.session is not None and turn.session.node == engine.dialogue.entry
    assert "opnieuw" in msg.text


def test_removed_language_falls_back_to_dutch(engine: Engine) -> None:
    s = replace(start(engine), lang="xx")
    [msg] = messages(engine.handle(s, i.Text("1"), FROZEN))
    assert msg.lang == "nl"


@pytest.mark.parametrize(
    ("when", "expected", "why"),
    [
        (
            dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC),
            "Nu meestal open, tot 17:00.",
            "Monday 10:00 CET: the source says 'usually'",
        ),
        (
            dt.datetime(2026, 4, 6, 9, 0, tzinfo=dt.UTC),
            "Morgen open vanaf 09:00.",
            "Easter Monday: a public holiday",
        ),
        (
            dt.datetime(2026, 1, 5, 17, 30, tzinfo=dt.UTC),
            "Morgen open vanaf 09:00.",
            "Monday evening",
        ),
        (
            dt.datetime(2026, 1, 9, 20, 0, tzinfo=dt.UTC),
            "Weer open op maandag vanaf 09:00.",
            "Friday night",
        ),
        (
            dt.datetime(2026, 1, 5, 6, 0, tzinfo=dt.UTC),
            "Vandaag open vanaf 09:00.",
            "Monday 07:00 CET",
        ),
        (
            dt.datetime(2026, 7, 6, 14, 30, tzinfo=dt.UTC),
            "Nu gesloten. Vandaag",
            "not: summer time 16:30 is open",
        ),
    ],
)
def test_chat_hours_follow_the_injected_clock(
    engine: Engine, when: dt.datetime, expected: str, why: str
) -> None:
    s = replace(start(engine), node="help")
    [msg] = messages(engine.handle(s, i.Choice("vt", node="help"), when))
    if why.startswith("not:"):
        assert expected not in msg.text and "Nu meestal open, tot 17:00." in msg.text, why
    else:
        assert expected in msg.text, why


def test_session_is_minimal_and_json(engine: Engine) -> None:
    s = start(engine, code="campagne")
    assert Session.from_json(s.to_json()) == s
    assert set(s.to_json()) <= set('{}":,_-0123456789abcdefghijklmnopqrstuvwxyz')
    assert Session.from_json("not json") is None
    assert Session.from_json('{"node": "start"}') is None
    extra = s.to_json().replace("{", '{"future_field":1,', 1)
    assert Session.from_json(extra) == s


@pytest.mark.parametrize(
    ("inp", "expect_erase", "why"),
    [
        (i.Text("wissen"), True, "erase typed after the session expired still clears the screen"),
        (i.Choice("cmd.erase"), True, "an old erase button"),
        (i.Text("hallo"), False, "a first message without /start opens the conversation"),
    ],
)
def test_input_without_a_session(
    engine: Engine, inp: i.Input, expect_erase: bool, why: str
) -> None:
    turn = engine.handle(None, inp, FROZEN)
    assert any(isinstance(r, Erase) for r in turn.replies) is expect_erase, why
    assert (turn.session is None) is expect_erase, why


@pytest.mark.parametrize(
    ("node", "typed", "expected", "why"),
    [
        (
            "home",
            "dat weet ik niet goed",
            "tension",
            "the label beats the shorter route 'niet goed'",
        ),
        ("home", "niet goed eigenlijk", "tension", "a route phrase"),
        ("topic", "ik word thuis soms te boos", "temper", "the label beats the route 'thuis'"),
        (
            "help",
            "andere taal",
            "help",
            "the language command's label is a command, not 'andere hulp'",
        ),
    ],
)
def test_most_specific_match_wins(
    engine: Engine, node: str, typed: str, expected: str, why: str
) -> None:
    s = replace(start(engine), node=node)
    turn = engine.handle(s, i.Text(typed), FROZEN)
    assert turn.session is not None and turn.session.node == expected, why


def test_typed_language_label_opens_the_language_list(engine: Engine) -> None:
    s = replace(start(engine), node="help")
    turn = engine.handle(s, i.Text("Andere taal"), FROZEN)
    assert turn.session is not None and turn.session.screen == "language"


@pytest.mark.parametrize("session", ["none", "home"])
def test_a_danger_phrase_in_a_photo_caption_opens_the_urgent_screen(
    engine: Engine, session: str
) -> None:
    s = None if session == "none" else replace(start(engine), node="home")
    turn = engine.handle(s, i.Unsupported("photo", caption="Hij bedreigt me met een MES!"), FROZEN)
    assert turn.session is not None and turn.session.node == engine.dialogue.danger_node
    assert messages(turn)[0].urgent


def test_a_transport_notice_is_rendered_with_112_in_every_language(engine: Engine) -> None:
    for lang in engine.tr.languages:
        notice = engine.notice(lang, "private_only")
        assert notice.text.startswith(engine.system_text(lang, "private_only"))
        assert "112" in notice.text and notice.lang == lang
        assert not notice.options and not notice.commands
    assert engine.notice("zz", "private_only").lang == "nl"
