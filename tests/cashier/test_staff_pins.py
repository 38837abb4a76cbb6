"""Staff PINs: scrypt hashes from upstream, lockout with a growing delay after 5 wrong PINs that a
restart does not reset, roles, and the login API that cashier screens use."""

from __future__ import annotations

import threading

from edge.ledger.staff import BASE_LOCK_S, MAX_LOCK_S, check_pin, lock_seconds, pin_state
from tests.cashier.helpers import CASHIER, MANAGER, open_service

T0 = 1_800_000_000_000


def test_the_delay_grows_after_five_failures_and_is_capped():
    assert [lock_seconds(n) for n in range(1, 9)] == [0, 0, 0, 0, BASE_LOCK_S, 2 * BASE_LOCK_S, 4 * BASE_LOCK_S,
                                                      8 * BASE_LOCK_S]
    assert lock_seconds(1000) == MAX_LOCK_S


def test_lockout_survives_a_restart_and_a_right_pin_clears_it(tmp_path):
    service = open_service(tmp_path / "d", start=False)
    db = service.db
    for n in range(1, 5):
        result = check_pin(db, "c1", "0000", at_ms=T0 + n)
        assert (result.ok, result.reason, result.attempts_left) == (False, "bad_pin", 5 - n)
    fifth = check_pin(db, "c1", "1111", at_ms=T0 + 5)
    assert (fifth.reason, fifth.retry_after_s) == ("locked", BASE_LOCK_S)
    # locked: even the right PIN is refused, without counting
    assert check_pin(db, "c1", CASHIER[3], at_ms=T0 + 1000).reason == "locked"
    service.close()

    service = open_service(tmp_path / "d", start=False)  # the core restarted
    db = service.db
    assert pin_state(db, "c1", T0 + 5 + 1000)["retry_after_s"] == BASE_LOCK_S - 1
    assert check_pin(db, "c1", CASHIER[3], at_ms=T0 + 10_000).reason == "locked"
    after = T0 + 5 + BASE_LOCK_S * 1000
    sixth = check_pin(db, "c1", "2222", at_ms=after)
    assert (sixth.reason, sixth.retry_after_s, sixth.failures) == ("locked", 2 * BASE_LOCK_S, 6)
    later = after + 2 * BASE_LOCK_S * 1000
    good = check_pin(db, "c1", CASHIER[3], at_ms=later)
    assert good.ok and good.staff.name == "王收银"
    assert pin_state(db, "c1", later) == {"failures": 0, "retry_after_s": 0}
    service.close()


def test_a_lock_set_by_a_clock_far_ahead_counts_as_the_cap(tmp_path):
    service = open_service(tmp_path / "d", start=False)
    with service.db.atomic():
        service.db.execute("INSERT INTO pin_failures (staff_id, failures, locked_until_ms) VALUES ('c1', 9, ?)",
                           [T0 + 10 * 24 * 3600 * 1000])
    assert check_pin(service.db, "c1", CASHIER[3], at_ms=T0).retry_after_s == MAX_LOCK_S
    service.close()


def test_concurrent_wrong_pins_are_all_counted(tmp_path):
    service = open_service(tmp_path / "d", start=False)
    lock = threading.Lock()
    threads = [threading.Thread(target=check_pin, args=(service.db, "m1", "0000"), kwargs={"lock": lock})
               for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert pin_state(service.db, "m1")["failures"] == 4
    service.close()


def test_roles_unknown_staff_and_pin_shapes(tmp_path):
    service = open_service(tmp_path / "d", start=False)
    db = service.db
    assert check_pin(db, "c1", CASHIER[3], roles=("manager",)).reason == "not_allowed"
    assert check_pin(db, "m1", MANAGER[3], roles=("manager",)).ok
    assert check_pin(db, "nobody", "1234").reason == "unknown_staff"
    assert check_pin(db, "c1", "12a4").reason == "bad_pin"
    assert check_pin(db, "c1", "１２３４").reason == "bad_pin"  # full-width digits are not the PIN
    service.close()


def test_login_api_locks_after_five_wrong_pins(served):
    core = served()
    api = core.api
    for n in range(4):
        answer = api.call("POST", "/v1/cashier/login", {"staff_id": "c1", "pin": "0000"})
        assert answer.status_code == 401 and answer.json()["error"]["attempts_left"] == 4 - n
    answer = api.call("POST", "/v1/cashier/login", {"staff_id": "c1", "pin": "0000"})
    assert answer.status_code == 423 and answer.json()["error"]["retry_after_s"] == BASE_LOCK_S
    answer = api.call("POST", "/v1/cashier/login", {"staff_id": "c1", "pin": CASHIER[3]})
    assert answer.status_code == 423, "the right PIN is refused while locked"
    assert api.call("POST", "/v1/cashier/orders/x/void", {}).status_code == 401  # no session: no action
    session = api.login(MANAGER)  # other staff ids are not locked
    assert api.call("GET", "/v1/cashier/session", session=session).json()["staff"]["role"] == "manager"
    api.call("POST", "/v1/cashier/logout", session=session)
    assert api.call("GET", "/v1/cashier/session", session=session).status_code == 401


def test_a_guess_waits_for_the_one_in_flight_and_is_refused_busy_if_it_takes_too_long(tmp_path, monkeypatch):
    from edge.ledger import staff

    service = open_service(tmp_path / "d", start=False)
    monkeypatch.setattr(staff, "BUSY_WAIT_S", 0.2)
    guesses = staff.OneGuessAtATime()
    with guesses.turn(("staff", "c1")):  # a check of c1's PIN is in flight
        busy = check_pin(service.db, "c1", CASHIER[3], guesses=guesses)
        other = check_pin(service.db, "m1", MANAGER[3], guesses=guesses)  # other ids are not held up
    assert (busy.ok, busy.reason, busy.retry_after_s) == (False, "busy", 1)
    assert pin_state(service.db, "c1")["failures"] == 0, "a refused guess is not counted"
    assert other.ok
    assert check_pin(service.db, "c1", CASHIER[3], guesses=guesses).ok  # the turn was given back
    service.close()


def test_a_guess_is_counted_before_its_pin_is_checked(tmp_path, monkeypatch):
    from edge.ledger import staff

    service = open_service(tmp_path / "d", start=False)
    seen = []
    real = staff.pins.verify_pin
    monkeypatch.setattr(staff.pins, "verify_pin",
                        lambda pin, stored: seen.append(pin_state(service.db, "c1")["failures"]) or real(pin, stored))
    assert check_pin(service.db, "c1", CASHIER[3]).ok
    assert seen == [1], "while the hash is checked, the guess already counts"
    assert pin_state(service.db, "c1")["failures"] == 0, "a right PIN clears the counter"
    service.close()
