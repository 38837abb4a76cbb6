"""Technician PIN: set on the device at provisioning, checked offline, locked out with growing delay.

Decision (docs/technician.md): no challenge–response and never a fleet-wide PIN. A technician
proves themselves with either
- the device's own technician PIN (6-12 digits), chosen on the screen as the first provisioning
  step (before enrollment) or with `edge technician set-pin` over SSH; stored as an scrypt hash
  (edge.protocol.pins) with a per-device salt in `device_state`; or
- a per-store technician PIN from upstream (`edge-upstream staff set --role technician`), synced
  as an scrypt hash into `staff_pins` like the cashiers' PINs: it opens only that store's devices.

Five wrong PINs in a row lock the technician login for 30 s, and every further wrong PIN doubles
the delay (60 s, 2 min, … at most 1 h). While locked no PIN is even checked. Each guess is counted
before its PIN is checked (one step reads the lock and counts it; the scrypt check runs after,
outside the lock; a right PIN then clears the counter), and one guess at a time is checked per
device (others wait for it, as the staff PINs do: edge/ledger/staff.py), so a burst of concurrent
guesses checks at most five. The counter lives
in the database, so restarting the core does not reset it; a right PIN (or `edge technician
set-pin` over SSH) does. A successful login gives a random session token (held in the core's
memory only) that expires after `[technician] session_minutes` without use.

The delays are the cashier PINs' (edge/ledger/staff.py `lock_seconds`); that module keys PINs and
lockouts by staff id, the device PIN has none, so its counter is kept here.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from edge.ledger.staff import FREE_FAILURES as FREE_TRIES
from edge.ledger.staff import GUESSES, MAX_LOCK_S, lock_seconds
from edge.ledger.steps import Ledger
from edge.protocol import pins
from edge.protocol.pins import hash_pin

MAX_SESSIONS = 8
KEY_HASH, KEY_FAILURES, KEY_LOCKED = "technician_pin_hash", "technician_failures", "technician_locked_until_ms"


class PinRefused(ValueError):
    """A PIN that may not be used as a technician PIN."""


def check_new_pin(pin: str) -> None:
    if not (isinstance(pin, str) and pin.isdigit() and pin.isascii() and 6 <= len(pin) <= 12):
        raise PinRefused("a technician PIN is 6-12 digits")
    steps = {int(b) - int(a) for a, b in zip(pin, pin[1:], strict=False)}
    if len(set(pin)) == 1 or steps in ({1}, {-1}):
        raise PinRefused("too easy to guess (one digit repeated, or a run like 123456): choose another")


@dataclass(frozen=True)
class Login:
    ok: bool
    session: str | None = None
    tries_left: int = 0  # before the next lock
    retry_after_s: int = 0  # > 0: locked, try again after this long
    busy: bool = False  # another guess was being checked for too long: this one was not looked at


def _get(db, key: str) -> str | None:
    row = db.execute("SELECT value FROM device_state WHERE key = ?", [key]).fetchone()
    return row[0] if row else None


def _put(db, key: str, value: str | None) -> None:
    db.execute("INSERT INTO device_state (key, value) VALUES (?, ?)"
               " ON CONFLICT (key) DO UPDATE SET value = excluded.value", [key, value])


def set_pin(db, pin: str) -> None:
    """Store a new technician PIN (and clear any lockout). `db`: a sqlite-utils Database."""
    check_new_pin(pin)
    with db.atomic():
        _put(db, KEY_HASH, hash_pin(pin))
        _put(db, KEY_FAILURES, "0")
        _put(db, KEY_LOCKED, "0")


def pin_is_set(db) -> bool:
    return bool(_get(db, KEY_HASH))


class TechnicianAuth:
    """The core's technician login: PIN check with lockout, and the sessions it hands out."""

    def __init__(self, ledger: Ledger, session_s: float = 900, clock: Callable[[], float] = time.time,
                 monotonic: Callable[[], float] = time.monotonic):
        self.ledger, self.session_s = ledger, session_s
        self.clock, self.monotonic = clock, monotonic
        self._sessions: dict[str, float] = {}  # token -> monotonic expiry
        self._lock = threading.Lock()

    def pin_set(self) -> bool:
        with self.ledger.reading() as db:
            return pin_is_set(db) or bool(self._store_hashes(db))

    @staticmethod
    def _store_hashes(db) -> list[str]:
        return [r[0] for r in db.execute("SELECT pin_hash FROM staff_pins WHERE role = 'technician'")]

    def locked_for_s(self) -> int:
        with self.ledger.reading() as db:
            until = int(_get(db, KEY_LOCKED) or 0)
        return max(0, -(-min(until - int(self.clock() * 1000), MAX_LOCK_S * 1000) // 1000))

    def set_pin(self, pin: str) -> str:
        """Set the device PIN; returns a new session (the one who set it is logged in)."""
        with self.ledger.reading() as db:
            set_pin(db, pin)
        return self._new_session()

    def login(self, pin: str) -> Login:
        with GUESSES.turn(("technician",)) as mine:
            if not mine:
                return Login(False, retry_after_s=1, busy=True)
            now_ms = int(self.clock() * 1000)
            with self.ledger.step() as db:  # read the lock and count this guess, in one step
                until = int(_get(db, KEY_LOCKED) or 0)
                if until > now_ms:  # a lock further away than the cap: the clock was turned back
                    return Login(False, retry_after_s=-(-min(until - now_ms, MAX_LOCK_S * 1000) // 1000))
                hashes = [h for h in [_get(db, KEY_HASH), *self._store_hashes(db)] if h]
                failures = int(_get(db, KEY_FAILURES) or 0) + 1
                delay = lock_seconds(failures)
                _put(db, KEY_FAILURES, str(failures))
                _put(db, KEY_LOCKED, str(now_ms + delay * 1000 if delay else 0))
            good = (isinstance(pin, str) and pin.isdigit() and len(pin) <= 12
                    and any(pins.verify_pin(pin, h) for h in hashes))
            if good:
                with self.ledger.step() as db:
                    _put(db, KEY_FAILURES, "0")
                    _put(db, KEY_LOCKED, "0")
        if good:
            return Login(True, session=self._new_session())
        return Login(False, tries_left=max(0, FREE_TRIES - failures), retry_after_s=delay)

    # -- sessions --------------------------------------------------------------------------------
    def _new_session(self) -> str:
        token = secrets.token_urlsafe(32)
        with self._lock:
            now = self.monotonic()
            self._sessions = {t: e for t, e in self._sessions.items() if e > now}
            while len(self._sessions) >= MAX_SESSIONS:
                self._sessions.pop(min(self._sessions, key=self._sessions.get))
            self._sessions[token] = now + self.session_s
        return token

    def valid(self, token: str | None) -> bool:
        """True for a live session (and its idle timer starts again)."""
        if not token:
            return False
        with self._lock:
            now = self.monotonic()
            for known, expiry in list(self._sessions.items()):
                if secrets.compare_digest(known, token):
                    if expiry <= now:
                        del self._sessions[known]
                        return False
                    self._sessions[known] = now + self.session_s
                    return True
        return False

    def logout(self, token: str | None) -> None:
        with self._lock:
            self._sessions.pop(token or "", None)
