"""Sealing what must be kept for a moment but never be readable on disk: AES-256-GCM with a
key derived from VREDE_SECRET (HKDF-SHA256), a fresh random nonce per item, and the item's id
as associated data, so a sealed blob cannot be moved to another row unnoticed.

Used by the inbox of confirmed, not yet answered updates (their text and chat id). A copy of
the database without the secret reads nothing; with the secret it reads only what was still
unanswered, which is at most seconds to minutes of messages.
"""

from __future__ import annotations

import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

NONCE = 12  # bytes, the size AES-GCM is defined for
INFO = b"vrede:inbox:v1"  # a key of its own: never the HMAC key used for conversation keys


class Unreadable(Exception):
    """A sealed item that no known secret opens (changed secret, damaged row)."""


def derive(secret: bytes, info: bytes = INFO) -> AESGCM:
    """The cipher of a secret for one purpose (`info`: each purpose has a key of its own)."""
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(secret)
    return AESGCM(key)


class Sealer:
    """Seals with the current secret; opens with the current one or the previous one."""

    def __init__(self, secret: bytes, previous: bytes | None = None, info: bytes = INFO) -> None:
        self._ciphers = [derive(secret, info), *([derive(previous, info)] if previous else [])]

    def seal(self, item_id: str, data: bytes) -> bytes:
        """nonce + ciphertext (with its 16-byte tag)."""
        nonce = os.urandom(NONCE)
        return nonce + self._ciphers[0].encrypt(nonce, data, item_id.encode())

    def open(self, item_id: str, sealed: bytes) -> bytes:
        """The data, or Unreadable."""
        nonce, body = sealed[:NONCE], sealed[NONCE:]
        for cipher in self._ciphers:
            try:
                return cipher.decrypt(nonce, body, item_id.encode())
            except InvalidTag:
                continue
        raise Unreadable("no known secret opens this item")
