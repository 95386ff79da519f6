"""The privacy canary: what a resident types is in no file, log line or metric of the bot."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.transports import logs
from harness.matrix_bot import BotUnderTest, Screens
from harness.matrix_resident import Resident


@pytest.fixture
def debug_logs(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """Everything logged at DEBUG, through the filters `vrede matrix` installs."""
    levels = {name: logging.getLogger(name).level for name in logs.QUIET}
    caplog.set_level(logging.DEBUG)
    logs.install()
    yield caplog
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)


async def test_a_canary_typed_by_the_resident_is_nowhere(
    matrix_bot: BotUnderTest,
    resident: Resident,
    screen: Screens,
    debug_logs: pytest.LogCaptureFixture,
) -> None:
    canary = f"kanarie{uuid.uuid4().hex}"
    bot = matrix_bot.user_id
    room = await resident.conversation(bot, encrypted=True, first=f"hallo {canary}")
    await resident.reply(room, bot, 0)
    await resident.say(room, f"mijn naam is {canary}")
    await resident.reply(room, bot, 1)
    await resident.say(room, f"start {canary}")
    await resident.reply(room, bot, 2)
    await resident.say(room, screen.number("start", "help"))
    await resident.reply(room, bot, 3)
    await matrix_bot.settled()
    assert matrix_bot.app is not None
    metrics = matrix_bot.app.runner.metrics.render()
    await matrix_bot.stop()  # flush the SQLite write-ahead log into the files we read

    files = {p: p.read_bytes() for p in matrix_bot.data_dir.rglob("*") if p.is_file()}
    assert any(p.name == "crypto.db" for p in files)
    for path, data in files.items():
        assert canary.encode() not in data, path
    for path in _session_files(files):
        for raw_id in (resident.user_id, room):
            assert raw_id.encode() not in files[path], (path, "holds a raw Matrix id")
    assert debug_logs.records, "debug logging was not captured"
    for raw in (canary, resident.user_id, room):
        assert raw not in debug_logs.text
        assert raw not in metrics


def _session_files(files: dict[Path, bytes]) -> list[Path]:
    return [p for p in files if p.name.startswith("vrede.sqlite3")]


@pytest.fixture
def loud_libraries(debug_logs: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    """Also nio and its store at DEBUG: the scrubbing must hold at every level."""
    for name in logs.WORDS_ONLY:
        logging.getLogger(name).setLevel(logging.DEBUG)
    return debug_logs


async def test_no_id_key_or_payload_in_what_nio_logs(
    matrix_bot: BotUnderTest, resident: Resident, loud_libraries: pytest.LogCaptureFixture
) -> None:
    """To-device events without a room (an m.dummy without sender_device, which nio rejects
    with the whole payload in its message), an unknown to-device event, and a room event the
    bot cannot decrypt, in a room version 12 room (ids without a server part)."""
    bot = matrix_bot.user_id
    assert matrix_bot.running is not None
    device = str(matrix_bot.running.client.device_id)
    room = await resident.greeted(bot, encrypted=True)
    assert ":" not in room, "Synapse made a room version 12 room"
    canary = f"KANARIE{uuid.uuid4().hex.upper()}"
    olm = resident.client.olm
    assert olm is not None
    await resident.olm_to_device(
        bot,
        device,
        {
            "sender": resident.user_id,
            "keys": {"ed25519": olm.account.identity_keys["ed25519"]},
            "recipient": bot,
            "recipient_keys": {"ed25519": resident.client.device_store[bot][device].ed25519},
            "type": "m.dummy",
            "content": {"canary": canary},
        },
    )
    plain = {"messages": {bot: {device: {"canary": canary, "room_id": room}}}}
    await resident.raw("PUT", f"/sendToDevice/org.vrede.canary/{uuid.uuid4().hex}", plain)
    sealed = {
        "algorithm": "m.megolm.v1.aes-sha2",
        "sender_key": canary,
        "device_id": canary,
        "session_id": canary,
        "ciphertext": canary,
    }
    await resident.raw("PUT", f"/rooms/{room}/send/m.room.encrypted/{uuid.uuid4().hex}", sealed)
    await resident.reply(room, bot, 1, timeout=60)  # the calm reply to the unreadable event
    await matrix_bot.settled()

    text = loud_libraries.text
    assert any(r.name.startswith("nio") for r in loud_libraries.records), "nio was heard"
    identity = olm.account.identity_keys
    for raw in (canary, resident.user_id, room, bot, device, str(resident.client.device_id)):
        assert raw not in text, raw
    for key in (identity["curve25519"], identity["ed25519"]):
        assert key not in text


async def _end(how: str, bot: BotUnderTest, resident: Resident, room: str) -> None:
    assert bot.app is not None and bot.running is not None
    if how == "erase":
        await resident.say(room, "wissen")
        await resident.reply(room, bot.user_id, 2)
    elif how == "leave":
        await resident.client.room_leave(room)
    else:  # the conversation expired: its session is gone, the hourly round leaves the room
        await bot.app.stores.sessions.delete(bot.app.runner.key("matrix", room))
        await bot.running.bot.rooms.expire()


@pytest.mark.parametrize("how", ["erase", "leave", "expire"])
async def test_the_encryption_store_forgets_the_resident(
    matrix_bot: BotUnderTest, resident: Resident, screen: Screens, how: str
) -> None:
    bot = matrix_bot.user_id
    room = await resident.greeted(bot, encrypted=True)
    await resident.say(room, screen.number("start", "help"))
    await resident.reply(room, bot, 1)
    assert matrix_bot.running is not None
    olm = matrix_bot.running.client.olm
    assert olm is not None and resident.user_id in olm.device_store.users

    await _end(how, matrix_bot, resident, room)
    client = matrix_bot.running.client
    await resident.until(lambda: room not in client.rooms, timeout=60, what="the bot to leave")
    await matrix_bot.settled()
    assert resident.user_id not in olm.device_store.users
    olm.add_changed_users({resident.user_id})  # as a late sync's "their keys changed" would
    await matrix_bot.settled()
    assert resident.user_id not in olm.device_store.users, "a key query brought them back"
    await matrix_bot.stop()
    device = str(resident.client.device_id)
    curve = resident.client.olm.account.identity_keys["curve25519"]  # type: ignore[union-attr]
    store = [p for p in (matrix_bot.data_dir / "matrix").iterdir() if p.name.startswith("crypto")]
    assert store
    for path in store:
        assert path.stat().st_mode & 0o077 == 0, f"{path.name} is for the bot's user only"
        data = path.read_bytes()
        for raw in (resident.user_id, room, device, curve):
            assert raw.encode() not in data, (path.name, raw)
