"""Residents on Telegram: the real PTB bot polling the fake Bot API server."""

from __future__ import annotations

from collections import deque

import pytest

from bot.engine.engine import Engine
from tests.transports.telegram.fixtures import Harness

CHAT = 501


def path_to(engine: Engine, target: str) -> list[tuple[str, str]]:
    """(node, option id) pairs that lead by buttons from the entry to `target` (breadth first)."""
    d = engine.dialogue
    seen, todo = {d.entry}, deque([(d.entry, [])])
    while todo:
        node, steps = todo.popleft()
        if node == target:
            return steps
        for o in d.nodes[node].options:
            if o.goto and o.goto not in seen:
                seen.add(o.goto)
                todo.append((o.goto, [*steps, (node, o.id)]))
    raise AssertionError(f"{target} cannot be reached by buttons")


def vt_node(engine: Engine) -> str:
    return next(n.id for n in engine.dialogue.nodes.values() if n.handoff == "veilig_thuis")


async def test_every_bot_message_is_protected_plain_text_with_112(tg: Harness) -> None:
    await tg.say(CHAT, "/start")
    await tg.say(CHAT, "<b>*hallo*</b> [x](y)")
    msgs = tg.fake.bot_messages(CHAT)
    assert len(msgs) == 2
    for m in msgs:
        assert m.protected, "protect_content on every message"
        assert m.parse_mode is None, "plain text: a < or * in a dialogue text cannot break it"
        assert m.text is not None and "112" in m.text
        assert "cmd.erase" in m.option_ids(), "the erase button is on every screen"


async def test_deep_link_carries_an_entry_code_and_bad_codes_are_ignored(
    tg: Harness, engine: Engine
) -> None:
    code = next(iter(engine.dialogue.entry_codes))
    await tg.say(CHAT, f"/start {code}")
    session = await tg.session(CHAT)
    assert session is not None and session.entry_code == code
    for bad in ("a b", "x" * 65, "caf\u00e9", "<script>"):
        await tg.say(CHAT + 1, f"/start {bad}")
        session = await tg.session(CHAT + 1)
        assert session is not None and session.entry_code is None, bad


async def test_full_path_to_veilig_thuis_by_buttons(tg: Harness, engine: Engine) -> None:
    await tg.say(CHAT, "/start")
    steps = path_to(engine, vt_node(engine))
    for _node, option in steps:
        assert option in tg.fake.screen(CHAT).option_ids()
        await tg.press(CHAT, option)
        assert tg.fake.answered, "every button press is acknowledged"
    session = await tg.session(CHAT)
    assert session is not None and session.node == vt_node(engine)
    screens = tg.fake.bot_messages(CHAT)
    assert len(screens) == 1, "pressing the newest screen replaces it in place"
    assert screens[0].edits == len(steps)
    assert tg.runner.metrics.counts["handoff_veilig_thuis"] == 1


async def test_full_path_to_veilig_thuis_by_typing(tg: Harness, engine: Engine) -> None:
    await tg.say(CHAT, "/start")
    for node, option in path_to(engine, vt_node(engine)):
        label = engine.dialogue.nodes[node].option(option).label  # type: ignore[union-attr]
        await tg.say(CHAT, label)
    session = await tg.session(CHAT)
    assert session is not None and session.node == vt_node(engine)
    assert all("112" in (m.text or "") for m in tg.fake.bot_messages(CHAT))


async def test_danger_phrase_opens_the_urgent_screen(tg: Harness, engine: Engine) -> None:
    await tg.say(CHAT, "/start")
    await tg.say(CHAT, "hij heeft een mes gepakt en bedreigt me")
    session = await tg.session(CHAT)
    assert session is not None and session.node == engine.dialogue.danger_node
    assert tg.runner.metrics.counts["telegram_sent_urgent"] == 1


