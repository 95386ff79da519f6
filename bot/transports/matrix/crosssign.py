"""Cross-signing the bot's device, so that Element shows its messages without a warning and
residents who exclude insecure devices (MSC4153) can still talk to it.

matrix-nio 0.26 has no cross-signing, so the two calls it needs are made here with nio's raw
request method: /keys/device_signing/upload (the master, self-signing and user-signing public
keys; the homeserver may ask for the password first, user-interactive auth) and
/keys/signatures/upload (the device's keys signed by the self-signing key). The seeds are made
once and kept sealed in the state dir (signing.py). At every start the bot checks what the
homeserver has and does only what is missing, so a restart uploads nothing.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import aiohttp
from nio import AsyncClient

from bot.transports.matrix import signing
from bot.transports.matrix.connect import MatrixConfig
from bot.transports.matrix.signing import CrossSigningKeys, signed_by

log = logging.getLogger(__name__)
KEYS = "/_matrix/client/v3/keys"


class CrossSigningFailed(Exception):
    """The homeserver did not take the keys or the signature (the status, never an id)."""


async def ensure(client: AsyncClient, cfg: MatrixConfig) -> bool:
    """Make sure the account's master key is ours and our device is signed by our
    self-signing key; True when it is so. Problems are logged, never fatal: a bot with an
    unsigned device still answers (with Element's warning shield)."""
    try:
        return await _ensure(client, cfg)
    except CrossSigningFailed as exc:
        log.warning("cross-signing not set up: %s", exc)
        return False
    except (aiohttp.ClientError, TimeoutError, OSError, ValueError) as exc:
        log.warning("cross-signing not set up: %s", type(exc).__name__)
        return False


async def _ensure(client: AsyncClient, cfg: MatrixConfig) -> bool:
    user, device = str(client.user_id), str(client.device_id)
    keys = signing.load(cfg.state_dir, cfg.pickle_key)
    if keys is None:
        keys = CrossSigningKeys.new()
        signing.save(cfg.state_dir, keys, cfg.pickle_key)  # kept before the homeserver has them
        log.info("cross-signing keys created")
    known = await _query(client, user)
    if _master(known, user) != keys.master.public:
        await _upload_keys(client, cfg, keys.public_keys(user))
        log.info("cross-signing keys uploaded")
        known = await _query(client, user)
    own = ((known.get("device_keys") or {}).get(user) or {}).get(device)
    if own is None:
        raise CrossSigningFailed("the homeserver does not know the bot's device keys yet")
    if not signed_by(user, keys.self_signing.public, own):
        signed = keys.self_signing.add_signature(user, own)
        path = f"{KEYS}/signatures/upload"
        _, answer = await _post(client, path, {user: {device: signed}}, ok=(200,))
        if answer.get("failures"):
            raise CrossSigningFailed("signatures/upload: the signature was refused")
        log.info("the bot's device is now signed by its self-signing key")
    return True


def _master(known: dict[str, Any], user: str) -> str | None:
    """The public master key the homeserver has for the user, or None."""
    keys = ((known.get("master_keys") or {}).get(user) or {}).get("keys") or {}
    return next(iter(keys.values()), None)


async def _query(client: AsyncClient, user: str) -> dict[str, Any]:
    return (await _post(client, f"{KEYS}/query", {"device_keys": {user: []}}, ok=(200,)))[1]


async def _upload_keys(client: AsyncClient, cfg: MatrixConfig, body: dict[str, Any]) -> None:
    """Upload the public keys; answer the homeserver's password question if it asks one."""
    path = f"{KEYS}/device_signing/upload"
    status, first = await _post(client, path, body, ok=(200, 401))
    if status == 200:
        return  # no question asked (a first upload, MSC3967)
    if "flows" not in first:
        raise CrossSigningFailed(f"device_signing/upload: 401 {first.get('errcode')}")
    if not cfg.password:
        raise CrossSigningFailed("the homeserver asks for MATRIX_PASSWORD to replace the keys")
    auth = {
        "type": "m.login.password",
        "identifier": {"type": "m.id.user", "user": str(client.user_id)},
        "password": cfg.password,
        "session": first.get("session"),
    }
    await _post(client, path, {**body, "auth": auth}, ok=(200,))


async def _post(
    client: AsyncClient, path: str, body: dict[str, Any], ok: tuple[int, ...]
) -> tuple[int, dict[str, Any]]:
    """One authenticated JSON request with nio's session; the answer as a dict."""
    headers = {"Authorization": f"Bearer {client.access_token}"}
    resp = await client.send("POST", path, json.dumps(body), headers=headers)
    async with resp:
        data = await resp.json(content_type=None)
    found = data if isinstance(data, dict) else {}
    if resp.status not in ok:
        what = "/".join(path.rsplit("/", 2)[-2:])
        raise CrossSigningFailed(f"{what}: {resp.status} {found.get('errcode')}")
    return resp.status, found
