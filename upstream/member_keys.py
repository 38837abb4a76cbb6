"""The upstream's secret for members' lookup hashes: a keyed hash (HMAC-SHA256) of a payer id or
a phone number finds a row without the clear value being searchable or guessable from a dump of
the hashes alone (a 2088… user id or an 11-digit phone number is easy to enumerate unkeyed).

The key is made on first use and kept in `signing_keys` (name 'member-hash'), beside the
enrollment signing key: a database copy carries it, so this protects exported hashes and logs,
not a stolen database (phone numbers are also encrypted: upstream/member_phones.py).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from upstream.errors import now_ms
from upstream.sql import Database

KEY_NAME = "member-hash"


def hash_key(db: Database) -> bytes:
    cached = getattr(db, "_member_hash_key", None)
    if cached is not None:
        return cached
    row = db.one("SELECT private_pem FROM signing_keys WHERE name = ?", [KEY_NAME])
    if row is None:
        # one statement (atomic on its own), so this also works inside a caller's transaction
        db.execute("INSERT INTO signing_keys (name, private_pem, public_key, created_ms) VALUES (?, ?, '', ?)"
                   " ON CONFLICT (name) DO NOTHING",
                   [KEY_NAME, base64.b64encode(secrets.token_bytes(32)).decode(), now_ms()])
        row = db.one("SELECT private_pem FROM signing_keys WHERE name = ?", [KEY_NAME])
    key = base64.b64decode(row["private_pem"])
    db._member_hash_key = key  # type: ignore[attr-defined]  # one read per Database object
    return key


def keyed_hash(db: Database, *parts: str) -> str:
    """HMAC-SHA256 (hex) of the parts, joined by a separator no part may hold."""
    if any("\x1f" in part for part in parts):
        raise ValueError("a hashed part holds the separator")
    return hmac.new(hash_key(db), "\x1f".join(parts).encode(), hashlib.sha256).hexdigest()

