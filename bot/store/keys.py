"""Conversation keys: an HMAC of platform and chat id, so raw ids are never stored."""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path


class Keyer:
    """Turns (platform, chat id) into an opaque, stable key."""

    def __init__(self, secret: bytes) -> None:
        if len(secret) < 16:
            raise ValueError("VREDE_SECRET must be at least 16 characters")
        self._secret = secret

    def key(self, platform: str, chat_id: str | int) -> str:
        """Hex HMAC-SHA256 of 'platform:chat_id', cut to 32 characters (128 bits)."""
        msg = f"{platform}:{chat_id}".encode()
        return hmac.new(self._secret, msg, hashlib.sha256).hexdigest()[:32]


def load_secret(env_value: str | None, data_dir: Path) -> bytes:
    """VREDE_SECRET if set; otherwise a secret in data_dir/secret, made with mode 0600."""
    if env_value:
        return env_value.encode()
    path = data_dir / "secret"
    if path.exists():
        return path.read_bytes().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(secrets.token_hex(32))
    return path.read_bytes().strip()
