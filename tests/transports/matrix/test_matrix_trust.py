"""Cross-signing against a real Synapse: the bot's device as a resident's client sees it."""

from __future__ import annotations

import stat

from bot.transports.matrix import signing
from harness.matrix_bot import BotUnderTest
from harness.matrix_resident import Resident
from harness.matrix_trust import query, trusted_devices


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
