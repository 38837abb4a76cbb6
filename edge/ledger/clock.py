"""Device time: wall clock, monotonic clock, boot id, NTP state and the business day.

Events are ordered by device_seq, never by wall clock; these fields let upstream judge a
wall-clock time that came from a device whose clock was not synced.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

BOOT_ID_FILE = Path("/proc/sys/kernel/random/boot_id")
TIMESYNC_FLAG = Path("/run/systemd/timesync/synchronized")
_FALLBACK_BOOT_ID = uuid.uuid4().hex


@dataclass(frozen=True)
class Instant:
    wall_ms: int
    monotonic_ns: int
    boot_id: str
    clock_synced: bool | None  # None: unknown (no systemd-timesyncd)
    local: datetime


def boot_id() -> str:
    try:
        return BOOT_ID_FILE.read_text().strip()
    except OSError:
        return _FALLBACK_BOOT_ID


def clock_synced() -> bool | None:
    if TIMESYNC_FLAG.exists():
        return True
    return None if not TIMESYNC_FLAG.parent.exists() else False


class Clock:
    """The clock of the core; tests may pass `now` to pin wall time."""

    def __init__(self, day_starts_hour: int = 4):
        self.day_starts_hour = day_starts_hour
        self._boot_id = boot_id()

    def now(self) -> Instant:
        wall_ns = time.time_ns()
        return Instant(wall_ns // 1_000_000, time.monotonic_ns(), self._boot_id, clock_synced(),
                       datetime.fromtimestamp(wall_ns / 1e9))

    def business_day(self, local: datetime) -> str:
        """The trading day an instant belongs to: before day_starts_hour counts as yesterday."""
        return (local - timedelta(hours=self.day_starts_hour)).date().isoformat()
