"""Who may see a store's dashboard: the store's managers (staff role `manager`, PIN hashes synced
from `edge-upstream staff set`). A login with the right PIN makes a session: a random token in an
HttpOnly, SameSite=Strict cookie, only its SHA-256 kept (`owner_sessions`), 12 hours. Five wrong
PINs lock that manager out for 5 minutes (`owner_logins`); a cashier's or another store's PIN is
refused the same way as a wrong one, so the answer never says which staff ids exist."""

from __future__ import annotations

import hashlib
import secrets

from edge.protocol.pins import verify_pin
from upstream.errors import ApiError
from upstream.sql import Database

COOKIE = "mt_owner"
SESSION_MS = 12 * 3600 * 1000
MAX_FAILURES, LOCK_MS = 5, 5 * 60 * 1000


def _sha(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def login(db: Database, store_id: str, staff_id: object, pin: object, now: int) -> str:
    """A new session token, or a 401 (wrong) / 429 (locked) with a clear message."""
    if not isinstance(staff_id, str) or not isinstance(pin, str) or not 1 <= len(staff_id) <= 64 \
            or not 1 <= len(pin) <= 32:
        raise ApiError(422, "bad_request", "send {staff_id, pin}", "pin")
    state = db.one("SELECT failures, locked_until_ms FROM owner_logins WHERE store_id = ? AND staff_id = ?",
                   [store_id, staff_id])
    if state and (state["locked_until_ms"] or 0) > now:
        wait = (state["locked_until_ms"] - now + 999) // 1000
        raise ApiError(429, "locked", f"too many wrong PINs: try again in {wait} s", "pin", retry_after=wait)
    staff = db.one("SELECT pin_hash, role FROM staff WHERE store_id = ? AND staff_id = ?", [store_id, staff_id])
    if staff is None or staff["role"] != "manager" or not verify_pin(pin, staff["pin_hash"]):
        failures = (state["failures"] if state else 0) + 1
        locked = now + LOCK_MS if failures >= MAX_FAILURES else None
        with db.tx():
            db.execute("INSERT INTO owner_logins (store_id, staff_id, failures, locked_until_ms, updated_ms)"
                       " VALUES (?, ?, ?, ?, ?) ON CONFLICT (store_id, staff_id) DO UPDATE SET"
                       " failures = excluded.failures, locked_until_ms = excluded.locked_until_ms,"
                       " updated_ms = excluded.updated_ms",
                       [store_id, staff_id, 0 if locked else failures, locked, now])
        left = MAX_FAILURES - failures
        raise ApiError(401, "wrong_pin", "wrong staff id or PIN (a store manager's)"
                       + (f": {left} tries left" if left > 0 else ": locked for 5 minutes"), "pin")
    token = secrets.token_urlsafe(32)
    with db.tx():
        db.execute("DELETE FROM owner_logins WHERE store_id = ? AND staff_id = ?", [store_id, staff_id])
        db.execute("DELETE FROM owner_sessions WHERE expires_ms < ?", [now])
        db.execute("INSERT INTO owner_sessions (token_sha256, store_id, staff_id, created_ms, expires_ms)"
                   " VALUES (?, ?, ?, ?, ?)", [_sha(token), store_id, staff_id, now, now + SESSION_MS])
    return token


def session_of(db: Database, store_id: str, token: str | None, now: int) -> dict | None:
    """The session this cookie proves for this store (its manager still a manager), or None."""
    if not token or len(token) > 100:
        return None
    return db.one("SELECT s.staff_id, t.name FROM owner_sessions s JOIN staff t ON t.store_id = s.store_id"
                  " AND t.staff_id = s.staff_id WHERE s.token_sha256 = ? AND s.store_id = ? AND s.expires_ms > ?"
                  " AND t.role = 'manager'", [_sha(token), store_id, now])


def logout(db: Database, token: str | None) -> None:
    if token:
        db.execute("DELETE FROM owner_sessions WHERE token_sha256 = ?", [_sha(token)])
