"""Logging in once and staying the same device: credentials and encryption keys in the data dir."""

from __future__ import annotations

import json
import logging
import os
from dataclasses import asdict, dataclass
from pathlib import Path

from nio import AsyncClient, AsyncClientConfig, LoginResponse, WhoamiResponse
from nio.store import SqliteStore

log = logging.getLogger(__name__)


class LoginFailed(Exception):
    """The homeserver refused the configured credentials."""


@dataclass(frozen=True)
class MatrixConfig:
    """How to reach the homeserver and where the bot keeps its Matrix state."""

    homeserver: str
    user: str | None
    password: str | None
    access_token: str | None
    state_dir: Path
    pickle_key: str
    sync_timeout_ms: int = 30_000
    ephemeral_seconds: float = 10.0  # how long the "erased" note stays before it is redacted
    undecryptable_seconds: float = 30.0  # how long to wait for a missing room key
    first_message_seconds: float = 3.0  # how long to wait for a first message in a new chat
    device_name: str = "vrede"
    # The resident sees that the bot got the message and that a reply is being prepared (an
    # encrypted one takes seconds); each is best effort and never holds up the reply.
    read_receipts: bool = True
    typing: bool = True
    # The bot's device signed by its account's own cross-signing keys (crosssign.py).
    cross_signing: bool = True


@dataclass(frozen=True)
class Credentials:
    """The bot's own login, reused on every start so that it stays one device."""

    homeserver: str
    user_id: str
    device_id: str
    access_token: str


def new_client(cfg: MatrixConfig) -> AsyncClient:
    """A client whose encryption store lives in the state dir (keys only, never messages)."""
    cfg.state_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    # Readable by the bot's user only, whatever the umask (SQLite gives its journal the same
    # mode): it holds residents' device keys while their conversations run.
    store = cfg.state_dir / "crypto.db"
    os.close(os.open(store, os.O_WRONLY | os.O_CREAT, 0o600))
    os.chmod(store, 0o600)
    config = AsyncClientConfig(
        encryption_enabled=True,
        store=SqliteStore,
        store_name="crypto.db",
        store_sync_tokens=False,  # the transport saves the token itself, after handling a batch
        pickle_key=cfg.pickle_key,
        max_timeout_retry_wait_time=10,
        request_timeout=cfg.sync_timeout_ms / 1000 + 30,
    )
    return AsyncClient(cfg.homeserver, cfg.user or "", store_path=str(cfg.state_dir), config=config)


async def log_in(client: AsyncClient, cfg: MatrixConfig) -> Credentials:
    """Restore the saved login, or log in with the token or password and save the login."""
    path = cfg.state_dir / "credentials.json"
    saved = _load(path)
    creds = None
    if saved is not None and saved.homeserver == cfg.homeserver:
        creds = await _restore(client, saved)
    if creds is None:
        creds = await _fresh(client, cfg, saved)
        _save(path, creds)
    if client.should_upload_keys:
        await client.keys_upload()
    return creds


async def _restore(client: AsyncClient, saved: Credentials) -> Credentials | None:
    client.restore_login(saved.user_id, saved.device_id, saved.access_token)
    resp = await client.whoami()
    if isinstance(resp, WhoamiResponse):
        return saved
    log.warning("saved Matrix login was refused (%s); logging in again", resp.status_code)
    client.access_token = ""
    return None


async def _fresh(client: AsyncClient, cfg: MatrixConfig, saved: Credentials | None) -> Credentials:
    if cfg.access_token:
        client.access_token = cfg.access_token
        who = await client.whoami()
        if not isinstance(who, WhoamiResponse) or not who.device_id:
            raise LoginFailed(
                f"MATRIX_ACCESS_TOKEN was refused ({getattr(who, 'status_code', '')})"
            )
        client.restore_login(who.user_id, who.device_id, cfg.access_token)
        return Credentials(cfg.homeserver, who.user_id, who.device_id, cfg.access_token)
    if not cfg.password:
        raise LoginFailed("set MATRIX_PASSWORD or MATRIX_ACCESS_TOKEN")
    if saved is not None:
        client.device_id = saved.device_id  # log in again as the same device, keeping its keys
    resp = await client.login(cfg.password, device_name=cfg.device_name)
    if not isinstance(resp, LoginResponse):
        raise LoginFailed(f"login was refused ({resp.status_code})")
    return Credentials(cfg.homeserver, resp.user_id, resp.device_id, resp.access_token)


def _load(path: Path) -> Credentials | None:
    try:
        return Credentials(**json.loads(path.read_text()))
    except (OSError, ValueError, TypeError):
        return None


def _save(path: Path, creds: Credentials) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump(asdict(creds), fh)
