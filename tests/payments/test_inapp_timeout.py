"""An in-app payment nobody finishes: at its deadline (the provider order's time_expire + grace)
the gateway queries it once more and closes it at the provider, the bill is free again and a new
attempt pays it; the old page can no longer take money. SQLite and PostgreSQL, real HTTP."""

from __future__ import annotations

import time

import pytest
import requests

from tests.payments.inapp_world import open_page, press, quick_world  # noqa: F401


@pytest.mark.parametrize("channel", ["alipay", "wechat"])
def test_an_unpaid_attempt_is_closed_at_its_deadline_and_the_bill_can_be_paid_again(quick_world, channel):
    world = quick_world
    started = world.start("round-9", 2200, channel)
    attempt_id = started["attempt_id"]
    _, action, token = open_page(started["pay_url"])  # the customer looks at the page and walks away
    row = world.wait_state(attempt_id, "closed", timeout=30)
    # the provider closes it at its time_expire (whole seconds, rounded down), the query finds it closed
    assert row["reason"] == "timed_out" and row["open_order"] is None and row["final_ms"] >= row["expire_ms"] - 1000
    calls = world.sandboxes.ledger.calls
    assert ("query", attempt_id) in calls  # queried before it was given up
    # the page can no longer take money
    late = requests.post(action, data={"token": token, "choice": "pay"}, allow_redirects=False, timeout=10)
    assert "交易已关闭" in late.text
    assert world.sandboxes.ledger.charged(attempt_id) == 0 and world.settled == []
    fresh = world.start("round-9", 2200, channel)
    assert fresh["attempt_id"] != attempt_id and fresh["state"] == "querying"
    press(fresh["pay_url"])
    world.wait_settled(fresh["attempt_id"])
    assert world.settled == [fresh["attempt_id"]]
    assert world.sandboxes.ledger.charged(fresh["attempt_id"]) == 2200


def test_a_page_never_opened_is_closed_at_the_provider_after_its_deadline(quick_world):
    """Alipay opens the order only when the phone opens the page: the query finds no trade, the
    close at the deadline answers ACQ.TRADE_NOT_EXIST, and past its time_expire it can never be paid."""
    world = quick_world
    started = world.start("session:t1", 900, "alipay")
    attempt_id = started["attempt_id"]
    row = world.wait_state(attempt_id, "closed", timeout=30)
    assert row["reason"] == "timed_out" and row["final_ms"] >= row["deadline_ms"]
    assert ("close", attempt_id) in world.sandboxes.ledger.calls
    late = requests.get(started["pay_url"], timeout=10)
    assert "交易已关闭" in late.text and "确认付款" not in late.text
    assert world.sandboxes.ledger.charged(attempt_id) == 0
    log = [r["action"] for r in world.db.query("SELECT action FROM gateway_log WHERE attempt_id = ? ORDER BY id",
                                               [attempt_id])]
    assert log[:2] == ["prepay", "prepay"] and "query" in log and log[-1] == "cancel"


def test_paid_just_before_the_deadline_is_kept(quick_world):
    world = quick_world
    started = world.start("round-10", 4100, "wechat")
    time.sleep(1.0)
    press(started["pay_url"])
    world.wait_settled(started["attempt_id"])
    time.sleep(4.0)  # past the deadline: nothing closes or refunds a settled payment
    row = world.row(started["attempt_id"])
    assert row["state"] == "succeeded" and world.sandboxes.ledger.charged(started["attempt_id"]) == 4100
    assert ("close", started["attempt_id"]) not in world.sandboxes.ledger.calls
