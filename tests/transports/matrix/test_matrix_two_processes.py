"""Two `vrede matrix` processes on one Redis and one shared state folder: exactly one syncs
(the holder of the lease); kill -9 it and the other takes over within seconds as the same
device, without a new login, reads the encrypted room and answers each message once."""

from __future__ import annotations

import asyncio
import json
import os
import time
from pathlib import Path

from harness.matrix_bot import Screens
from harness.matrix_resident import Resident, new_user
from harness.process import VredeProcess
from harness.synapse import Synapse


def devices(synapse: Synapse, token: str) -> set[str]:
    found = synapse.request("GET", "/_matrix/client/v3/devices", token=token)["devices"]
    return {d["device_id"] for d in found}


async def test_the_standby_takes_over_as_the_same_device_and_answers_once(
    synapse: Synapse, resident: Resident, screen: Screens, redis_url: str, tmp_path: Path
) -> None:
    bot, password = new_user(synapse, "vrede")
    shared = tmp_path / "shared"  # the state folder both machines mount
    env = {
        **os.environ,
        "VREDE_DATA_DIR": str(shared),
        "VREDE_SECRET": "matrix-two-processes-0123456789",
        "VREDE_REDIS_URL": redis_url,
        "VREDE_WATCH": "off",
        "MATRIX_HOMESERVER": synapse.url,
        "MATRIX_USER": bot,
        "MATRIX_PASSWORD": password,
    }
    first = VredeProcess("matrix", env, tmp_path / "first.log")
    second = VredeProcess("matrix", env, tmp_path / "second.log")
    credentials = shared / "matrix" / "credentials.json"
    try:
        await first.start()
        await resident.until(credentials.exists, 60, "the first login")
        await second.start()
        room = await resident.greeted(bot, encrypted=True)
        await resident.say(room, screen.number("start", "help"))
        await resident.reply(room, bot, 1, timeout=60)
        before = json.loads(credentials.read_text())
        known = devices(synapse, before["access_token"])
        await first.kill()
        killed = time.monotonic()
        await resident.say(room, screen.number("help", "vt"))
        answer = await resident.reply(room, bot, 2, timeout=60)
        takeover = time.monotonic() - killed
        await asyncio.sleep(3)  # a second answer would come now
        assert await second.stop() == 0
    finally:
        first.gone()
        second.gone()
    after = json.loads(credentials.read_text())
    print(f"matrix takeover: answered {takeover:.1f} s after the kill")
    assert "Veilig Thuis" in (answer.body or ""), "decrypted and answered by the standby"
    assert after["device_id"] == before["device_id"], "the same device"
    assert devices(synapse, after["access_token"]) == known, "no new login"
    assert len(resident.from_user(room, bot)) == 3, "greeting and two answers, none twice"
    assert takeover < 20
