"""Scenarios against a real Synapse, with a real matrix-nio client as the resident."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from nio import RedactedEvent, RoomPreset

from harness.matrix_bot import BotUnderTest, Screens
from harness.matrix_resident import Resident
from harness.synapse import Synapse

ENCRYPTION = [pytest.param(True, id="encrypted"), pytest.param(False, id="unencrypted")]


@pytest.mark.parametrize("encrypted", ENCRYPTION)
async def test_greeting_then_veilig_thuis_by_number(
    matrix_bot: BotUnderTest, resident: Resident, screen: Screens, encrypted: bool
) -> None:
    bot = matrix_bot.user_id
    room = await resident.conversation(bot, encrypted)
    greeting = await resident.reply(room, bot, 0)
    assert greeting.body is not None and screen.text("start") in greeting.body
    assert "112" in greeting.body and greeting.html is not None and "<ol>" in greeting.html

    await resident.say(room, screen.number("start", "help"))
    assert screen.text("help") in ((await resident.reply(room, bot, 1)).body or "")
    await resident.say(room, screen.number("help", "vt"))
    assert screen.text("veilig_thuis") in ((await resident.reply(room, bot, 2)).body or "")


@pytest.mark.parametrize("encrypted", ENCRYPTION)
async def test_veilig_thuis_by_words(
    matrix_bot: BotUnderTest, resident: Resident, screen: Screens, encrypted: bool
) -> None:
    bot = matrix_bot.user_id
    room = await resident.greeted(bot, encrypted)
    await resident.say(room, screen.label("start", "help").lower())
    assert screen.text("help") in ((await resident.reply(room, bot, 1)).body or "")
    await resident.say(room, f"ik wil {screen.label('help', 'vt')}")
    assert screen.text("veilig_thuis") in ((await resident.reply(room, bot, 2)).body or "")
    assert (await matrix_bot.session(room)).node == "veilig_thuis"  # type: ignore[union-attr]


@pytest.mark.parametrize("encrypted", ENCRYPTION)
async def test_danger_phrase_opens_the_danger_screen(
    matrix_bot: BotUnderTest,
    resident: Resident,
    screen: Screens,
    danger_phrase: str,
    encrypted: bool,
) -> None:
    bot = matrix_bot.user_id
    room = await resident.greeted(bot, encrypted)
    await resident.say(room, danger_phrase)
    reply = await resident.reply(room, bot, 1)
    assert screen.text("danger") in (reply.body or "") and "112" in (reply.body or "")


@pytest.mark.parametrize(
    ("text", "node"),
    [
        ("ik wil niet meer leven", "danger_suicide"),
        ("hij heeft me verkracht", "danger_sexual"),
        ("mijn vader slaat de kinderen", "danger_child"),
    ],
)
async def test_each_kind_of_danger_opens_its_own_screen(
    matrix_bot: BotUnderTest, resident: Resident, screen: Screens, text: str, node: str
) -> None:
    bot = matrix_bot.user_id
    room = await resident.greeted(bot, True)
    await resident.say(room, text)
    reply = await resident.reply(room, bot, 1)
    assert screen.text(node) in (reply.body or "") and "112" in (reply.body or "")


async def test_an_edit_is_read_again_for_danger_and_a_plain_edit_gets_no_reply(
    matrix_bot: BotUnderTest, resident: Resident, screen: Screens, danger_phrase: str
) -> None:
    bot = matrix_bot.user_id
    # Unencrypted: what is tested is reading an edit; two quick encrypted edits in a full run
    # sometimes wait on a missing Olm session in the test client (flaky, not the bot).
    room = await resident.greeted(bot, False)
    first = await resident.say(room, "hallo")
    await resident.reply(room, bot, 1)

    def edit(text: str) -> dict[str, object]:
        return {
            "msgtype": "m.text",
            "body": f"* {text}",
            "m.new_content": {"msgtype": "m.text", "body": text},
            "m.relates_to": {"rel_type": "m.replace", "event_id": first},
        }

    await resident.send(room, edit("hallo, hoe gaat het"))
    await resident.send(room, edit(f"hallo, {danger_phrase}"))
    reply = await resident.reply(room, bot, 2, timeout=60)
    assert screen.text("danger") in (reply.body or ""), "the plain edit got no reply of its own"


@pytest.mark.parametrize("encrypted", ENCRYPTION)
async def test_an_image_gets_the_calm_only_text_answer(
    matrix_bot: BotUnderTest,
    resident: Resident,
    screen: Screens,
    only_text: str,
    encrypted: bool,
) -> None:
    bot = matrix_bot.user_id
    room = await resident.greeted(bot, encrypted)
    image = {
        "msgtype": "m.image",
        "body": "photo.jpg",
        "url": "mxc://vrede.test/nothing",
        "info": {"mimetype": "image/jpeg", "size": 1},
    }
    await resident.send(room, image)
    reply = (await resident.reply(room, bot, 1)).body or ""
    assert only_text in reply and screen.label("start", "help") in reply and "112" in reply
    assert (await matrix_bot.session(room)).node == "start"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("encrypted", "moved"),
    [
        pytest.param(True, False, id="encrypted-own-chat"),
        pytest.param(False, False, id="unencrypted-own-chat"),
        pytest.param(True, True, id="encrypted-bots-room"),
    ],
)
async def test_erase_redacts_both_sides_forgets_and_leaves(
    matrix_bot: BotUnderTest, resident: Resident, screen: Screens, encrypted: bool, moved: bool
) -> None:
    bot = matrix_bot.user_id
    room = await resident.greeted(bot, encrypted, moved=moved)
    await resident.say(room, "het gaat niet goed thuis")
    await resident.reply(room, bot, 1)
    await resident.say(room, "wissen")
    note = await resident.reply(room, bot, 2)
    assert "112" in (note.body or "")
    await resident.until(lambda: bot in resident.left.get(room, set()), what="the bot to leave")

    assert await matrix_bot.session(room) is None
    messages = [e for e in await resident.history(room) if _is_message(e)]
    assert len(messages) >= 5  # greeting, two answers, the erase note, three of ours
    assert all(_redacted(e) for e in messages), [type(e).__name__ for e in messages]


@pytest.mark.parametrize("encrypted", ENCRYPTION)
async def test_a_third_member_makes_the_bot_leave(
    synapse: Synapse,
    tmp_path: Path,
    matrix_bot: BotUnderTest,
    resident: Resident,
    encrypted: bool,
) -> None:
    bot = matrix_bot.user_id
    room = await resident.greeted(bot, encrypted)
    async with Resident(synapse, tmp_path / "third", "visitor") as third:
        await resident.client.room_invite(room, third.user_id)
        await third.accept(resident.user_id)
        line = await resident.reply(room, bot, 1)
        assert "112" in (line.body or "")
        said = matrix_bot.app.engine.system_text("nl", "third_member")  # type: ignore[union-attr]
        assert (line.body or "").startswith(said), "it speaks of this chat, not of a group"
        await resident.until(lambda: bot in resident.left.get(room, set()), what="the bot to leave")
    assert await matrix_bot.session(room) is None


async def test_a_group_invite_gets_one_line_and_no_conversation(
    synapse: Synapse, tmp_path: Path, matrix_bot: BotUnderTest, resident: Resident
) -> None:
    bot = matrix_bot.user_id
    async with Resident(synapse, tmp_path / "third", "friend") as friend:
        group = await resident.open_dm(bot, encrypted=False, others=(friend.user_id,))
        line = await resident.reply(group, bot, 0)
        assert "112" in (line.body or "")
        await resident.until(
            lambda: bot in resident.left.get(group, set()), what="the bot to leave"
        )
    await matrix_bot.settled()
    assert not resident.invites  # no private room was opened


async def test_an_entry_code_as_first_message(
    matrix_bot: BotUnderTest, resident: Resident, screen: Screens, entry_code: tuple[str, str]
) -> None:
    code, node = entry_code
    bot = matrix_bot.user_id
    # The first message goes to the resident's own (here unencrypted) chat; the test client's
    # key sharing with a just-invited device is not reliable enough to test that part encrypted.
    room = await resident.conversation(bot, encrypted=False, first=f"start {code.upper()}")
    assert screen.text(node) in ((await resident.reply(room, bot, 0)).body or "")
    session = await matrix_bot.session(room)
    assert session is not None and session.entry_code == code


async def test_the_first_message_chooses_the_language(
    matrix_bot: BotUnderTest, resident: Resident, screen: Screens
) -> None:
    bot = matrix_bot.user_id
    room = await resident.conversation(bot, encrypted=False, first="Hello, I need some help please")
    assert screen.text("start", "en") in ((await resident.reply(room, bot, 0)).body or "")
    assert (await matrix_bot.session(room)).lang == "en"  # type: ignore[union-attr]


async def test_the_resident_stays_in_their_own_chat(
    matrix_bot: BotUnderTest, resident: Resident, screen: Screens
) -> None:
    """Element's direct chat (trusted_private_chat) gives the bot the resident's power level:
    it answers there, and later members would see nothing from before their invite."""
    bot = matrix_bot.user_id
    room = await resident.open_dm(bot, encrypted=True)
    await resident.say(room, "hallo")
    assert screen.text("start") in ((await resident.reply(room, bot, 0)).body or "")
    await resident.say(room, screen.number("start", "help"))
    assert screen.text("help") in ((await resident.reply(room, bot, 1)).body or "")
    await matrix_bot.settled()
    assert not resident.invites and bot not in resident.left.get(room, set())
    assert resident.client.rooms[room].history_visibility == "invited"


async def test_without_power_to_redact_the_bot_moves_and_points_to_the_invitation(
    matrix_bot: BotUnderTest, resident: Resident, screen: Screens
) -> None:
    """A private_chat preset leaves the invited bot at level 0: it could not erase the
    resident's words there, so it opens its own room and leaves one line behind, with 112."""
    bot = matrix_bot.user_id
    original = await resident.open_dm(bot, encrypted=False, preset=RoomPreset.private_chat)
    await resident.say(original, "hallo")
    room = await resident.accept(bot)
    assert screen.text("start") in ((await resident.reply(room, bot, 0)).body or "")
    await resident.until(lambda: bot in resident.left.get(original, set()), what="the bot to leave")
    [line] = resident.from_user(original, bot)
    said = matrix_bot.app.engine.system_text("nl", "moved")  # type: ignore[union-attr]
    assert (line.body or "").startswith(said) and "112" in (line.body or "")


