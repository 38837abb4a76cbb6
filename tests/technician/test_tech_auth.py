"""Technician PIN: set once per device, lockout with a growing delay that survives a restart,
per-store technician PINs from upstream, sessions that expire."""

from __future__ import annotations

import threading

import pytest

from edge.ledger.db import connect
from edge.ledger.migrations import migrate
from edge.ledger.steps import Ledger
from edge.protocol.pins import hash_pin
from edge.technician.auth import PinRefused, TechnicianAuth, check_new_pin

PIN = "305917"


class Clock:
    def __init__(self) -> None:
        self.t = 1_750_000_000.0

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def db(tmp_path):
    database = connect(tmp_path / "edge.sqlite")
    migrate(database)
    yield database
    database.close()


def make(db, clock, **kw) -> TechnicianAuth:
    return TechnicianAuth(Ledger(db, threading.Lock(), lambda *_: None), clock=clock, monotonic=clock, **kw)


@pytest.mark.parametrize("pin", ["12345", "1234567890123", "111111", "123456", "987654", "12a456", "١٢٣٤٥٦"])
def test_weak_or_malformed_pins_are_refused(pin):
    with pytest.raises(PinRefused):
        check_new_pin(pin)


def test_wrong_pins_lock_with_a_growing_delay_that_survives_a_restart(db):
    clock = Clock()
    auth = make(db, clock)
    auth.set_pin(PIN)
    lefts = [auth.login("000001").tries_left for _ in range(4)]
    assert lefts == [4, 3, 2, 1]
    fifth = auth.login("000002")
    assert not fifth.ok and fifth.retry_after_s == 30
    assert auth.login(PIN).retry_after_s == 30  # locked: even the right PIN is not looked at
    auth = make(db, clock)  # the core restarts: still locked
    clock.t += 29
    assert not auth.login(PIN).ok
    clock.t += 1.5
    assert auth.login("000003").retry_after_s == 60  # the sixth wrong PIN doubles the delay
    clock.t += 61
    assert auth.login("000004").retry_after_s == 120
    clock.t += 121
    result = auth.login(PIN)
    assert result.ok and result.session and auth.valid(result.session)
    assert auth.login("000005").tries_left == 4  # the right PIN reset the counter


def test_store_technician_pins_from_upstream_open_the_device_but_cashier_pins_do_not(db):
    auth = make(db, Clock())
    assert not auth.pin_set()
    with db.atomic():
        db.execute("INSERT INTO staff_pins VALUES ('t1', 'Wang', 'technician', ?)", [hash_pin("482913")])
        db.execute("INSERT INTO staff_pins VALUES ('c1', 'Li', 'cashier', ?)", [hash_pin("771903")])
    assert auth.pin_set()
    assert auth.login("482913").ok
    assert not auth.login("771903").ok


def test_sessions_expire_after_idle_time_and_on_logout(db):
    clock = Clock()
    auth = make(db, clock, session_s=60)
    token = auth.set_pin(PIN)
    clock.t += 50
    assert auth.valid(token)  # use restarts the idle timer
    clock.t += 50
    assert auth.valid(token)
    clock.t += 61
    assert not auth.valid(token)
    again = auth.login(PIN).session
    auth.logout(again)
    assert not auth.valid(again) and not auth.valid(None) and not auth.valid("forged")
