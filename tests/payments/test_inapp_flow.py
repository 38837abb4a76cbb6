"""A phone pays a bill in-app, on SQLite and PostgreSQL, over real HTTP to the sandbox providers
and the upstream: start → the provider's page → 确认付款 → the provider's notify → succeeded →
the settle callback once; the same open bill answers the same attempt; UnionPay is refused."""

from __future__ import annotations

import pytest

from tests.support import wait_for
from tests.payments.inapp_world import notify_world, open_page, press, world  # noqa: F401
from upstream.errors import ApiError


@pytest.mark.parametrize("channel", ["alipay", "wechat"])
def test_pay_on_the_providers_page_settles_once(notify_world, channel):
    world = notify_world
    started = world.start("round-1", 2800, channel)
    assert started["state"] == "querying" and not started["final"] and started["pay_url"]
    again = world.start("round-1", 2800, channel)
    assert again["attempt_id"] == started["attempt_id"] and again["pay_url"] == started["pay_url"]
    attempt_id = started["attempt_id"]
    html, _, _ = open_page(started["pay_url"])
    assert "确认付款" in html and "取消" in html and "¥28.00" in html and "width=device-width" in html
    answer = press(started["pay_url"])
    assert answer.status_code == 302 and answer.headers["Location"].startswith(world.url + "/v1/health?paid=1")
    row = world.wait_state(attempt_id, "succeeded")
    world.wait_settled(attempt_id)
    assert row["paid_amount"] == 2800 and row["provider_trade_no"] and row["notified_ms"]
    assert world.settled == [attempt_id]
    assert world.sandboxes.ledger.charged(attempt_id) == 2800
    # the sandbox notes its notify once our answer reached it, which can be after the settle
    notices = wait_for(lambda: [n for n in world.sandboxes.ledger.notices if n["out_trade_no"] == attempt_id],
                       timeout=30, what="the provider's notify noted")
    assert notices[0]["ok"]  # the upstream answered the provider's success text
    # settled: the bill is free again (open_order released) and the attempt is answered as paid
    assert world.row(attempt_id)["open_order"] is None
    assert world.sandboxes.ledger.calls.count(("confirm", attempt_id)) == 1


def test_a_second_start_while_open_is_the_same_attempt_and_a_new_channel_replaces_it(world):
    first = world.start("session:abc", 4500, "alipay")
    assert world.start("session:abc", 4500, "alipay")["attempt_id"] == first["attempt_id"]
    other = world.start("session:abc", 4500, "wechat")  # the customer went back and chose WeChat Pay
    assert other["attempt_id"] != first["attempt_id"]
    old = world.wait_state(first["attempt_id"], "closed")
    assert old["open_order"] is None and old["reason"] == "cancelled"
    open_rows = world.db.query("SELECT attempt_id FROM gateway_attempts WHERE store_id = 's1' AND open_order = ?",
                               ["session:abc"])
    assert [r["attempt_id"] for r in open_rows] == [other["attempt_id"]]
    press(other["pay_url"])
    world.wait_settled(other["attempt_id"])
    assert world.settled == [other["attempt_id"]]


def test_cancel_on_the_page_takes_nothing_and_the_same_order_can_still_be_paid(world):
    started = world.start("round-7", 1200, "wechat")
    back = press(started["pay_url"], "cancel")
    assert back.status_code == 302 and back.headers["Location"].startswith(world.url)
    assert world.row(started["attempt_id"])["state"] == "querying"
    assert world.sandboxes.ledger.charged(started["attempt_id"]) == 0
    again = world.start("round-7", 1200, "wechat")
    assert again["attempt_id"] == started["attempt_id"]
    press(again["pay_url"])
    world.wait_settled(started["attempt_id"])
    assert world.sandboxes.ledger.charged(started["attempt_id"]) == 1200 and world.settled == [started["attempt_id"]]


def test_unionpay_and_bad_input_are_refused_clearly(world):
    with pytest.raises(ApiError) as refused:
        world.start("round-2", 1000, "unionpay")
    assert refused.value.status == 409 and refused.value.code == "channel_not_inapp"
    for kw, field in ((dict(bill_ref="a b"), "bill_ref"), (dict(amount=0), "amount"),
                      (dict(channel="paypal"), "channel"),
                      (dict(return_url="javascript:alert(1)"), "return_url")):
        args = {"bill_ref": "round-3", "amount": 1000, "channel": "alipay", **kw}
        with pytest.raises(ApiError) as bad:
            world.start(args["bill_ref"], args["amount"], args["channel"],
                        **({"return_url": kw["return_url"]} if "return_url" in kw else {}))
        assert bad.value.status == 422 and bad.value.field == field
    assert world.db.scalar("SELECT count(*) FROM gateway_attempts") == 0