def _is_message(event: object) -> bool:
    source = getattr(event, "source", {}) or {}
    return source.get("type") in ("m.room.message", "m.room.encrypted")


def _redacted(event: object) -> bool:
    source = getattr(event, "source", {}) or {}
    return isinstance(event, RedactedEvent) or not source.get("content")


async def test_the_resident_sees_that_the_bot_read_the_message_and_is_typing(
    matrix_bot: BotUnderTest, resident: Resident
) -> None:
    await matrix_bot.stop()
    await matrix_bot.start(read_receipts=True, typing=True)
    bot = matrix_bot.user_id
    room = await resident.greeted(bot, encrypted=True)
    # A reply that takes a while (a slow homeserver): "typing" must then be on long enough
    # for the resident's client to see it; a fast reply would make the check a race.
    assert matrix_bot.running is not None
    hs = matrix_bot.running.bot.hs
    send = hs.send

    async def slow_send(room_id: str, content: dict[str, Any], txn: str) -> str | None:
        await asyncio.sleep(2.0)
        return await send(room_id, content, txn)

    hs.send = slow_send  # type: ignore[method-assign]
    sent = await resident.say(room, "hallo")
    await resident.until(lambda: bot in resident.typists.get(room, set()), what="typing")
    await resident.reply(room, bot, 1)
    await resident.until(lambda: (bot, sent) in resident.read.get(room, set()), what="a receipt")
