"""The bot's cross-signing keys: three Ed25519 seeds, sealed on disk, and Matrix signatures.

Matrix signs the canonical JSON of an object (sorted keys, no spaces, UTF-8) without its
`signatures` and `unsigned` parts, and writes keys and signatures in unpadded base64.
The seeds are kept in one file readable by the bot's user only, encrypted (AES-GCM) with a key
derived from the crypto store's pickle key, itself derived from VREDE_SECRET.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import vodozemac
from Crypto.Cipher import AES
from Crypto.Signature import eddsa
from unpaddedbase64 import decode_base64, encode_base64

ROLES = ("master", "self_signing", "user_signing")
FILE = "cross_signing.json"


def canonical(obj: dict[str, Any]) -> bytes:
    """What Matrix signs: the object without signatures and unsigned, as canonical JSON."""
    bare = {k: v for k, v in obj.items() if k not in ("signatures", "unsigned")}
    return json.dumps(bare, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()


def verify(public: str, obj: dict[str, Any], signature: str) -> bool:
    """Whether `signature` is `public`'s Ed25519 signature of the object."""
    try:
        key = vodozemac.Ed25519PublicKey.from_base64(public)
        key.verify_signature(canonical(obj), vodozemac.Ed25519Signature.from_base64(signature))
    except Exception:  # a malformed key or signature is no signature
        return False
    return True


def signed_by(user_id: str, public: str, obj: dict[str, Any]) -> bool:
    """Whether the object carries a valid signature of `user_id`'s key `public`."""
    sig = ((obj.get("signatures") or {}).get(user_id) or {}).get(f"ed25519:{public}")
    return isinstance(sig, str) and verify(public, obj, sig)


@dataclass(frozen=True)
class SigningKey:
    """One Ed25519 key from its 32-byte seed."""

    seed: bytes

    @classmethod
    def new(cls) -> SigningKey:
        return cls(secrets.token_bytes(32))

    @property
    def public(self) -> str:
        key = eddsa.import_private_key(self.seed)
        return encode_base64(key.public_key().export_key(format="raw"))

    def sign(self, obj: dict[str, Any]) -> str:
        """The unpadded base64 signature of the object's canonical JSON."""
        signer = eddsa.new(eddsa.import_private_key(self.seed), "rfc8032")
        return encode_base64(signer.sign(canonical(obj)))

    def add_signature(self, user_id: str, obj: dict[str, Any]) -> dict[str, Any]:
        """A copy of the object with this key's signature added."""
        signatures = {u: dict(s) for u, s in (obj.get("signatures") or {}).items()}
        signatures.setdefault(user_id, {})[f"ed25519:{self.public}"] = self.sign(obj)
        return {**obj, "signatures": signatures}


@dataclass(frozen=True)
class CrossSigningKeys:
    """Master, self-signing and user-signing keys of one account."""

    master: SigningKey
    self_signing: SigningKey
    user_signing: SigningKey

    @classmethod
    def new(cls) -> CrossSigningKeys:
        return cls(SigningKey.new(), SigningKey.new(), SigningKey.new())

    def public_keys(self, user_id: str) -> dict[str, dict[str, Any]]:
        """The three public key objects as /keys/device_signing/upload takes them."""
        out: dict[str, dict[str, Any]] = {}
        for role in ROLES:
            key: SigningKey = getattr(self, role)
            obj = {
                "user_id": user_id,
                "usage": [role],
                "keys": {f"ed25519:{key.public}": key.public},
            }
            out[f"{role}_key"] = (
                obj if role == "master" else self.master.add_signature(user_id, obj)
            )
        return out


def _box(pickle_key: str) -> bytes:
    return hashlib.sha256(b"vrede matrix cross-signing seeds\0" + pickle_key.encode()).digest()


def save(state_dir: Path, keys: CrossSigningKeys, pickle_key: str) -> None:
    """Seal the seeds into the state dir (mode 0600, replaced atomically)."""
    plain = json.dumps({r: encode_base64(getattr(keys, r).seed) for r in ROLES}).encode()
    cipher = AES.new(_box(pickle_key), AES.MODE_GCM)
    sealed, tag = cipher.encrypt_and_digest(plain)
    parts = {"nonce": cipher.nonce, "ciphertext": sealed, "tag": tag}
    text = json.dumps({"v": 1, **{k: encode_base64(v) for k, v in parts.items()}})
    tmp = state_dir / f".{FILE}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(text)
    os.replace(tmp, state_dir / FILE)


def load(state_dir: Path, pickle_key: str) -> CrossSigningKeys | None:
    """The sealed seeds, or None when there are none or they cannot be opened (another secret)."""
    try:
        data = json.loads((state_dir / FILE).read_text())
        cipher = AES.new(_box(pickle_key), AES.MODE_GCM, nonce=decode_base64(data["nonce"]))
        plain = cipher.decrypt_and_verify(
            decode_base64(data["ciphertext"]), decode_base64(data["tag"])
        )
        seeds = json.loads(plain)
        return CrossSigningKeys(*(SigningKey(decode_base64(seeds[r])) for r in ROLES))
    except (OSError, ValueError, KeyError, TypeError):
        return None
