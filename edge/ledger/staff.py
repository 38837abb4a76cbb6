"""Staff on the device: PINs checked against the scrypt hashes synced from upstream (`staff_pins`),
a lockout with a growing delay that survives a restart, and who-did-it records.

- `check_pin(db, staff_id, pin)`: every guess is counted BEFORE its PIN is looked at: one step
  (the write lock + one transaction) reads the lockout and, if the id is not locked, counts the
  attempt as a failure (and sets the lock if this is the 5th); only then is the scrypt hash
  checked, outside the lock (it takes tens of milliseconds), and a right PIN clears the counter
  in a second step. So a burst of concurrent guesses checks at most `FREE_FAILURES` PINs before
  the lock. Besides, one guess at a time per staff id (`GUESSES`): a guess that arrives while
  another for the same id is being checked waits for it (at most `BUSY_WAIT_S`, then it is refused
  as `busy` without being looked at or counted). After `FREE_FAILURES` (5) wrong PINs in a row the
  staff id is locked for 30 s, then 60 s, 120 s … (capped at 1 h) after each further failure; a
  locked id is refused without looking at the PIN. The lock is stored as a wall-clock time in
  `pin_failures`, so a restart of the core does not reset it (nor does a crash during a check: the
  guess was already counted); a lock further away than the cap (the clock was turned back) counts
  as the cap.
- `record_action(db, staff, action, target, detail, at_ms)`: one row in `staff_actions`, written in
  the transaction of the change it records (void, refund, reprint, sold out …).

Shared with the technician mode (`roles=("technician",)`); manager-only steps use `MANAGER_ROLES`;
cashier mode takes only `CASHIER_ROLES` (cashier, manager, owner: never a technician).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Hashable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass
from typing import Any, TypedDict

import sqlite_utils

from edge.ledger.steps import Ledger
from edge.protocol import pins

FREE_FAILURES = 5
BASE_LOCK_S = 30
MAX_LOCK_S = 3600
MANAGER_ROLES = pins.MANAGER_ROLES  # their PINs are 6-12 digits (edge/protocol/pins.py)
CASHIER_ROLES = ("cashier", *MANAGER_ROLES)  # may log into cashier mode (a technician may not)
UNKNOWN_STAFF = "?"
BUSY_WAIT_S = 5.0  # a guess waits this long at most for the one in flight for the same id


class StaffDoc(TypedDict):
    staff_id: str
    name: str
    role: str


class PinCheckDoc(TypedDict):
    ok: bool
    reason: str
    staff: StaffDoc | None
    failures: int
    retry_after_s: int
    attempts_left: int


class PinStateDoc(TypedDict):
    failures: int
    retry_after_s: int


@dataclass(frozen=True)
class Staff:
    staff_id: str
    name: str
    role: str

    def doc(self) -> StaffDoc:
        return {"staff_id": self.staff_id, "name": self.name, "role": self.role}


@dataclass(frozen=True)
class PinCheck:
    ok: bool
    reason: str  # ok | bad_pin | locked | busy | unknown_staff | not_allowed
    staff: Staff | None = None
    failures: int = 0
    retry_after_s: int = 0  # > 0: locked for this long
    attempts_left: int = FREE_FAILURES

    def doc(self) -> PinCheckDoc:
        return {"ok": self.ok, "reason": self.reason, "staff": self.staff.doc() if self.staff else None,
                "failures": self.failures, "retry_after_s": self.retry_after_s, "attempts_left": self.attempts_left}


def now_ms() -> int:
    return time.time_ns() // 1_000_000


def lock_seconds(failures: int) -> int:
    """How long a staff id is locked after `failures` wrong PINs in a row: 0 for the first 4."""
    if failures < FREE_FAILURES:
        return 0
    return int(min(MAX_LOCK_S, BASE_LOCK_S * 2 ** min(failures - FREE_FAILURES, 20)))


def list_staff(db: sqlite_utils.Database, roles: tuple[str, ...] | None = None) -> list[Staff]:
    rows = db.execute("SELECT staff_id, name, role FROM staff_pins ORDER BY name, staff_id").fetchall()
    return [Staff(*r) for r in rows if roles is None or r[2] in roles]


def get_staff(db: sqlite_utils.Database, staff_id: str) -> Staff | None:
    row = db.execute("SELECT staff_id, name, role FROM staff_pins WHERE staff_id = ?", [staff_id]).fetchone()
    return Staff(*row) if row else None


def _remaining_lock_s(db: sqlite_utils.Database, key: str, now: int) -> int:
    row = db.execute("SELECT locked_until_ms FROM pin_failures WHERE staff_id = ?", [key]).fetchone()
    if not row or not row[0] or row[0] <= now:
        return 0
    return int(-(-min(row[0] - now, MAX_LOCK_S * 1000) // 1000))


class OneGuessAtATime:
    """At most one PIN check in flight per key (a staff id, the device's technician login): the
    others wait for it, for at most `wait_s`."""

    def __init__(self) -> None:
        self._held: set[Hashable] = set()
        self._changed = threading.Condition()

    @contextmanager
    def turn(self, key: Hashable, wait_s: float | None = None) -> Iterator[bool]:
        """Yields True with the key held, False if another check held it for `wait_s` (default
        `BUSY_WAIT_S`)."""
        with self._changed:
            mine = self._changed.wait_for(lambda: key not in self._held,
                                          timeout=BUSY_WAIT_S if wait_s is None else wait_s)
            if mine:
                self._held.add(key)
        try:
            yield mine
        finally:
            if mine:
                with self._changed:
                    self._held.discard(key)
                    self._changed.notify_all()


GUESSES = OneGuessAtATime()  # one per process: the core is the only process that checks PINs


def check_pin(db: sqlite_utils.Database, staff_id: str, pin: str, *, roles: tuple[str, ...] | None = None,
              lock: AbstractContextManager[Any] | None = None, at_ms: int | None = None,
              guesses: OneGuessAtATime = GUESSES) -> PinCheck:
    """Check `pin` for `staff_id` with the lockout. `lock`: held around each database step (the
    core's write lock), never around the scrypt computation."""
    lock = lock or nullcontext()
    now = at_ms if at_ms is not None else now_ms()
    key = staff_id if isinstance(staff_id, str) and 0 < len(staff_id) <= 64 else UNKNOWN_STAFF
    with guesses.turn(("staff", key)) as mine:
        if not mine:
            return PinCheck(False, "busy", retry_after_s=1, attempts_left=0)
        with lock, db.atomic():  # read the lock and count this guess, in one step
            waiting = _remaining_lock_s(db, key, now)
            if waiting:
                return PinCheck(False, "locked", retry_after_s=waiting, attempts_left=0)
            row = db.execute("SELECT staff_id, name, role, pin_hash FROM staff_pins WHERE staff_id = ?",
                             [key]).fetchone()
            failures = db.execute(
                "INSERT INTO pin_failures (staff_id, failures, last_failure_ms) VALUES (?, 1, ?)"
                " ON CONFLICT (staff_id) DO UPDATE SET failures = failures + 1,"
                " last_failure_ms = excluded.last_failure_ms"
                " RETURNING failures", [key, now]).fetchone()[0]
            delay = lock_seconds(failures)
            if delay:
                db.execute("UPDATE pin_failures SET locked_until_ms = ? WHERE staff_id = ?", [now + delay * 1000, key])
        good = (row is not None and isinstance(pin, str) and pin.isascii() and pin.isdigit()
                and 4 <= len(pin) <= 12 and pins.verify_pin(pin, row[3]))
        if good:
            with lock, db.atomic():
                db.execute("DELETE FROM pin_failures WHERE staff_id = ?", [key])
    if not good:
        reason = "unknown_staff" if row is None else "bad_pin"
        return PinCheck(False, "locked" if delay else reason, failures=failures, retry_after_s=delay,
                        attempts_left=max(0, FREE_FAILURES - failures))
    staff = Staff(*row[:3])
    if roles is not None and staff.role not in roles:
        return PinCheck(False, "not_allowed", staff=staff)
    return PinCheck(True, "ok", staff=staff)


def pin_state(db: sqlite_utils.Database, staff_id: str, at_ms: int | None = None) -> PinStateDoc:
    """{"failures", "retry_after_s"} of a staff id (for screens and `edge doctor`)."""
    now = at_ms if at_ms is not None else now_ms()
    row = db.execute("SELECT failures FROM pin_failures WHERE staff_id = ?", [staff_id]).fetchone()
    return {"failures": row[0] if row else 0, "retry_after_s": _remaining_lock_s(db, staff_id, now)}


def record_action(db: sqlite_utils.Database, staff: Staff, action: str, target: str, detail: dict[str, Any],
                  at_ms: int, approved_by: Staff | None = None) -> int:
    """Who did what (inside the transaction of the change). Returns the record's id."""
    cursor = db.execute(
        "INSERT INTO staff_actions (at_ms, staff_id, staff_name, role, action, target, approved_by, detail)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [at_ms, staff.staff_id, staff.name, staff.role, action, target,
         approved_by.staff_id if approved_by else None, json.dumps(detail, ensure_ascii=False, sort_keys=True)])
    assert cursor.lastrowid is not None  # an INSERT into a rowid table always has one
    return cursor.lastrowid


def actions(db: sqlite_utils.Database, target: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
    sql = "SELECT * FROM staff_actions" + (" WHERE target = ?" if target else "") + " ORDER BY id DESC LIMIT ?"
    rows = db.query(sql, [target, limit] if target else [limit])
    return [{**r, "detail": json.loads(r["detail"])} for r in rows]


def check_staff_pin(ledger: Ledger, staff_id: str, pin: str, *, roles: tuple[str, ...] | None = None) -> PinCheck:
    """`check_pin` on a Ledger's connection, its write lock held around each database step."""
    return check_pin(ledger.database(), staff_id, pin, roles=roles, lock=ledger.write_lock)
