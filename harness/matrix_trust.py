"""Cross-signing as a resident's client sees it: which devices of a user are signed by that
user's own self-signing key, which is signed by their master key (what Element checks before
it shows a message without a warning, or shares keys with a device at all when the resident
excludes insecure devices)."""

from __future__ import annotations

import json
from typing import Any

from nio import AsyncClient

from bot.transports.matrix.signing import CrossSigningKeys, signed_by


async def query(client: AsyncClient, user: str) -> dict[str, Any]:
    """/keys/query for one user, as `client` (raw: nio drops the cross-signing parts)."""
    headers = {"Authorization": f"Bearer {client.access_token}"}
    body = json.dumps({"device_keys": {user: []}})
    resp = await client.send("POST", "/_matrix/client/v3/keys/query", body, headers=headers)
    async with resp:
        assert resp.status == 200, resp.status
        return dict(await resp.json())


def _only_key(obj: dict[str, Any] | None) -> str | None:
    keys = list(((obj or {}).get("keys") or {}).values())
    return keys[0] if len(keys) == 1 else None


def cross_signed(answer: dict[str, Any], user: str) -> set[str]:
    """The user's device ids that their self-signing key signed (itself signed by the master
    key); empty when the user has no cross-signing keys."""
    master = _only_key(answer.get("master_keys", {}).get(user))
    ssk_obj = answer.get("self_signing_keys", {}).get(user)
    ssk = _only_key(ssk_obj)
    if master is None or ssk is None or not signed_by(user, master, ssk_obj or {}):
        return set()
    devices = answer.get("device_keys", {}).get(user, {})
    return {d for d, obj in devices.items() if signed_by(user, ssk, obj)}


async def trusted_devices(client: AsyncClient, user: str) -> set[str]:
    """What `client` would trust of `user`'s devices when it trusts only cross-signed ones."""
    return cross_signed(await query(client, user), user)


async def set_up(client: AsyncClient) -> CrossSigningKeys:
    """Give a test resident cross-signing, as Element does at first login: upload the keys
    (a first upload needs no password) and sign the client's own device."""
    user, device = str(client.user_id), str(client.device_id)
    if client.should_upload_keys:
        await client.keys_upload()  # the device's own keys first: they are what gets signed
    keys = CrossSigningKeys.new()
    headers = {"Authorization": f"Bearer {client.access_token}"}
    base = "/_matrix/client/v3/keys"
    resp = await client.send(
        "POST", f"{base}/device_signing/upload", json.dumps(keys.public_keys(user)), headers
    )
    async with resp:
        assert resp.status == 200, (resp.status, await resp.text())
    own = (await query(client, user))["device_keys"][user][device]
    body = {user: {device: keys.self_signing.add_signature(user, own)}}
    resp = await client.send("POST", f"{base}/signatures/upload", json.dumps(body), headers)
    async with resp:
        assert resp.status == 200 and not (await resp.json()).get("failures")
    return keys
