"""The sync side of the outbox: batches for POST /v1/ingest, acks, dead events.

Events are appended by the ledger's business steps (edge/ledger/outbox.py); this module reads
them out in device_seq order and records what upstream answered.
"""

from __future__ import annotations

import json

import sqlite_utils



# -- sync side: batches for POST /v1/ingest, acks, dead events ----------------------------------

MAX_BATCH_EVENTS = 100
MAX_BATCH_BYTES = 256 * 1024
_ENVELOPE_ROOM = 64  # '{"events":[' ... ']}' and commas


def event_wire_json(row) -> str:
    """One event as it travels: the stored canonical payload text is embedded as is, so the
    upstream sees exactly the bytes whose sha256 the device recorded."""
    device_seq, event_id, event_type, wall_ms, mono_ns, boot, synced, payload, sha = row
    occurred = {"wall_ms": wall_ms, "monotonic_ns": mono_ns, "boot_id": boot,
                "clock_synced": None if synced is None else bool(synced)}
    head = json.dumps({"event_id": event_id, "device_seq": device_seq, "type": event_type,
                       "occurred": occurred, "payload_sha256": sha}, ensure_ascii=False,
                      separators=(",", ":"))
    return head[:-1] + ',"payload":' + payload + "}"


def next_batch(db: sqlite_utils.Database, max_events: int = MAX_BATCH_EVENTS,
               max_bytes: int = MAX_BATCH_BYTES) -> list[tuple[int, str, str]]:
    """Oldest pending (unsynced, not dead) events first: [(device_seq, event_id, wire json)].
    Always at least one event when any is pending, even if that one alone is too big (the
    caller turns an event that can never fit into a dead event)."""
    rows = db.execute(
        "SELECT o.device_seq, o.event_id, o.type, o.occurred_wall_ms, o.monotonic_ns, o.boot_id,"
        " o.clock_synced, o.payload, o.payload_sha256 FROM outbox o"
        " WHERE o.synced_at IS NULL AND NOT EXISTS (SELECT 1 FROM outbox_dead d WHERE d.device_seq = o.device_seq)"
        " ORDER BY o.device_seq LIMIT ?", [max_events]).fetchall()
    batch, size = [], _ENVELOPE_ROOM
    for row in rows:
        wire = event_wire_json(row)
        cost = len(wire.encode()) + 1
        if batch and size + cost > max_bytes:
            break
        batch.append((row[0], row[1], wire))
        size += cost
    return batch


def batch_body(batch: list[tuple[int, str, str]]) -> bytes:
    return ('{"events":[' + ",".join(wire for _, _, wire in batch) + "]}").encode()


def pending_count(db: sqlite_utils.Database) -> int:
    """Events not yet held by upstream and still being retried (dead ones excluded)."""
    return db.execute(
        "SELECT count(*) FROM outbox o WHERE o.synced_at IS NULL"
        " AND NOT EXISTS (SELECT 1 FROM outbox_dead d WHERE d.device_seq = o.device_seq)").fetchone()[0]


def dead_count(db: sqlite_utils.Database) -> int:
    return db.execute("SELECT count(*) FROM outbox_dead").fetchone()[0]


def record_results(db: sqlite_utils.Database, synced: list[int], dead: list[tuple[int, str, str, str]],
                   now_ms: int, state: dict[str, str | None] | None = None) -> None:
    """One local transaction: mark stored/duplicate events synced, keep rejected ones as dead
    with their reason, and update the sync state. Idempotent (a second ack changes nothing)."""
    with db.atomic():
        if synced:
            db.conn.executemany("UPDATE outbox SET synced_at = ? WHERE device_seq = ? AND synced_at IS NULL",
                                [(now_ms, seq) for seq in synced])
        if dead:
            db.conn.executemany(
                "INSERT INTO outbox_dead (device_seq, event_id, code, reason, dead_wall_ms) VALUES (?, ?, ?, ?, ?)"
                " ON CONFLICT (device_seq) DO NOTHING",
                [(seq, event_id, code, reason, now_ms) for seq, event_id, code, reason in dead])
        for key, value in (state or {}).items():
            db.execute("INSERT INTO sync_state (key, value) VALUES (?, ?)"
                       " ON CONFLICT (key) DO UPDATE SET value = excluded.value", [key, value])


def dead_events(db: sqlite_utils.Database, limit: int = 100) -> list[dict]:
    return [dict(r) for r in db.query(
        "SELECT d.device_seq, d.event_id, o.type, d.code, d.reason, d.dead_wall_ms FROM outbox_dead d"
        " JOIN outbox o ON o.device_seq = d.device_seq ORDER BY d.device_seq LIMIT ?", [limit])]


def retry_dead(db: sqlite_utils.Database) -> int:
    """Put every dead event back in the queue (after upstream was fixed); returns how many."""
    with db.atomic():
        return db.execute("DELETE FROM outbox_dead").rowcount
