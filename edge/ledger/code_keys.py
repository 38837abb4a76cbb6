"""The keys scanned codes are checked with: the store's code keyring (vouchers and pickup codes,
`MT1V` / `MT1P`) and the table keys (table QR codes), both synced from upstream.

Upstream holds one keyring per store, separate from the table keys (docs/protocol.md, "Signed
codes"); the cashier desk fetches it (`GET /v1/devices/me/code-keys`, ETag) while the device is
online and keeps it in `code_keys`, so signed codes verify offline. Pickup codes on customer
receipts are signed with the newest active key.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import sqlite_utils

from edge.codes import CodeContext, make_signed_code
from edge.tables import Keyring, unb64url


def code_keyring(db: sqlite_utils.Database) -> tuple[str | None, Keyring | None]:
    """(store id, keyring of active code keys); (None, None) before any key was received."""
    rows = db.execute("SELECT kid, store_id, key FROM code_keys WHERE active = 1 ORDER BY rowid").fetchall()
    if not rows:
        return None, None
    return rows[0][1], Keyring({kid: unb64url(key) for kid, _, key in rows})


def with_code_keys(db: sqlite_utils.Database, context: CodeContext) -> CodeContext:
    """`context` (store id, table keys) plus the code keyring, for classifying scanned codes."""
    store, keyring = code_keyring(db)
    if keyring is None:
        return context
    return dataclasses.replace(context, store_id=context.store_id or store, code_keys=keyring)


def store_code_keys(db: sqlite_utils.Database, store_id: str, keys: list[dict[str, Any]]) -> int:
    """Replace the keyring (one transaction); refuses malformed entries with ValueError."""
    rows = []
    for k in keys:
        if not (isinstance(k, dict) and isinstance(k.get("kid"), str) and isinstance(k.get("key"), str)):
            raise ValueError("a code key is {kid, key, active}")
        Keyring({k["kid"]: unb64url(k["key"])})  # validates kid and key length
        rows.append((k["kid"], store_id, k["key"], int(bool(k.get("active", True)))))
    with db.atomic():
        db.execute("DELETE FROM code_keys")
        db.conn.executemany("INSERT INTO code_keys (kid, store_id, key, active) VALUES (?, ?, ?, ?)", rows)
        db.execute("INSERT INTO sync_state (key, value) VALUES ('code_keys_store', ?)"
                   " ON CONFLICT (key) DO UPDATE SET value = excluded.value", [store_id])
    return len(rows)


def pickup_code_for(db: sqlite_utils.Database, order_id: str) -> str:
    """The signed pickup code (`MT1P`) for a stored order, '' when the device holds no code key."""
    row = db.execute("SELECT kid, store_id, key FROM code_keys WHERE active = 1 ORDER BY rowid DESC LIMIT 1"
                     ).fetchone()
    order = db.execute("SELECT ticket_no FROM orders WHERE id = ?", [order_id]).fetchone()
    if row is None or order is None:
        return ""
    return make_signed_code("pickup", {"s": row[1], "o": order_id, "n": order[0]}, row[0], unb64url(row[2]))


def table_keyring(db: sqlite_utils.Database) -> tuple[str | None, Keyring]:
    """(store_id, edge.tables.Keyring) of the active table keys from upstream, for verifying
    scanned table codes offline (edge.codes.classify(text, keyring, store_id))."""
    rows = db.execute("SELECT kid, store_id, key FROM table_keys WHERE active = 1").fetchall()
    store = rows[0][1] if rows else None
    return store, Keyring({kid: unb64url(key) for kid, _, key in rows})


def code_context(db: sqlite_utils.Database) -> CodeContext:
    """The store id (from enrollment) and the table keys synced from upstream."""
    enrolled = db.execute("SELECT store_id FROM sync_enrollment WHERE id = 1").fetchall()
    key_store, keyring = table_keyring(db)
    return CodeContext(store_id=enrolled[0][0] if enrolled else key_store, table_keys=keyring or None)
