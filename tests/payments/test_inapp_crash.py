"""A crash of the upstream around an in-app prepay: the attempt was committed before the provider
was asked, so after the restart the same bill finds the same attempt, the prepay is asked again
(the same arguments: the same order at the provider) and the payment settles once; an attempt
nobody comes back for is closed at its deadline by the restarted gateway. Also: phones starting
the same bill at once make ONE attempt (the database's UNIQUE key)."""

from __future__ import annotations

import threading

import pytest

from edge.protocol.failpoints import Crashed
from tests.payments.helpers import Crash, fast_timings, start_upstream
from tests.payments.inapp_world import INAPP, SLOW, make_world, press, world  # noqa: F401
from tests.support import wait_for


def restart(world, db, timings) -> None:
    """kill -9 of the upstream (its gateway was killed at the crash point), a new one on its port."""
    port = world.up.server.port
    world.up.server.stop(kill=True)
    world.up = start_upstream(db, world.sandboxes, fast_timings(**timings), port=port, prepare=False)


def crashing_world(db, timings: dict, point: str):
    crash, holder = Crash(point), []

    def kill_there(name: str) -> None:
        if name == crash.point and not crash.fired.is_set():
            holder[0].up.gateway.kill()
        crash(name)

    made, stop = make_world(db, timings, failpoint=kill_there)
    holder.append(made)
    return made, stop, crash


@pytest.mark.parametrize("channel", ["alipay", "wechat"])
def test_a_crash_after_the_prepay_finds_the_same_attempt_and_pays_once(upstream_db, channel):
    world, stop, crash = crashing_world(upstream_db, SLOW, "gw.after_prepay")
    try:
        with pytest.raises(Crashed):
            world.start("round-c", 2600, channel)
        assert crash.fired.is_set()
        (row,) = upstream_db.query("SELECT * FROM gateway_attempts")
        assert row["state"] == "paying" and row["pay_url"] is None and row["open_order"] == "round-c"
        restart(world, upstream_db, SLOW)
        again = world.start("round-c", 2600, channel)
        assert again["attempt_id"] == row["attempt_id"] and again["pay_url"]
        press(again["pay_url"])
        world.wait_settled(row["attempt_id"])
        assert world.settled == [row["attempt_id"]]
        assert world.sandboxes.ledger.charged(row["attempt_id"]) == 2600
        assert upstream_db.scalar("SELECT count(*) FROM gateway_attempts") == 1
    finally:
        stop()


def test_an_attempt_left_by_a_crash_is_closed_at_its_deadline(upstream_db):
    world, stop, crash = crashing_world(upstream_db, dict(INAPP, lease_s=1.0), "gw.after_prepay")
    try:
        with pytest.raises(Crashed):
            world.start("round-d", 900, "wechat")
        (row,) = upstream_db.query("SELECT * FROM gateway_attempts")
        restart(world, upstream_db, dict(INAPP, lease_s=1.0))
        closed = world.wait_state(row["attempt_id"], "closed", timeout=30)
        assert closed["reason"] == "timed_out" and closed["open_order"] is None
        assert world.sandboxes.ledger.charged(row["attempt_id"]) == 0
        fresh = world.start("round-d", 900, "wechat")
        assert fresh["attempt_id"] != row["attempt_id"] and fresh["pay_url"]
    finally:
        stop()


def test_phones_starting_the_same_bill_at_once_make_one_attempt(world):
    answers, errors = [], []

    def tap():
        try:
            answers.append(world.start("session:same", 7700, "wechat")["attempt_id"])
        except Exception as exc:  # noqa: BLE001 - collected for the assertion
            errors.append(exc)

    threads = [threading.Thread(target=tap) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == [] and len(answers) == 8 and len(set(answers)) == 1
    assert world.db.scalar("SELECT count(*) FROM gateway_attempts") == 1
    wait_for(lambda: world.row(answers[0])["state"] == "querying", 10, what="the attempt waits for the guest")
