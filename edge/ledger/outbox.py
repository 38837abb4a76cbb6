"""The outbox: events written in the same transaction as the change they describe.

device_seq is AUTOINCREMENT: a rolled-back transaction gives its number back, so the sequence
of committed events is gap-free and orders events on the device. The sync worker sends them
upstream (edge/sync/outbox.py reads them out).
"""

from __future__ import annotations

import hashlib
from typing import Any

import sqlite_utils

from edge.ledger.clock import Instant
from edge.orders import new_id
from edge.protocol.canonical import canonical_json


def append_event(db: sqlite_utils.Database, event_type: str, payload: dict[str, Any], at: Instant) -> tuple[int, str]:
    """Append one event; call inside the business step's db.atomic(). Returns (device_seq, event_id)."""
    body = canonical_json(payload)
    event_id = new_id()
    cursor = db.execute(
        "INSERT INTO outbox (event_id, type, occurred_wall_ms, monotonic_ns, boot_id, clock_synced,"
        " payload, payload_sha256) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [event_id, event_type, at.wall_ms, at.monotonic_ns, at.boot_id,
         None if at.clock_synced is None else int(at.clock_synced), body,
         hashlib.sha256(body.encode()).hexdigest()],
    )
    assert cursor.lastrowid is not None  # an INSERT into a rowid table always has one
    return cursor.lastrowid, event_id


def unsynced_count(db: sqlite_utils.Database) -> int:
    return int(db.execute("SELECT count(*) FROM outbox WHERE synced_at IS NULL").fetchone()[0])
