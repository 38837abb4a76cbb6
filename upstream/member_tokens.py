"""The phone's member cookie: a random token (only its SHA-256 is stored) that says which member of
which store this browser proved to be (by a one-time code to their phone). The store's member page,
coupon claims and the phone checkout read it; erasing the member deletes its tokens.
"""

from __future__ import annotations

import hashlib
import secrets

from upstream.sql import Database

COOKIE = "mt_member"
LIFETIME_MS = 365 * 24 * 3600 * 1000


def _sha(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue(db: Database, store_id: str, member_id: str, now: int) -> str:
    """A new token for this member (call inside a transaction or alone)."""
    token = secrets.token_urlsafe(32)
    db.execute("INSERT INTO member_tokens (token_sha256, member_id, store_id, created_ms, expires_ms)"
               " VALUES (?, ?, ?, ?, ?)", [_sha(token), member_id, store_id, now, now + LIFETIME_MS])
    return token


def member_of(db: Database, store_id: str, token: str | None, now: int) -> dict | None:
    """The member row this token proves, or None (no token, unknown, expired, another store's)."""
    if not token or len(token) > 100:
        return None
    return db.one("SELECT m.* FROM member_tokens t JOIN members m ON m.member_id = t.member_id"
                  " WHERE t.token_sha256 = ? AND t.store_id = ? AND t.expires_ms > ?", [_sha(token), store_id, now])


def revoke(db: Database, token: str) -> None:
    db.execute("DELETE FROM member_tokens WHERE token_sha256 = ?", [_sha(token)])
