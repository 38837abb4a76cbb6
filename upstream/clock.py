"""Device clocks as the upstream sees them.

- `effective_ms`: the time a last-change-wins state (估清) is ordered by: the device's wall time,
  never later than the upstream received it, so a clock in the future cannot make a change win
  for ever.
- `batch_skew`: what an ingest batch tells about the device's clock (its newest event against the
  upstream's clock); `note`: the measured skew kept per device (`devices.clock_skew_ms`,
  `clock_checked_ms`), with a `clock_off` alarm when it passes CLOCK_OFF_MS. A request refused
  with `clock_skew` (its signed time was the device's own clock) is noted the same way.
"""

from __future__ import annotations

from edge.protocol.signing import MAX_SKEW_MS
from upstream.sql import Database

CLOCK_OFF_MS = MAX_SKEW_MS  # 5 minutes, as for signed requests


def effective_ms(wall_ms: int, received_ms: int) -> int:
    return min(wall_ms, received_ms)


def batch_skew(events: list[dict], now: int) -> int | None:
    """Newest event time minus now; None when even the newest is older than CLOCK_OFF_MS (a backlog
    sent after an outage looks just like a slow clock, so it says nothing)."""
    skew = max(ev["occurred"]["wall_ms"] for ev in events) - now
    return skew if skew >= -CLOCK_OFF_MS else None


def is_off(skew_ms: int | None) -> bool:
    return skew_ms is not None and abs(skew_ms) > CLOCK_OFF_MS


def describe(skew_ms: int | None) -> str:
    if skew_ms is None:
        return "-"
    sign = "+" if skew_ms >= 0 else "-"
    s = abs(skew_ms) // 1000
    return f"{sign}{s // 3600}h{s // 60 % 60:02d}m{s % 60:02d}s"


def note(db: Database, device_id: str, skew_ms: int, now: int) -> None:
    """Keep the measured skew; alarm once when the device's clock turns off (in the caller's
    transaction or its own statement)."""
    row = db.one("SELECT store_id, clock_skew_ms FROM devices WHERE device_id = ?", [device_id])
    if row is None:
        return
    db.execute("UPDATE devices SET clock_skew_ms = ?, clock_checked_ms = ? WHERE device_id = ?",
               [skew_ms, now, device_id])
    if is_off(skew_ms) and not is_off(row["clock_skew_ms"]):
        db.execute("INSERT INTO alarms (store_id, device_id, kind, detail, at_ms) VALUES (?, ?, 'clock_off', ?, ?)",
                   [row["store_id"], device_id, f"device {device_id}'s clock is {describe(skew_ms)} off the"
                    " upstream's: fix its time (NTP); its 估清 changes are ordered by when they arrived", now])
