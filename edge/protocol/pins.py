"""Cashier / technician PIN hashes: scrypt, computed upstream, verified on the device offline.

Format: `scrypt$<n>$<r>$<p>$<salt b64url>$<hash b64url>` (hash 32 bytes).

How long a PIN is: a cashier's 4-12 digits; a PIN that can approve a refund (`MANAGER_ROLES`) or
open technician mode is 6-12 digits (`check_new_pin`, when a PIN is set or changed). One hash
costs ~30 ms on a desktop core and ~0.1-0.15 s on a Raspberry Pi 4 core: a stolen database
gives up every 4-digit PIN (10^4 hashes) in minutes, a 6-digit one (10^6) in hours on one core.
Raising the scrypt cost instead would make each login on a Pi take seconds. Hashes of shorter
PINs set before this rule keep verifying (`verify_pin` takes any 4-12 digits).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

N, R, P = 2**14, 8, 1
MANAGER_ROLES = ("manager", "owner")  # may approve a refund
LONG_PIN_ROLES = (*MANAGER_ROLES, "technician")
MIN_DIGITS, MIN_LONG_DIGITS, MAX_DIGITS = 4, 6, 12


def check_new_pin(pin: str, role: str) -> None:
    """ValueError (saying why) unless `pin` may be set as the PIN of a staff member with `role`."""
    least = MIN_LONG_DIGITS if role in LONG_PIN_ROLES else MIN_DIGITS
    if not (isinstance(pin, str) and pin.isascii() and pin.isdigit() and least <= len(pin) <= MAX_DIGITS):
        who = f"a {role}'s PIN" if role in LONG_PIN_ROLES else "a PIN"
        raise ValueError(f"{who} is {least}-{MAX_DIGITS} digits")


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
