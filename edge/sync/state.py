"""Sync state on the device: the enrollment record, key/value sync state, alarms, and the
status every surface shows (`edge sync status`, GET /v1/status, the UI)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, UTC

import sqlite_utils

from edge.sync.outbox import dead_count, pending_count

STATES = {
    "enrolled": "enrolled",
    "needs_reenrollment": "needs re-enrollment",
    "revoked": "revoked: needs re-enrollment",
}


@dataclass(frozen=True)
class Enrollment:
    device_id: str
    store_id: str
    role: str
    upstream_url: str
    key_file: str
    public_key: str
    enrolled_wall_ms: int
    status: str
    reason: str | None


def now_ms() -> int:
    return time.time_ns() // 1_000_000


def load_enrollment(db: sqlite_utils.Database) -> Enrollment | None:
    rows = list(db.query("SELECT device_id, store_id, role, upstream_url, key_file, public_key,"
                         " enrolled_wall_ms, status, reason FROM sync_enrollment WHERE id = 1"))
    return Enrollment(**rows[0]) if rows else None


def save_enrollment(db: sqlite_utils.Database, e: Enrollment) -> None:
    with db.atomic():
        db.execute("DELETE FROM sync_enrollment")
        db.execute("INSERT INTO sync_enrollment (id, device_id, store_id, role, upstream_url, key_file, public_key,"
                   " enrolled_wall_ms, status, reason) VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                   [e.device_id, e.store_id, e.role, e.upstream_url, e.key_file, e.public_key,
                    e.enrolled_wall_ms, e.status, e.reason])
        for key in ("last_error", "last_error_ms", "menu_etag", "settings_etag", "upstream_max_seq"):
            db.execute("DELETE FROM sync_state WHERE key = ?", [key])


def set_enrollment_status(db: sqlite_utils.Database, device_id: str, status: str, reason: str) -> None:
    with db.atomic():
        db.execute("UPDATE sync_enrollment SET status = ?, reason = ? WHERE device_id = ?",
                   [status, reason, device_id])
        _put(db, {"last_error": reason, "last_error_ms": str(now_ms())})


def _put(db: sqlite_utils.Database, values: dict[str, str | None]) -> None:
    for key, value in values.items():
        db.execute("INSERT INTO sync_state (key, value) VALUES (?, ?)"
                   " ON CONFLICT (key) DO UPDATE SET value = excluded.value", [key, value])


def put_state(db: sqlite_utils.Database, **values: str | None) -> None:
    with db.atomic():
        _put(db, values)


def get_state(db: sqlite_utils.Database) -> dict[str, str | None]:
    return dict(db.execute("SELECT key, value FROM sync_state").fetchall())


def raise_alarm(db: sqlite_utils.Database, kind: str, detail: str) -> None:
    """Record an alarm once (the same kind and detail is not repeated)."""
    with db.atomic():
        exists = db.execute("SELECT 1 FROM sync_alarms WHERE kind = ? AND detail = ?", [kind, detail]).fetchone()
        if not exists:
            db.execute("INSERT INTO sync_alarms (kind, detail, at_wall_ms) VALUES (?, ?, ?)", [kind, detail, now_ms()])


def _iso(ms: str | None) -> str | None:
    if not ms:
        return None
    return datetime.fromtimestamp(int(ms) / 1000, tz=UTC).astimezone().isoformat(timespec="seconds")


def sync_status(db: sqlite_utils.Database) -> dict:
    """{"pending", "dead", "last_ok", "last_error", "state", "enrolled", ...} for every surface."""
    enrollment = load_enrollment(db)
    state = get_state(db)
    alarms = [dict(r) for r in db.query("SELECT kind, detail, at_wall_ms FROM sync_alarms ORDER BY id DESC LIMIT 5")]
    pending = pending_count(db)
    if enrollment is None:
        label = "not enrolled"
    elif enrollment.status != "enrolled":
        label = STATES[enrollment.status]
    elif state.get("online") == "0":
        label = "offline"
    else:
        label = "ok"
    return {
        "pending": pending,
        "dead": dead_count(db),
        "last_ok": _iso(state.get("last_ok_ms")),
        "last_error": state.get("last_error"),
        "last_error_at": _iso(state.get("last_error_ms")),
        "state": label,
        "enrolled": enrollment is not None and enrollment.status == "enrolled",
        "enrollment": None if enrollment is None else {
            "device_id": enrollment.device_id, "store_id": enrollment.store_id, "role": enrollment.role,
            "upstream": enrollment.upstream_url, "status": enrollment.status, "reason": enrollment.reason},
        "message": f"{pending} not synced" if pending else "all synced",
        "menu_etag": state.get("menu_etag"),
        "alarms": alarms,
    }
