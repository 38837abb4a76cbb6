"""The enrollment code: what `edge-upstream enroll-token` makes and the device scans or pastes,
and the rules a device applies before it trusts one.

Format (version 1, signed): `MT1E.1.<payload>.<signature>` where payload is the base64url of
the JSON object {u, t, s, r, x, k} (u upstream base URL, t one-time token, s store, r role,
x expiry in unix seconds, k the upstream's Ed25519 public key, raw 32 bytes base64url) and
signature is the base64url of the upstream's Ed25519 signature (64 bytes, 86 characters) over
`"matou-enroll-code-v1\\n" + "MT1E.1.<payload>"`. About 330 characters: a QR of version 10-12.
Version 0 (`MT1E.0.…`, a checksum and no signature) is refused: issue a new code.

`parse_enroll_code` checks the form and that the code is signed by the key it names; it says
nothing about whether that key or URL may be trusted. `check_trust` is the device's rule: the
URL must be on the install's allow-list and, when the device has a pinned upstream key, the
code must be signed by exactly that key. `upstream_url_allowed` is the rule both the upstream
(making a code) and the device apply to any URL: https, or plain http only to this machine.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from edge.protocol.signing import b64d, b64e, public_key_text

TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{22,64}$")
ROLES = ("kiosk", "cashier", "kitchen")
STORE_RE = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
LOOPBACK = ("127.0.0.1", "localhost", "[::1]")
KEY_RE = re.compile(r"^[A-Za-z0-9_-]{43}$")
SIGNED_VERSION = "1"
_DOMAIN = b"matou-enroll-code-v1\n"
_CODE_RE = re.compile(r"^MT1E\.([0-9A-Za-z]{1,4})\.([A-Za-z0-9_-]{1,600})\.([A-Za-z0-9_-]{1,100})$")
NEW_CODE = "make a new one with `edge-upstream enroll-token`"


class EnrollError(ValueError):
    """The code or the enrollment was refused; the message says why and what to do."""


@dataclass(frozen=True)
class EnrollCode:
    upstream_url: str
    store_id: str
    role: str
    token: str
    expires_s: int
    upstream_key: str  # the Ed25519 public key that signed the code (base64url, 32 bytes)

    def fields(self) -> dict:
        return {"u": self.upstream_url, "t": self.token, "s": self.store_id, "r": self.role,
                "x": self.expires_s, "k": self.upstream_key}


def make_enroll_code(key: Ed25519PrivateKey, upstream_url: str, store_id: str, role: str, token: str,
                     expires_s: int) -> str:
    """The signed code text (docs/protocol.md "Enrollment codes"); the upstream calls this."""
    code = EnrollCode(upstream_url.rstrip("/"), store_id, role, token, expires_s, public_key_text(key))
    payload = json.dumps(code.fields(), sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    head = f"MT1E.{SIGNED_VERSION}.{b64e(payload)}"
    return f"{head}.{b64e(key.sign(_DOMAIN + head.encode('ascii')))}"


def normalize_url(url: str) -> str:
    """scheme://host[:port][/path] lower-cased scheme and host, default port dropped, no trailing '/'."""
    parts = urlsplit(url.strip())
    scheme, host = parts.scheme.lower(), (parts.hostname or "").lower()
    try:
        port = parts.port
    except ValueError:
        return ""
    if ":" in host:
        host = f"[{host}]"
    netloc = host if port is None or (scheme, port) in (("https", 443), ("http", 80)) else f"{host}:{port}"
    return f"{scheme}://{netloc}{parts.path.rstrip('/')}"


def upstream_url_allowed(url: str) -> bool:
    """An upstream base URL a code may carry: https to any host, plain http only to this machine."""
    parts = urlsplit(url)
    if parts.query or parts.fragment or parts.username or parts.password:
        return False
    if parts.scheme == "https" and parts.hostname:
        return True
    # plain http only to this machine (demo, tests): never across a network
    return parts.scheme == "http" and parts.netloc.rsplit(":", 1)[0] in LOOPBACK


def url_on_list(url: str, allowed: Iterable[str]) -> bool:
    """True when `url` is one of the install's allowed upstream base URLs (compared normalized)."""
    wanted = normalize_url(url)
    return bool(wanted) and any(normalize_url(a) == wanted for a in allowed if a.strip())


def parse_enroll_code(text: str) -> EnrollCode:
    """The code's fields, once its form is right and it verifies under the key it names."""
    match = _CODE_RE.match(text.strip())
    if not match:
        raise EnrollError("not an enrollment code (MT1E.1.<payload>.<signature>): scan the code"
                          " `edge-upstream enroll-token` shows")
    if match[1] == "0":
        raise EnrollError(f"old unsigned enrollment code (version 0): refused; {NEW_CODE}")
    if match[1] != SIGNED_VERSION:
        raise EnrollError(f"unknown enrollment code version {match[1]!r}: {NEW_CODE}")
    try:
        fields = json.loads(b64d(match[2]).decode("utf-8"))
        signature = b64d(match[3])
    except (ValueError, UnicodeDecodeError):
        raise EnrollError("damaged enrollment code (payload)") from None
    if not isinstance(fields, dict):
        raise EnrollError("damaged enrollment code (payload)")
    url, token, store, role, expires, key = (fields.get(k) for k in ("u", "t", "s", "r", "x", "k"))
    if not (isinstance(key, str) and KEY_RE.match(key)):
        raise EnrollError(f"enrollment code names no upstream key: {NEW_CODE}")
    head = text.strip().rsplit(".", 1)[0]
    if not verify_code_signature(key, head, signature):
        raise EnrollError("enrollment code signature does not verify (damaged or forged): refused")
    if not isinstance(url, str) or not upstream_url_allowed(url):
        raise EnrollError(f"enrollment code has a bad upstream URL {url!r}: https, or http only on this machine")
    if not (isinstance(token, str) and TOKEN_RE.match(token)):
        raise EnrollError("enrollment code has a malformed token")
    if not (isinstance(store, str) and STORE_RE.match(store)) or role not in ROLES:
        raise EnrollError("enrollment code has a bad store or role")
    if not (isinstance(expires, int) and not isinstance(expires, bool) and expires > 0):
        raise EnrollError("enrollment code has a bad expiry")
    return EnrollCode(url.rstrip("/"), store, role, token, expires, key)


def verify_code_signature(public_key: str, head: str, signature: bytes) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(b64d(public_key)).verify(signature, _DOMAIN + head.encode("ascii"))
    except (InvalidSignature, ValueError, TypeError, UnicodeEncodeError):
        return False
    return True


def check_trust(code: EnrollCode, allowed: Iterable[str], pinned_key: str | None) -> None:
    """The device's rule (docs/technician.md "Enrollment"): the upstream URL is on the install's
    allow-list and, once a key is pinned, the code is signed by that key. Raises EnrollError."""
    allowed = [a for a in allowed if a.strip()]
    if not allowed:
        raise EnrollError("this device allows no upstream yet: the installer sets [upstream] allowed_urls in"
                          " edge.toml (hardware/setup.sh --upstream URL)")
    if not url_on_list(code.upstream_url, allowed):
        raise EnrollError(f"upstream {code.upstream_url} is not on this device's allow-list"
                          f" ({', '.join(allowed)}): refused")
    if pinned_key and code.upstream_key != pinned_key:
        raise EnrollError(f"enrollment code is signed by key {code.upstream_key[:8]}…, not by this device's"
                          f" pinned upstream key {pinned_key[:8]}…: refused")

