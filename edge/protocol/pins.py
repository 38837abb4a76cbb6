"""Cashier / technician PIN hashes: scrypt, computed upstream, verified on the device offline.

Format: `scrypt$<n>$<r>$<p>$<salt b64url>$<hash b64url>` (hash 32 bytes).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

N, R, P = 2**14, 8, 1


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def hash_pin(pin: str, salt: bytes | None = None) -> str:
    if not (pin.isdigit() and 4 <= len(pin) <= 12):
        raise ValueError("a PIN is 4-12 digits")
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(pin.encode(), salt=salt, n=N, r=R, p=P, dklen=32)
    return f"scrypt${N}${R}${P}${_b64(salt)}${_b64(digest)}"


def is_pin_hash(text: object) -> bool:
    if not isinstance(text, str):
        return False
    parts = text.split("$")
    return len(parts) == 6 and parts[0] == "scrypt" and all(p.isdigit() for p in parts[1:4])


def verify_pin(pin: str, stored: str) -> bool:
    if not is_pin_hash(stored):
        return False
    _, n, r, p, salt, digest = stored.split("$")
    n, r, p = int(n), int(r), int(p)
    if n > 2**17 or r > 16 or p > 4:  # refuse hashes that would take seconds or gigabytes
        return False
    got = hashlib.scrypt(pin.encode(), salt=_unb64(salt), n=n, r=r, p=p, dklen=32, maxmem=256 * 1024 * 1024)
    return hmac.compare_digest(got, _unb64(digest))
