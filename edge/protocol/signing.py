"""Request signing: every device request carries an Ed25519 signature over
(scheme, method, path+query, sha256 of the body, device id, timestamp in ms).

Replays inside the accepted clock window are harmless: every write upstream is idempotent
(events dedup by event_id, acks by command_id). A replay with a changed body fails the
signature because the body hash is signed.
"""

from __future__ import annotations

import base64
import hashlib
import os
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

SCHEME = "matou-v1"
HEADER_DEVICE = "X-Matou-Device"
HEADER_TIME = "X-Matou-Time"
HEADER_SIGNATURE = "X-Matou-Signature"
MAX_SKEW_MS = 5 * 60 * 1000


def b64e(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def b64d(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def signing_bytes(method: str, path: str, body: bytes, device_id: str, time_ms: int) -> bytes:
    return "\n".join([SCHEME, method.upper(), path, hashlib.sha256(body).hexdigest(),
                      device_id, str(time_ms)]).encode()


def generate_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def public_key_text(key: Ed25519PrivateKey) -> str:
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return b64e(raw)


def save_private_key(key: Ed25519PrivateKey, path: Path) -> None:
    """Write the key as PKCS#8 PEM, created with mode 0600 (never world- or group-readable)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)
        os.write(fd, pem)
        os.fsync(fd)
    finally:
        os.close(fd)


def load_private_key(path: Path) -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key(Path(path).read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{path}: not an Ed25519 private key")
    return key


def sign_headers(key: Ed25519PrivateKey, device_id: str, method: str, path: str, body: bytes,
                 time_ms: int) -> dict[str, str]:
    signature = key.sign(signing_bytes(method, path, body, device_id, time_ms))
    return {HEADER_DEVICE: device_id, HEADER_TIME: str(time_ms), HEADER_SIGNATURE: b64e(signature)}


def verify_signature(public_key: str, signature: str, method: str, path: str, body: bytes,
                     device_id: str, time_ms: int) -> bool:
    try:
        key = Ed25519PublicKey.from_public_bytes(b64d(public_key))
        key.verify(b64d(signature), signing_bytes(method, path, body, device_id, time_ms))
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True
