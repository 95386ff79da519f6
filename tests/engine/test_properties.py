"""Property tests: random inputs on every node, in every language, never break the invariants."""

from __future__ import annotations

import datetime as dt

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.engine import inputs as i
from bot.engine.engine import Engine
from bot.engine.replies import Message
from bot.engine.session import Session
from bot.i18n.catalogs import Catalogs

SETTINGS = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
times = st.datetimes(
    min_value=dt.datetime(2025, 1, 1), max_value=dt.datetime(2030, 1, 1), timezones=st.just(dt.UTC)
)


def inputs(engine: Engine) -> st.SearchStrategy[i.Input]:
    option_ids = sorted({o.id for n in engine.dialogue.nodes.values() for o in n.options})
    node_ids = sorted(engine.dialogue.nodes)
    return st.one_of(
        st.builds(i.Text, st.text(max_size=300)),
        st.builds(
            i.Text,
            st.sampled_from(["1", "2", "3", "9", "wissen", "taal", "112", "hulp", "opnieuw"]),
        ),
        st.builds(
            i.Choice,
            st.one_of(st.sampled_from(option_ids), st.text(max_size=70)),
            st.one_of(st.none(), st.sampled_from(node_ids)),
        ),
        st.builds(
            i.Choice,
            st.sampled_from(["cmd.erase", "cmd.language", "lang.en", "lang.nl", "lang.zz"]),
        ),
        st.builds(
            i.Command, st.sampled_from(["restart", "language", "erase", "danger", "help", "bogus"])
        ),
        st.builds(i.Unsupported, st.sampled_from(["photo", "voice", "contact", "location"])),
        st.builds(i.Text, st.text(max_size=200)),  # anything at all: ፩, ❶, RTL marks, emoji
        st.builds(
            i.Start,
            st.one_of(st.none(), st.text(max_size=70)),
            st.sampled_from([None, "tr", "en-GB", "xx"]),
        ),
    )


def check_turn(
    engine: Engine, catalogs: Catalogs, turn_session: Session | None, replies: tuple[object, ...]
) -> None:
    msgs = [r for r in replies if isinstance(r, Message)]
    assert msgs, "every input gets at least one message"
    for msg in msgs:
        emergency = catalogs.text(msg.lang, "system.emergency", engine.dialogue.system["emergency"])
        assert "112" in msg.text
        assert msg.text.replace("\u2066", "").replace("\u2069", "").endswith(
            emergency.replace("{emergency}", "112")
        ) or msg.text.endswith(emergency.replace("{emergency}", "\u2066112\u2069"))
        assert len(msg.text) <= 4096
        assert msg.options or msg.commands or msg.ephemeral, "no dead end"
    if turn_session is not None:
        assert turn_session.node in engine.dialogue.nodes
        assert Session.from_json(turn_session.to_json()) == turn_session


@SETTINGS
@given(data=st.data())
def test_random_input_on_every_node(
    engine: Engine, catalogs: Catalogs, data: st.DataObject
) -> None:
    node = data.draw(st.sampled_from(sorted(engine.dialogue.nodes)))
    lang = data.draw(st.sampled_from(catalogs.languages))
    screen = data.draw(st.sampled_from([None, "language"]))
    session = Session(node, lang, "v", 0, 0, screen=screen)
    turn = engine.handle(session, data.draw(inputs(engine)), data.draw(times))
    check_turn(engine, catalogs, turn.session, turn.replies)


@SETTINGS
@given(data=st.data(), text=st.one_of(st.text(max_size=200), st.sampled_from(["hij sloeg me"])))
def test_an_edit_gets_nothing_or_an_urgent_danger_screen(
    engine: Engine, catalogs: Catalogs, data: st.DataObject, text: str
) -> None:
    node = data.draw(st.sampled_from(sorted(engine.dialogue.nodes)))
    session = Session(node, data.draw(st.sampled_from(catalogs.languages)), "v", 0, 0)
    turn = engine.handle(session, i.Edited(text), data.draw(times))
    if turn.replies:
        check_turn(engine, catalogs, turn.session, turn.replies)
        assert turn.urgent
    else:
        assert turn.session is not None and turn.session.node == node


@SETTINGS
@given(data=st.data())
def test_random_walks(engine: Engine, catalogs: Catalogs, data: st.DataObject) -> None:
    session: Session | None = None
    now = data.draw(times)
    for _ in range(data.draw(st.integers(1, 12))):
        turn = engine.handle(session, data.draw(inputs(engine)), now)
        check_turn(engine, catalogs, turn.session, turn.replies)
        session = turn.session
