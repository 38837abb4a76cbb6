"""Enrollment: the technician shows the device a one-time code (QR) made by
`edge-upstream enroll-token`; the device makes its own Ed25519 key pair and registers the
public key. The private key is a 0600 file `<data_dir>/keys/<fingerprint>.key` (never in the
database, so database copies made for support never carry it); the enrollment record
(device id, store, role, upstream URL, key file) is the `sync_enrollment` row.

Code format: the MT1 enrollment code of edge.codes, `MT1E.0.<base64url JSON {u, t, s, r, x}>.<check>`
(u upstream base URL, t one-time token, s store, r role, x expiry in unix seconds; check =
first 16 bytes of sha256("matou-enroll-v1\\n" + head), base64url). Besides https, `u` may be
plain http to 127.0.0.1 / localhost (demo and tests).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from edge.config import Config
from edge.ledger.db import connect
from edge.ledger.migrations import migrate
from edge.sync.client import error_from, new_session
from edge.sync.signing import b64d, b64e, generate_key, public_key_text, save_private_key
from edge.sync.state import Enrollment, load_enrollment, now_ms, save_enrollment

TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{22,64}$")
ROLES = ("kiosk", "cashier", "kitchen")
STORE_RE = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
LOOPBACK = ("127.0.0.1", "localhost", "[::1]")
ENROLL_TIMEOUT = (3.05, 15.0)
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


def _url_ok(url: str) -> bool:
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
    if not isinstance(url, str) or not _url_ok(url):
        raise EnrollError(f"enrollment code has a bad upstream URL {url!r}: https, or http only on this machine")
    if not (isinstance(token, str) and TOKEN_RE.match(token)):
        raise EnrollError("enrollment code has a malformed token")
    if not (isinstance(store, str) and STORE_RE.match(store)) or role not in ROLES:
        raise EnrollError("enrollment code has a bad store or role")
    if not (isinstance(expires, int) and not isinstance(expires, bool) and expires > 0):
        raise EnrollError("enrollment code has a bad expiry")
    return EnrollCode(url.rstrip("/"), store, role, token, expires)


def enroll(config: Config, text: str, name: str | None = None, session=None) -> Enrollment:
    """Register this device with the upstream of the code; store key file and enrollment."""
    import requests

    code = parse_enroll_code(text)
    key = generate_key()
    public = public_key_text(key)
    fingerprint = hashlib.sha256(b64d(public)).hexdigest()[:16]
    key_file = config.data_dir / "keys" / f"{fingerprint}.key"
    save_private_key(key, key_file)
    body = {"token": code.token, "public_key": public, "name": name or config.device.name,
            "ticket_prefix": config.device.ticket_prefix}
    session = session or new_session()
    try:
        response = session.post(f"{code.upstream_url}/v1/enroll", data=json.dumps(body),
                                headers={"Content-Type": "application/json"}, timeout=ENROLL_TIMEOUT)
    except requests.RequestException as exc:
        key_file.unlink(missing_ok=True)
        raise EnrollError(f"cannot reach upstream {code.upstream_url}: {exc}") from None
    if response.status_code not in (200, 201):
        key_file.unlink(missing_ok=True)
        raise EnrollError(f"enrollment refused: {error_from(response)}")
    answer = response.json()
    enrollment = Enrollment(device_id=answer["device_id"], store_id=answer["store_id"], role=answer["role"],
                            upstream_url=code.upstream_url, key_file=str(key_file), public_key=public,
                            enrolled_wall_ms=now_ms(), status="enrolled", reason=None)
    db = connect(config.db_path)
    try:
        migrate(db)
        save_enrollment(db, enrollment)
    finally:
        db.close()
    return enrollment


def current_enrollment(config: Config) -> Enrollment | None:
    db = connect(config.db_path)
    try:
        migrate(db)
        return load_enrollment(db)
    finally:
        db.close()


def key_file_ok(path: str) -> bool:
    p = Path(path)
    return p.exists() and (p.stat().st_mode & 0o077) == 0