@pytest.mark.parametrize(
    ("text", "kind", "why"),
    [
        ("hij kneep mijn keel dicht", "strangling", "112 first"),
        ("mijn vader slaat de kinderen", "child", "112, then Veilig Thuis"),
        ("ik wil niet meer leven", "suicide", "113 first"),
        ("hij heeft me verkracht", "sexual", "Centrum Seksueel Geweld"),
        ("mijn ouders willen me in de zomer in het buitenland uithuwelijken", "abroad", "VT"),
        ("er ligt een mes", "possible", "only the calm question"),
    ],
)
async def test_each_kind_of_danger_opens_its_own_screen_urgently(
    tg: Harness, engine: Engine, text: str, kind: str, why: str
) -> None:
    await tg.say(CHAT, "/start")
    await tg.say(CHAT, text)
    session = await tg.session(CHAT)
    expected = engine.dialogue.danger_screens.get(kind, engine.dialogue.danger_node)
    assert session is not None and session.node == expected, why
    assert tg.runner.metrics.counts["telegram_sent_urgent"] == 1, why
    assert "112" in (tg.fake.bot_messages(CHAT)[-1].text or "")


async def test_an_edit_that_adds_danger_opens_the_screen_and_a_plain_edit_gets_no_reply(
    tg: Harness, engine: Engine
) -> None:
    await tg.say(CHAT, "/start")
    await tg.say(CHAT, "hallo")
    mine = [m for m in tg.fake.chats[CHAT].messages.values() if not m.from_bot][-1]
    before = len(tg.fake.bot_messages(CHAT))
    await tg.fake.handled(tg.fake.edit(CHAT, mine.id, "hallo, hoe gaat het"))
    assert len(tg.fake.bot_messages(CHAT)) == before
    await tg.fake.handled(tg.fake.edit(CHAT, mine.id, "hallo, hij heeft me net gewurgd"))
    session = await tg.session(CHAT)
    assert session is not None and session.node == engine.dialogue.danger_node
    assert tg.runner.metrics.counts["telegram_sent_urgent"] == 1


async def test_danger_in_another_language_is_answered_in_the_session_language_with_an_offer(
    tg: Harness, engine: Engine
) -> None:
    await tg.say(CHAT, "/start", lang="nl")
    await tg.say(CHAT, "kocam beni dovuyor", lang="nl")
    screen = tg.fake.bot_messages(CHAT)[-1]
    assert "Bel nu 112" in (screen.text or ""), "answered in Dutch, the session language"
    buttons = [b["callback_data"] for row in screen.markup["inline_keyboard"] for b in row]  # type: ignore[index]
    assert "lang.tr" in buttons


async def test_forged_or_stale_callback_data_gets_a_calm_reply(tg: Harness, engine: Engine) -> None:
    await tg.say(CHAT, "/start")
    first = tg.fake.screen(CHAT)
    await tg.press(CHAT, "no-such-option\u0000;DROP")
    session = await tg.session(CHAT)
    assert session is not None and session.node == engine.dialogue.entry, "nothing moved"
    step = path_to(engine, vt_node(engine))[0][1]
    await tg.press(CHAT, step)
    moved = await tg.session(CHAT)
    await tg.say(CHAT, "hallo?")  # a typed message: the next screen is a new message
    await tg.press(CHAT, step, on=first)  # a button of an old screen
    after = await tg.session(CHAT)
    assert moved is not None and after is not None and after.node == moved.node, "stale: no move"
    assert "112" in tg.fake.bot_messages(CHAT)[-1].text  # type: ignore[operator]


async def test_group_gets_one_neutral_line_with_112_and_the_bot_leaves(tg: Harness) -> None:
    for group, lang, words in ((-100777, "nl", "groep"), (-100778, "tr", "grup")):
        uid = tg.fake.add_to_group(group, lang)
        await tg.fake.handled(uid)
        chat = tg.fake.chats[group]
        assert chat.left
        said = tg.fake.bot_messages(group)
        assert len(said) == 1 and said[0].markup is None
        # the same rendering as every screen: the acute-danger line, in the member's language
        assert "112" in said[0].text and words in said[0].text.casefold()
        assert await tg.session(group) is None, "nothing stored for a group"


