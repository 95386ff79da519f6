"""Restarts: the bot mid-conversation, the homeserver, and a replayed sync batch."""

from __future__ import annotations

import asyncio
import json
import sqlite3

import pytest

from harness.matrix_bot import BotUnderTest, Screens
from harness.matrix_resident import Resident
from harness.synapse import Synapse

ENCRYPTION = [pytest.param(True, id="encrypted"), pytest.param(False, id="unencrypted")]


@pytest.mark.parametrize("encrypted", ENCRYPTION)
async def test_a_restarted_bot_goes_on_as_the_same_device(
    synapse: Synapse,
    matrix_bot: BotUnderTest,
    resident: Resident,
    screen: Screens,
    encrypted: bool,
) -> None:
    bot = matrix_bot.user_id
    room = await resident.greeted(bot, encrypted)
    await resident.say(room, screen.number("start", "help"))
    await resident.reply(room, bot, 1)
    credentials = matrix_bot.data_dir / "matrix" / "credentials.json"
    before = json.loads(credentials.read_text())
    devices_before = _devices(synapse, before["access_token"])

    await matrix_bot.stop()
    await matrix_bot.start()
    await resident.say(room, screen.number("help", "vt"))  # the number means what it meant
    assert screen.text("veilig_thuis") in ((await resident.reply(room, bot, 2)).body or "")

    after = json.loads(credentials.read_text())
    assert after["device_id"] == before["device_id"]
    assert _devices(synapse, after["access_token"]) == devices_before  # no new device
    assert before["device_id"] in devices_before


def _devices(synapse: Synapse, token: str) -> set[str]:
    found = synapse.request("GET", "/_matrix/client/v3/devices", token=token)["devices"]
    return {d["device_id"] for d in found}


async def test_a_homeserver_restart_loses_nothing_and_answers_once(
    synapse: Synapse, matrix_bot: BotUnderTest, resident: Resident, screen: Screens
) -> None:
    bot = matrix_bot.user_id
    room = await resident.conversation(bot, encrypted=True)
    await resident.reply(room, bot, 0)
    await resident.say(room, screen.number("start", "help"))
    await asyncio.to_thread(synapse.restart)  # right after the message: maybe before the answer
    assert screen.text("help") in ((await resident.reply(room, bot, 1, timeout=60)).body or "")
    await resident.say(room, screen.number("help", "vt"))
    assert screen.text("veilig_thuis") in (
        (await resident.reply(room, bot, 2, timeout=60)).body or ""
    )
    await matrix_bot.settled(3)
    assert len(resident.from_user(room, bot)) == 3


async def test_a_replayed_batch_is_recognised_and_not_answered_again(
    matrix_bot: BotUnderTest, resident: Resident, screen: Screens
) -> None:
    bot = matrix_bot.user_id
    room = await resident.conversation(bot, encrypted=True)
    await resident.reply(room, bot, 0)
    await matrix_bot.settled()
    assert matrix_bot.running is not None
    token = await matrix_bot.running.bot.state.token()
    await resident.say(room, screen.number("start", "help"))
    await resident.reply(room, bot, 1)
    await matrix_bot.settled()

    # As if the bot had crashed after answering but before saving its sync position.
    await matrix_bot.stop()
    with sqlite3.connect(matrix_bot.data_dir / "vrede.sqlite3") as db:
        db.execute("UPDATE matrix_sync SET token = ?", (token,))
    await matrix_bot.start()
    await matrix_bot.settled(3)
    assert matrix_bot.app is not None
    assert matrix_bot.app.runner.metrics.counts["matrix_duplicates"] >= 1
    assert len(resident.from_user(room, bot)) == 2


async def test_rate_limited_replies_are_retried_until_sent(
    synapse: Synapse, matrix_bot: BotUnderTest, resident: Resident, screen: Screens
) -> None:
    bot = matrix_bot.user_id
    room = await resident.conversation(bot, encrypted=False)
    await resident.reply(room, bot, 0)
    limited = synapse.log.read_text().count(" 429 ")
    admin = synapse.admin_token()
    path = f"/_synapse/admin/v1/users/{bot}/override_ratelimit"
    synapse.request("POST", path, {"messages_per_second": 1, "burst_count": 1}, token=admin)
    try:
        for word in ("a", "b", "c"):
            await resident.say(room, word)
        for n in (1, 2, 3):
            assert "112" in ((await resident.reply(room, bot, n, timeout=60)).body or "")
    finally:
        synapse.request("DELETE", path, token=admin)
    assert synapse.log.read_text().count(" 429 ") > limited  # the homeserver did say "wait"
