"""The doctor's checks, one function each: `(config, facts) -> Check` with a fix for every problem.

`Facts` is what the checks share: the config, the running core's GET /v1/status document (None
when no core answers) and a read-only connection to the database (never a write: the doctor
may run while the core works). With a core running, camera and printers are judged from the
core's own view (it owns them: opening a camera or a printer a second time would disturb it);
without one they are opened directly (edge/technician/devices.py).
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from edge.config import Config
from edge.maintenance.backup import quick_check
from edge.maintenance.clock import check_clock
from edge.sync.enroll import key_file_ok
from edge.technician.disk import disk_check

UPSTREAM_TIMEOUT = (2.0, 3.0)
SYNC_STALE_MS = 15 * 60 * 1000
PRINT_STUCK_MS = 3 * 60 * 1000


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    fix: str = ""

    def to_json(self) -> dict:
        return {"name": self.name, "ok": self.ok, "detail": self.detail, "fix": self.fix}


@dataclass
class Facts:
    config: Config
    status: dict | None  # the core's GET /v1/status, None when the core is not running
    db: sqlite3.Connection | None  # read-only; None when there is no database yet
    now_ms: int

    @property
    def core_up(self) -> bool:
        return self.status is not None


def open_read_only(path: Path) -> sqlite3.Connection | None:
    if not path.is_file():
        return None
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5, check_same_thread=False)
    conn.execute("PRAGMA busy_timeout=5000")
    return conn


def _one(db: sqlite3.Connection, sql: str, args: tuple = ()):
    try:
        return db.execute(sql, args).fetchone()
    except sqlite3.OperationalError:  # a table not there yet (old schema): nothing of that kind
        return None


# -- the core, the database, the disk, the clock -------------------------------------------------
def core(facts: Facts) -> Check:
    url = facts.config.core_url
    if facts.core_up:
        return Check("core", True, f"running at {url}")
    return Check("core", False, f"not answering at {url}: no orders, printing or sync until it runs",
                 "`sudo systemctl restart matou-core`, then `journalctl -u matou-core -n 50` for why it stopped "
                 "(without systemd: `edge core`)")


def database(facts: Facts) -> Check:
    path = facts.config.db_path
    if not path.is_file():
        return Check("database", False, f"no database at {path}", "start the core once (`edge core`) to create it")
    result = quick_check(path)
    size = path.stat().st_size // 2**20
    if result == "ok":
        return Check("database", True, f"quick_check ok ({path}, {size} MiB)")
    return Check("database", False, f"quick_check: {result} ({path})",
                 "stop the core, copy the newest backup (`edge backup --list`) over the database, delete the "
                 "-wal and -shm files, start the core (docs/install-pi.md, Everyday commands)")


def disk(facts: Facts, min_free_mib: int) -> Check:
    extra = ((Path(facts.config.source).parent / "logs",)
             if facts.config.source and Path(facts.config.source).is_file() else ())
    ok, detail, fix = disk_check(facts.config.data_dir, facts.config.db_path, min_free_mib, extra_log_dirs=extra)
    return Check("disk", ok, detail, fix)


def clock(facts: Facts) -> Check:
    report = check_clock()
    if report.trusted is False:
        return Check("clock", False, report.reason,
                     "connect the network (NTP via systemd-timesyncd; `timedatectl status`), or set the time "
                     "with `sudo date -s` — ticket times and the business day depend on it")
    return Check("clock", True, report.reason)


# -- enrollment, upstream, queues -------------------------------------------------------------
def _enrollment(facts: Facts):
    if facts.db is None:
        return None
    row = _one(facts.db, "SELECT device_id, store_id, role, upstream_url, key_file, status, reason"
                         " FROM sync_enrollment WHERE id = 1")
    return None if row is None else dict(zip(("device_id", "store_id", "role", "upstream_url", "key_file",
                                              "status", "reason"), row, strict=True))


ENROLL_FIX = ("technician mode → 开通 Provision → scan the enrollment QR (`edge ui --mode technician`), or "
              "`edge enroll CODE` with a code from `edge-upstream enroll-token STORE`")


def enrollment(facts: Facts) -> Check:
    e = _enrollment(facts)
    if e is None:
        return Check("enrollment", False, "not enrolled: orders stay on this device, nothing syncs", ENROLL_FIX)
    if e["status"] == "revoked":
        return Check("enrollment", False, f"revoked ({e['reason'] or 'by the operator'}): orders go on, sync stopped",
                     "ask the operator for a new enrollment code; " + ENROLL_FIX)
    if e["status"] != "enrolled":
        return Check("enrollment", False, f"needs re-enrollment: {e['reason'] or e['status']}", ENROLL_FIX)
    if not key_file_ok(e["key_file"]):
        return Check("enrollment", False, f"device key {e['key_file']} is missing or readable by others",
                     "`chmod 600` the key if it is there; otherwise enroll again: " + ENROLL_FIX)
    return Check("enrollment", True, f"enrolled: device {e['device_id']}, store {e['store_id']}, role {e['role']}")


def upstream(facts: Facts) -> Check:
    e = _enrollment(facts)
    if e is None or e["status"] != "enrolled":
        return Check("upstream", True, "not checked: the device is not enrolled")
    import requests

    url = e["upstream_url"].rstrip("/") + "/v1/health"
    started = time.monotonic()
    try:
        answer = requests.get(url, timeout=UPSTREAM_TIMEOUT)
    except requests.RequestException as error:
        return Check("upstream", False, f"cannot reach {url}: {type(error).__name__}",
                     "check the network cable / Wi-Fi, DNS (`getent hosts HOST`) and the proxy; orders and "
                     "kitchen tickets go on offline, only payment codes need upstream")
    took = (time.monotonic() - started) * 1000
    if answer.status_code != 200:
        return Check("upstream", False, f"{url} answered HTTP {answer.status_code}",
                     "the upstream server has a problem: tell the operator")
    return Check("upstream", True, f"{url} answered in {took:.0f} ms")


def sync_queue(facts: Facts) -> Check:
    if facts.db is None:
        return Check("sync queue", True, "no database yet")
    pending = (_one(facts.db, "SELECT count(*) FROM outbox o WHERE o.synced_at IS NULL AND NOT EXISTS"
                              " (SELECT 1 FROM outbox_dead d WHERE d.device_seq = o.device_seq)") or (0,))[0]
    dead = (_one(facts.db, "SELECT count(*) FROM outbox_dead") or (0,))[0]
    last_ok = _one(facts.db, "SELECT value FROM sync_state WHERE key = 'last_ok_ms'")
    last_ok_ms = int(last_ok[0]) if last_ok and str(last_ok[0]).isdigit() else None
    detail = f"{pending} not synced, {dead} dead"
    e = _enrollment(facts)
    if dead:
        return Check("sync queue", False, detail + ": upstream refused events (kept, never dropped)",
                     "`edge sync dead` shows why; after the cause is fixed upstream: `edge sync retry-dead`")
    if pending and e is not None and e["status"] == "enrolled" and \
            (last_ok_ms is None or facts.now_ms - last_ok_ms > SYNC_STALE_MS):
        since = "never synced" if last_ok_ms is None else f"last sync {(facts.now_ms - last_ok_ms) // 60000} min ago"
        return Check("sync queue", False, f"{detail}; {since}",
                     "see the upstream and enrollment checks; `edge sync status` and `edge sync now` to retry")
    if pending and (e is None or e["status"] != "enrolled"):
        detail += " (they sync once the device is enrolled)"
    return Check("sync queue", True, detail)


def print_queue(facts: Facts) -> Check:
    if facts.db is None:
        return Check("print queue", True, "no database yet")
    try:
        counts = dict(facts.db.execute("SELECT state, count(*) FROM print_jobs GROUP BY state").fetchall())
    except sqlite3.OperationalError:
        counts = {}
    waiting = sum(counts.get(s, 0) for s in ("queued", "sending", "sent"))
    attention = counts.get("attention", 0)
    oldest = _one(facts.db, "SELECT min(created_wall_ms) FROM print_jobs WHERE state IN ('queued', 'sending', 'sent')")
    detail = f"{waiting} waiting, {attention} need attention"
    if attention:
        return Check("print queue", False, detail,
                     "`edge printers jobs --state attention` shows why (no printer for a station, printer down); "
                     "fix the printer or [stations], then `edge printers reprint JOB --staff ID`")
    if waiting and oldest and oldest[0] and facts.now_ms - oldest[0] > PRINT_STUCK_MS:
        return Check("print queue", False, f"{detail}; the oldest waits {(facts.now_ms - oldest[0]) // 60000} min",
                     "see the printer checks: a printer is down, out of paper or unreachable")
    return Check("print queue", True, detail)