async def test_non_text_gets_a_calm_reply_and_nothing_is_downloaded(tg: Harness) -> None:
    await tg.say(CHAT, "/start")
    for send in (tg.fake.photo, tg.fake.voice, tg.fake.sticker, tg.fake.document):
        before = len(tg.fake.bot_messages(CHAT))
        await tg.fake.handled(send(CHAT))
        assert len(tg.fake.bot_messages(CHAT)) == before + 1
        assert "112" in (tg.fake.bot_messages(CHAT)[-1].text or "")
    assert tg.fake.files_requested == 0
    assert tg.runner.metrics.counts["input_unsupported"] == 4


async def test_a_danger_phrase_in_a_photo_caption_is_answered_urgently(
    tg: Harness, engine: Engine
) -> None:
    await tg.say(CHAT, "/start")
    await tg.fake.handled(tg.fake.photo(CHAT, caption="hij bedreigt me met een mes"))
    session = await tg.session(CHAT)
    assert session is not None and session.node == engine.dialogue.danger_node
    assert tg.runner.metrics.counts["telegram_sent_urgent"] == 1
    assert tg.fake.files_requested == 0


async def test_shared_contact_and_location_are_deleted_at_once(tg: Harness) -> None:
    await tg.say(CHAT, "/start")
    for share in (lambda c: tg.fake.share_contact(c, "+31612345678"), tg.fake.share_location):
        await tg.fake.handled(share(CHAT))
        shared = [
            m for m in tg.fake.chats[CHAT].messages.values() if m.kind in ("contact", "location")
        ]
        assert shared and all(m.deleted for m in shared)
    assert "112" in (tg.fake.bot_messages(CHAT)[-1].text or "")


async def test_a_50000_character_message_is_answered(tg: Harness) -> None:
    await tg.say(CHAT, "/start")
    await tg.say(CHAT, "bla " * 12_500)
    last = tg.fake.bot_messages(CHAT)[-1]
    assert last.text is not None and "112" in last.text


async def test_erase_deletes_every_message_and_forgets_the_session(tg: Harness) -> None:
    await tg.say(CHAT, "/start")
    await tg.say(CHAT, "hallo")
    await tg.press(CHAT, tg.fake.screen(CHAT).option_ids()[0])
    await tg.say(CHAT, "nog iets")
    await tg.press(CHAT, "cmd.erase")
    assert await tg.session(CHAT) is None
    confirmation = [m for m in tg.fake.bot_messages(CHAT)]
    assert len(confirmation) == 1 and "112" in (confirmation[0].text or ""), "one short note"
    others = [m for m in tg.fake.chats[CHAT].messages.values() if m.id != confirmation[0].id]
    assert others and all(m.deleted for m in others), "both sides, every message"
    await tg.fake.until(lambda: not tg.fake.visible(CHAT), timeout=5)  # the note deletes itself


async def test_erase_by_command_leaves_messages_older_than_48_hours(tg: Harness) -> None:
    await tg.say(CHAT, "/start")
    tg.fake.age(49)
    await tg.say(CHAT, "hallo")
    await tg.say(CHAT, "/erase")
    old = [m for m in tg.fake.chats[CHAT].messages.values() if m.id <= 2]
    new = [
        m
        for m in tg.fake.chats[CHAT].messages.values()
        if 2 < m.id < max(tg.fake.chats[CHAT].messages)
    ]
    assert old and not any(m.deleted for m in old), "Telegram refuses: older than 48 hours"
    assert new and all(m.deleted for m in new)
    assert await tg.session(CHAT) is None


async def test_an_answered_message_is_confirmed_by_the_next_poll_not_fetched_again(
    tg: Harness,
) -> None:
    await tg.say(CHAT, "/start")
    for text in ("1", "hallo", "2", "ok", "3"):
        await tg.say(CHAT, text)
    assert tg.runner.metrics.counts["turns"] == 6
    assert "telegram_duplicates" not in tg.runner.metrics.counts
