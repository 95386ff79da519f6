"""Cross-signing against a real Synapse: the bot's device as a resident's client sees it."""

from __future__ import annotations

import stat
from pathlib import Path

from bot.transports.matrix import signing
from harness.matrix_bot import BotUnderTest, Screens
from harness.matrix_resident import Resident
from harness.matrix_trust import query, trusted_devices
from harness.synapse import Synapse


def _device(bot: BotUnderTest) -> str:
    assert bot.running is not None
    return str(bot.running.client.device_id)


async def test_the_bots_device_is_signed_by_its_own_account(
    matrix_bot: BotUnderTest, resident: Resident
) -> None:
    bot = matrix_bot.user_id
    answer = await query(resident.client, bot)
    assert bot in answer["master_keys"], "the master key is on the homeserver"
    assert bot in answer["self_signing_keys"]
    assert await trusted_devices(resident.client, bot) == {_device(matrix_bot)}
    assert matrix_bot.running is not None  # the user-signing key is shown to its owner only
    assert bot in (await query(matrix_bot.running.client, bot))["user_signing_keys"]


async def test_the_seeds_are_sealed_for_the_bot_alone_and_kept_over_a_restart(
    matrix_bot: BotUnderTest, resident: Resident
) -> None:
    bot = matrix_bot.user_id
    path = matrix_bot.data_dir / "matrix" / signing.FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert matrix_bot.app is not None and matrix_bot.running is not None
    cfg = matrix_bot.running.bot.cfg
    keys = signing.load(path.parent, cfg.pickle_key)
    assert keys is not None and signing.load(path.parent, "another secret") is None
    assert keys.master.seed not in path.read_bytes()
    before = (await query(resident.client, bot))["master_keys"][bot]

    await matrix_bot.stop()
    await matrix_bot.start()
    after = await query(resident.client, bot)
    assert after["master_keys"][bot] == before, "a restart uploads no new identity"
    assert await trusted_devices(resident.client, bot) == {_device(matrix_bot)}


async def test_lost_seeds_are_replaced_with_the_password(
    matrix_bot: BotUnderTest, resident: Resident
) -> None:
    """Replacing keys the homeserver already has takes user-interactive auth (the password):
    what an operator gets after losing the data folder's seeds but keeping the login."""
    bot = matrix_bot.user_id
    before = (await query(resident.client, bot))["master_keys"][bot]
    await matrix_bot.stop()
    (matrix_bot.data_dir / "matrix" / signing.FILE).unlink()
    await matrix_bot.start()
    assert (await query(resident.client, bot))["master_keys"][bot] != before
    assert await trusted_devices(resident.client, bot) == {_device(matrix_bot)}


async def test_a_resident_who_trusts_only_cross_signed_devices_can_talk(
    synapse: Synapse, tmp_path: Path, matrix_bot: BotUnderTest, screen: Screens
) -> None:
    """As Element with "exclude insecure devices": the resident has cross-signing, reads only
    messages from cross-signed devices and encrypts only for them."""
    bot = matrix_bot.user_id
    async with Resident(synapse, tmp_path / "strict", strict=True) as resident:
        room = await resident.greeted(bot, encrypted=True)
        await resident.say(room, screen.number("start", "help"))
        assert screen.text("help") in ((await resident.reply(room, bot, 1)).body or "")
        assert not resident.refused


async def test_without_cross_signing_such_a_resident_and_the_bot_cannot_talk(
    synapse: Synapse, tmp_path: Path, screen: Screens
) -> None:
    """The control: the same resident and a bot whose device is not cross-signed (as before)."""
    unsigned = await BotUnderTest(synapse, tmp_path / "unsigned").start(cross_signing=False)
    try:
        async with Resident(synapse, tmp_path / "strict", strict=True) as resident:
            room = await resident.open_dm(unsigned.user_id, encrypted=True)
            await resident.until(lambda: resident.refused, what="the greeting, refused")
            assert not resident.from_user(room, unsigned.user_id)
    finally:
        await unsigned.stop()
