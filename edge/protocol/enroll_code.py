"""The enrollment code: what `edge-upstream enroll-token` makes and the device scans or pastes.

Format: the MT1 enrollment code of edge.codes, `MT1E.0.<base64url JSON {u, t, s, r, x}>.<check>`
(u upstream base URL, t one-time token, s store, r role, x expiry in unix seconds; check =
first 16 bytes of sha256("matou-enroll-v1\\n" + head), base64url). Besides https, `u` may be
plain http to 127.0.0.1 / localhost (demo and tests): `upstream_url_allowed`, the rule both
the upstream (making a code) and the device (reading one) apply.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from edge.protocol.signing import b64d, b64e

TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{22,64}$")
ROLES = ("kiosk", "cashier", "kitchen")
STORE_RE = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
LOOPBACK = ("127.0.0.1", "localhost", "[::1]")
_CODE_RE = re.compile(r"^MT1E\.0\.([A-Za-z0-9_-]{1,400})\.([A-Za-z0-9_-]{22})$")


class EnrollError(ValueError):
    """The code or the enrollment was refused; the message says why and what to do."""


@dataclass(frozen=True)
class EnrollCode:
    upstream_url: str
    store_id: str
    role: str
    token: str
    expires_s: int

    def text(self) -> str:
        """The MT1 enrollment code (docs/protocol.md "Scanned codes"; edge.codes reads it)."""
        fields = {"u": self.upstream_url, "t": self.token, "s": self.store_id, "r": self.role, "x": self.expires_s}
        head = "MT1E.0." + b64e(json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode())
        return f"{head}.{_checksum(head)}"


def _checksum(head: str) -> str:
    """Enrollment codes are read by a device that holds no key yet: a checksum, not a MAC."""
    return b64e(hashlib.sha256(b"matou-enroll-v1\n" + head.encode("ascii")).digest()[:16])


def upstream_url_allowed(url: str) -> bool:
    """An upstream base URL a code may carry: https to any host, plain http only to this machine."""
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return True
    # plain http only to this machine (demo, tests): never across a network
    return parts.scheme == "http" and parts.netloc.rsplit(":", 1)[0] in LOOPBACK


def parse_enroll_code(text: str) -> EnrollCode:
    match = _CODE_RE.match(text.strip())
    if not match:
        raise EnrollError("not an enrollment code (MT1E.0.<payload>.<check>): scan the code"
                          " `edge-upstream enroll-token` shows")
    head = text.strip().rsplit(".", 1)[0]
    if not hmac.compare_digest(_checksum(head), match[2]):
        raise EnrollError("damaged enrollment code (checksum): scan it again")
    try:
        fields = json.loads(b64d(match[1]).decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        raise EnrollError("damaged enrollment code (payload)") from None
    if not isinstance(fields, dict):
        raise EnrollError("damaged enrollment code (payload)")
    url, token, store, role, expires = (fields.get(k) for k in ("u", "t", "s", "r", "x"))
    if not isinstance(url, str) or not upstream_url_allowed(url):
        raise EnrollError(f"enrollment code has a bad upstream URL {url!r}: https, or http only on this machine")
    if not (isinstance(token, str) and TOKEN_RE.match(token)):
        raise EnrollError("enrollment code has a malformed token")
    if not (isinstance(store, str) and STORE_RE.match(store)) or role not in ROLES:
        raise EnrollError("enrollment code has a bad store or role")
    if not (isinstance(expires, int) and not isinstance(expires, bool) and expires > 0):
        raise EnrollError("enrollment code has a bad expiry")
    return EnrollCode(url.rstrip("/"), store, role, token, expires)
