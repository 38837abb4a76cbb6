"""Can the wall clock be trusted? For `edge doctor` and the install check.

A Raspberry Pi has no battery-backed clock (the Pi 5 has one only with a battery fitted).
At boot the time comes from fake-hwclock (the time saved at the last shutdown, hourly
otherwise), then from NTP (systemd-timesyncd) once the network is up. Until NTP has synced,
the clock may be hours or days behind. Orders are ordered by device_seq, never by wall clock,
so an untrusted clock does not lose data, but ticket times and the business day may be wrong.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, UTC
from pathlib import Path

TIMESYNC_FLAG = Path("/run/systemd/timesync/synchronized")
FAKE_HWCLOCK_FILE = Path("/etc/fake-hwclock.data")
RTC_DIR = Path("/sys/class/rtc")
# No device runs this software before this date: a clock earlier than it is certainly wrong.
CLOCK_FLOOR = datetime(2025, 1, 1, tzinfo=UTC)
SLACK = timedelta(minutes=2)


@dataclass(frozen=True)
class ClockReport:
    trusted: bool | None  # None: cannot tell (no systemd-timesyncd)
    ntp_synced: bool | None
    has_rtc: bool
    saved_time: datetime | None  # fake-hwclock's last saved time
    reason: str


def read_fake_hwclock(path: Path = FAKE_HWCLOCK_FILE) -> datetime | None:
    """The time fake-hwclock saved ('YYYY-MM-DD HH:MM:SS', UTC), or None."""
    try:
        text = path.read_text(encoding="ascii").strip()
        return datetime.strptime(text, "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
    except (OSError, ValueError, UnicodeDecodeError):
        return None


def check_clock(now: datetime | None = None, timesync_flag: Path = TIMESYNC_FLAG,
                fake_hwclock_file: Path = FAKE_HWCLOCK_FILE, rtc_dir: Path = RTC_DIR,
                floor: datetime = CLOCK_FLOOR) -> ClockReport:
    now = now or datetime.now(UTC)
    if timesync_flag.exists():
        synced: bool | None = True
    else:
        synced = None if not timesync_flag.parent.exists() else False
    has_rtc = rtc_dir.is_dir() and any(rtc_dir.glob("rtc*"))
    saved = read_fake_hwclock(fake_hwclock_file)

    def report(trusted: bool | None, reason: str) -> ClockReport:
        return ClockReport(trusted, synced, has_rtc, saved, reason)

    if synced:
        return report(True, "synchronized with NTP")
    if now < floor:
        return report(False, f"the clock says {now:%Y-%m-%d}, before {floor:%Y-%m-%d}: "
                             "never synced since boot; connect the network (NTP) or set the time")
    if saved is not None and now + SLACK < saved:
        return report(False, f"the clock ({now:%Y-%m-%d %H:%M}) is behind the time saved at the last "
                             f"shutdown ({saved:%Y-%m-%d %H:%M} UTC): it went backwards")
    if synced is None:
        return report(None, "no systemd-timesyncd: cannot tell whether NTP synced the clock")
    if has_rtc:
        return report(None, "not synced with NTP yet; a hardware clock (RTC) keeps the time meanwhile")
    return report(False, "not synced with NTP yet and no hardware clock: the time comes from "
                         "fake-hwclock (the last shutdown) and may be behind; check the network")
