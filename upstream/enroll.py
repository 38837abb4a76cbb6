"""Stores, enrollment tokens, devices, and request authentication.

A token is 128 random bits, stored only as its sha256, valid 10 minutes, scoped to one store
and role, usable once. Enrolling again with the same token and the same public key (the
device lost the answer) returns the same device; anything else after first use is refused.
"""

from __future__ import annotations

import hashlib
import re
import secrets

from edge.orders import new_id
from edge.protocol.enroll_code import ROLES, make_enroll_code, upstream_url_allowed
from edge.protocol.signing import (HEADER_DEVICE, HEADER_SIGNATURE, HEADER_TIME, MAX_SKEW_MS, b64d, b64e,
                                   verify_signature)
from upstream.code_signing import signing_key
from upstream.errors import ApiError, now_ms
from upstream.sql import Database

TOKEN_TTL_MS = 10 * 60 * 1000
STORE_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")


def add_store(db: Database, store_id: str, name: str) -> None:
    if not STORE_RE.match(store_id):
        raise ApiError(422, "bad_store", "a store id is 1-32 lower-case letters, digits, '-' or '_'", "store")
    with db.tx():
        cursor = db.execute("INSERT INTO stores (store_id, name, created_ms) VALUES (?, ?, ?)"
                            " ON CONFLICT (store_id) DO NOTHING", [store_id, name or store_id, now_ms()])
        if cursor.rowcount == 0:
            raise ApiError(409, "store_exists", f"store {store_id} exists already", "store")
        db.execute("INSERT INTO table_keys (kid, store_id, key, active, created_ms) VALUES (?, ?, ?, 1, ?)",
                   [new_id()[:8], store_id, b64e(secrets.token_bytes(32)), now_ms()])


def require_store(db: Database, store_id: str) -> dict:
    store = db.one("SELECT * FROM stores WHERE store_id = ?", [store_id])
    if store is None:
        raise ApiError(404, "unknown_store", f"no store {store_id!r}", "store")
    return store


def make_token(db: Database, store_id: str, role: str, upstream_url: str,
               ttl_ms: int = TOKEN_TTL_MS) -> tuple[str, int]:
    """A one-time enrollment code text, signed by the upstream's key, and its expiry (ms)."""
    require_store(db, store_id)
    if role not in ROLES:
        raise ApiError(422, "bad_role", f"role must be one of {', '.join(ROLES)}", "role")
    token = new_id()
    expires = now_ms() + ttl_ms
    if not upstream_url_allowed(upstream_url):
        raise ApiError(422, "bad_url", "the upstream URL must be https (or http on 127.0.0.1 / localhost)", "url")
    with db.tx():
        db.execute("INSERT INTO enroll_tokens (token_sha256, store_id, role, created_ms, expires_ms)"
                   " VALUES (?, ?, ?, ?, ?)",
                   [hashlib.sha256(token.encode()).hexdigest(), store_id, role, now_ms(), expires])
    return make_enroll_code(signing_key(db), upstream_url, store_id, role, token, expires // 1000 + 1), expires


def register(db: Database, doc: object) -> tuple[dict, bool]:
    """POST /v1/enroll. Returns (device, created)."""
    if not isinstance(doc, dict):
        raise ApiError(422, "bad_request", "the body must be an object")
    token, public_key = doc.get("token"), doc.get("public_key")
    if not isinstance(token, str) or not token:
        raise ApiError(422, "bad_request", "token is required", "token")
    if not isinstance(public_key, str):
        raise ApiError(422, "bad_request", "public_key is required", "public_key")
    try:
        if len(b64d(public_key)) != 32:
            raise ValueError
    except ValueError:
        raise ApiError(422, "bad_public_key", "public_key must be a raw Ed25519 key, base64url (32 bytes)",
                       "public_key") from None
    name = doc.get("name") if isinstance(doc.get("name"), str) else ""
    prefix = doc.get("ticket_prefix") if isinstance(doc.get("ticket_prefix"), str) else None
    token_hash = hashlib.sha256(token.encode()).hexdigest()
    now = now_ms()
    with db.tx():
        row = db.one("SELECT * FROM enroll_tokens WHERE token_sha256 = ?", [token_hash])
        if row is None:
            raise ApiError(401, "bad_token", "this enrollment code is unknown: make a new one with"
                           " `edge-upstream enroll-token`", "token")
        if row["used_ms"] is not None:
            if row["public_key"] == public_key:
                device = db.one("SELECT * FROM devices WHERE device_id = ?", [row["device_id"]])
                return device, False
            raise ApiError(410, "token_used", "this enrollment code was used already: make a new one", "token")
        if row["expires_ms"] <= now:
            raise ApiError(410, "token_expired", "this enrollment code expired (codes live 10 minutes):"
                           " make a new one", "token")
        if db.one("SELECT 1 AS x FROM devices WHERE public_key = ?", [public_key]):
            raise ApiError(409, "key_exists", "this public key belongs to another device", "public_key")
        device_id = new_id()
        cursor = db.execute("UPDATE enroll_tokens SET used_ms = ?, device_id = ?, public_key = ?"
                            " WHERE token_sha256 = ? AND used_ms IS NULL", [now, device_id, public_key, token_hash])
        if cursor.rowcount != 1:
            raise ApiError(410, "token_used", "this enrollment code was used already: make a new one", "token")
        db.execute("INSERT INTO devices (device_id, store_id, role, name, ticket_prefix, public_key, enrolled_ms)"
                   " VALUES (?, ?, ?, ?, ?, ?, ?)",
                   [device_id, row["store_id"], row["role"], name[:64] or device_id[:8], prefix, public_key, now])
        device = db.one("SELECT * FROM devices WHERE device_id = ?", [device_id])
    return device, True


def revoke(db: Database, device_id: str, reason: str = "revoked by operator") -> bool:
    with db.tx():
        return db.execute("UPDATE devices SET revoked_ms = ?, revoked_reason = ? WHERE device_id = ?"
                          " AND revoked_ms IS NULL", [now_ms(), reason, device_id]).rowcount == 1


def authenticate(db: Database, method: str, path: str, body: bytes, headers) -> dict:
    """The device that signed this request, or ApiError 401 (unsigned, bad, unknown) / 403 (revoked)."""
    device_id, stamp, signature = (headers.get(HEADER_DEVICE), headers.get(HEADER_TIME),
                                   headers.get(HEADER_SIGNATURE))
    if not device_id or not stamp or not signature:
        raise ApiError(401, "unsigned", f"requests must be signed ({HEADER_DEVICE}, {HEADER_TIME}, {HEADER_SIGNATURE})")
    if not (stamp.isascii() and stamp.isdigit()) or len(stamp) > 16:
        raise ApiError(401, "bad_signature", f"{HEADER_TIME} must be milliseconds since the epoch")
    now = now_ms()
    device = db.one("SELECT * FROM devices WHERE device_id = ?", [device_id])
    if device is None:
        raise ApiError(401, "unknown_device", "this device is not enrolled here: enroll it again")
    if not verify_signature(device["public_key"], signature, method, path, body, device_id, int(stamp)):
        raise ApiError(401, "bad_signature", "the request signature does not verify")
    if abs(now - int(stamp)) > MAX_SKEW_MS:
        raise ApiError(401, "clock_skew", "the request time is more than 5 minutes off the server's",
                       server_time_ms=now)
    if device["revoked_ms"] is not None:
        raise ApiError(403, "revoked", f"this device was revoked ({device['revoked_reason']}); its data is kept")
    return device
