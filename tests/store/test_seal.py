"""Sealing a trusted person's chat id: AES-GCM under a key derived from the secret, with a
version byte; anything sealed otherwise, altered, or under another secret is refused."""

from __future__ import annotations

import hashlib
import hmac
import secrets

import pytest

from bot.store.keys import SEAL_VERSION, Keyer

SECRET = b"seal-test-secret-0123456789"
CHAT = "-1001234567890"


def test_a_sealed_id_opens_again_and_hides_the_id() -> None:
    k = Keyer(SECRET)
    sealed = k.seal(CHAT)
    assert k.unseal(sealed) == CHAT
    assert CHAT not in sealed and CHAT.encode().hex() not in sealed
    assert bytes.fromhex(sealed)[:1] == SEAL_VERSION


def test_every_seal_is_different() -> None:
    """A fresh nonce each time: the same id sealed twice cannot be matched up."""
    k = Keyer(SECRET)
    assert k.seal(CHAT) != k.seal(CHAT)


def test_another_secret_cannot_open_it() -> None:
    assert Keyer(b"another-secret-0123456789").unseal(Keyer(SECRET).seal(CHAT)) is None


@pytest.mark.parametrize(
    ("where", "why"),
    [
        (0, "the version byte"),
        (1, "the nonce"),
        (14, "the ciphertext"),
        (-1, "the tag"),
    ],
)
def test_an_altered_value_is_refused(where: int, why: str) -> None:
    k = Keyer(SECRET)
    raw = bytearray(bytes.fromhex(k.seal(CHAT)))
    raw[where] ^= 0x01
    assert k.unseal(raw.hex()) is None, why


@pytest.mark.parametrize(
    "sealed", ["", "zz", "01", SEAL_VERSION.hex() + "00" * 20], ids=["empty", "hex", "short", "tag"]
)
def test_garbage_is_refused(sealed: str) -> None:
    assert Keyer(SECRET).unseal(sealed) is None


def _old_seal(secret: bytes, text: str) -> str:
    """The home-made sealing before AES-GCM (HMAC keystream, encrypt-then-MAC)."""
    nonce, data = secrets.token_bytes(16), text.encode()
    key = hmac.new(secret, b"vrede:seal:stream", hashlib.sha256).digest()
    stream = b"".join(
        hmac.new(key, nonce + n.to_bytes(4, "big"), hashlib.sha256).digest() for n in range(1)
    )
    body = bytes(a ^ b for a, b in zip(data, stream, strict=False))
    tag_key = hmac.new(secret, b"vrede:seal:tag", hashlib.sha256).digest()
    return (nonce + body + hmac.new(tag_key, nonce + body, hashlib.sha256).digest()[:16]).hex()


def test_values_sealed_the_old_way_are_refused_cleanly() -> None:
    """No exception, no wrong id: the person is listed as 'enrol again'."""
    k = Keyer(SECRET)
    for _ in range(50):
        assert k.unseal(_old_seal(SECRET, CHAT)) is None
