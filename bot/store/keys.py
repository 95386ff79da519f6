"""Conversation keys: an HMAC of platform and chat id, so raw ids are never stored; the
sealing of the one id that must be kept (a trusted person's chat, to write to them); and the
sealers of updates kept until answered (on disk, or queued in Redis), a key per purpose."""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import secrets
from pathlib import Path

from bot.store.sealing import Sealer, Unreadable

log = logging.getLogger(__name__)
CHECK_FILE = "secret.check"  # a keyed check value, never the secret: shows that it changed
SEAL_VERSION = b"\x01"  # sealed values: version, nonce, AES-GCM ciphertext and tag
PEOPLE = b"vrede:seal:aes-gcm"  # the sealing key's purpose: trusted persons' chat ids
QUEUE = b"vrede:queue:v1"  # and that of updates queued in Redis for any process to answer


class Keyer:
    """Turns (platform, chat id) into an opaque, stable key.

    `previous`: the secret before a change (VREDE_OLD_SECRET), kept for one conversation
    lifetime so that conversations and their message ids can still be found and erased.
    """

    def __init__(self, secret: bytes, previous: bytes | None = None) -> None:
        if len(secret) < 16:
            raise ValueError("VREDE_SECRET must be at least 16 characters")
        self._secret, self._previous = secret, previous or None
        self.sealer = Sealer(secret, self._previous)  # for the inbox of unanswered updates
        self._people = Sealer(secret, self._previous, PEOPLE)  # trusted persons' chat ids
        self.queue_sealer = Sealer(secret, self._previous, QUEUE)  # updates queued in Redis

    def key(self, platform: str, chat_id: str | int) -> str:
        """Hex HMAC-SHA256 of 'platform:chat_id', cut to 32 characters (128 bits)."""
        return _hmac(self._secret, f"{platform}:{chat_id}")

    def previous_key(self, platform: str, chat_id: str | int) -> str | None:
        """The key under the previous secret, if one was given."""
        return _hmac(self._previous, f"{platform}:{chat_id}") if self._previous else None

    def seal(self, text: str) -> str:
        """`text` encrypted and authenticated (a trusted person's chat id, which the bot must
        be able to write to), by the same sealing as the inbox (store/sealing.py: AES-256-GCM,
        a key derived from the secret with HKDF-SHA256 for this purpose alone, a random nonce),
        with a version byte in front so that a value sealed another way is refused cleanly.
        A copied database alone reveals no id."""
        return (SEAL_VERSION + self._people.seal(SEAL_VERSION.hex(), text.encode())).hex()

    def unseal(self, sealed: str) -> str | None:
        """The text of `seal` (also under the previous secret), or None when it was sealed
        another way or with an unknown secret, or altered: such a person enrols again."""
        try:
            raw = bytes.fromhex(sealed)
        except ValueError:
            return None
        if raw[:1] != SEAL_VERSION or len(raw) < 1 + 12 + 16:  # version, nonce, tag at least
            return None
        try:
            return self._people.open(SEAL_VERSION.hex(), raw[1:]).decode()
        except (Unreadable, UnicodeDecodeError):
            return None

    def derive(self, purpose: str) -> str:
        """A value for one purpose that every bot process sharing the secret computes alike
        (the webhook's secret_token, which Telegram sends to whichever process answers), and
        that tells nothing about the secret."""
        return hmac.new(
            self._secret, f"vrede:derive:{purpose}".encode(), hashlib.sha256
        ).hexdigest()

    def check_value(self) -> str:
        """A value that changes with the secret and tells nothing about it."""
        return _hmac(self._secret, "vrede:secret-check")


def _hmac(secret: bytes, text: str) -> str:
    return hmac.new(secret, text.encode(), hashlib.sha256).hexdigest()[:32]


def note_secret(keyer: Keyer, data_dir: Path, from_env: bool) -> bool:
    """Warn once when the secret changed since the last start (conversations from before can
    no longer be found or erased, unless VREDE_OLD_SECRET is given), and on every start when
    the secret sits next to the database (a copy of the data folder could then test chat ids).
    Returns True when it changed."""
    if not from_env:
        log.warning(
            "the secret is kept in %s next to the database; give VREDE_SECRET from outside the "
            "data folder (README, 'Running it for real')",
            data_dir / "secret",
        )
    path = data_dir / CHECK_FILE
    value = keyer.check_value()
    old = path.read_text(encoding="utf-8").strip() if path.exists() else None
    if old == value:
        return False
    data_dir.mkdir(parents=True, exist_ok=True)
    path.write_text(value + "\n", encoding="utf-8")
    if old is None:
        return False
    if keyer.previous_key("check", 0) is None:
        log.warning(
            "VREDE_SECRET changed since the last start: earlier conversations cannot be found "
            "or erased; set VREDE_OLD_SECRET to the previous value for one day"
        )
    else:
        log.warning("VREDE_SECRET changed; conversations move to it as residents write")
    return True


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
