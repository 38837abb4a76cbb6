"""Paying a table on the phone through the sandbox providers, on SQLite and PostgreSQL, over real
HTTP: 先付后吃 (a round waits for its payment, then becomes ONE prepaid command and goes `sent`)
and 先吃后付 (the table's bill: all rounds, less what was paid, then shows paid), the receipts in
the state body, a repeated notify changes nothing, a table cleared while its guest pays gets the
money back."""

from __future__ import annotations

import pytest
import requests

from tests.payments.inapp_world import SLOW, make_world, open_page, press
from tests.support import wait_for
from tests.sync.fixtures import raw_device
from tests.tables.helpers import add, commands, phone, state, submit
from upstream import table_sessions
from upstream.errors import now_ms


@pytest.fixture
def world(upstream_db):
    made, stop = make_world(upstream_db, SLOW)
    made.device = raw_device(made.up, role="cashier")  # the store's printing device
    yield made
    stop()


def pay(guest, path: str, channel: str) -> requests.Response:
    return guest.post(f"{guest.base}{path}", json={"channel": channel}, timeout=30)


@pytest.mark.parametrize("channel", ["wechat", "alipay"])
def test_pay_first_round_is_sent_once_after_the_phone_pays(world, channel):
    table_sessions.set_table_settings(world.db, "s1", mode="pay_first")
    guest = phone(world.up)
    add(guest, "har_gow", 2)
    assert submit(guest).status_code == 201
    (rnd,) = state(guest)["rounds"]
    assert rnd["state"] == "awaiting_payment" and rnd["total"] == 5600
    assert commands(world.device) == [], "nothing reaches the kitchen before the payment"
    answer = pay(guest, "/v1/table/rounds/1/pay", channel)
    assert answer.status_code == 200, answer.text
    started = answer.json()
    assert started["amount"] == 5600 and started["pay_url"] and started["attempt_id"]
    again = pay(guest, "/v1/table/rounds/1/pay", channel).json()  # a double tap: the same payment
    assert again["attempt_id"] == started["attempt_id"]
    back = press(started["pay_url"])
    assert back.status_code == 302 and back.headers["Location"].startswith(world.url + "/t/s1/12?k=")
    world.wait_settled(started["attempt_id"])
    sent = commands(world.device)
    assert len(sent) == 1
    payload = sent[0]["payload"]
    assert payload["payment"] == "prepaid" and payload["table_session"]["round"] == 1
    assert payload["prepaid"] == {"attempt_id": started["attempt_id"], "channel": channel, "amount": 5600}
    body = state(guest)
    assert body["rounds"][0]["state"] == "sent" and body["rounds"][0]["payment"] == "prepaid"
    (receipt,) = body["bill"]["payments"]
    assert receipt["state"] == "paid" and receipt["round"] == 1 and receipt["amount"] == 5600
    assert receipt["channel"] == channel and receipt["provider_trade_no"] and receipt["paid_ms"]
    assert body["bill"]["paid"] == 5600 and body["bill"]["due"] == 0
    # the provider sends its notify again: nothing more is sent
    (notice,) = wait_for(lambda: [n for n in world.sandboxes.ledger.notices
                                  if n["out_trade_no"] == started["attempt_id"]], timeout=30,
                         what="the provider's notify noted")  # noted once our answer reached it
    requests.post(f"{world.url}/v1/pay-notify/{channel}", data=notice["body"],
                  headers={"Content-Type": notice["content_type"]}, timeout=10)
    assert len(commands(world.device)) == 1 and world.settled == [started["attempt_id"]]
    paid_again = pay(guest, "/v1/table/rounds/1/pay", channel)
    assert paid_again.status_code == 409 and paid_again.json()["error"]["code"] == "round_paid"
    assert world.sandboxes.ledger.charged(started["attempt_id"]) == 5600


def test_pay_after_bill_is_paid_on_the_phone(world):
    guest = phone(world.up)
    add(guest, "har_gow", 1)
    submit(guest)
    add(guest, "siu_mai", 1)
    submit(guest)
    assert len(commands(world.device)) == 2, "先吃后付: the rounds print at once"
    bill = state(guest)["bill"]
    assert bill["due"] == bill["total"] > 0 and bill["payments"] == []
    answer = pay(guest, "/v1/table/bill/pay", "alipay")
    assert answer.status_code == 200, answer.text
    started = answer.json()
    assert started["amount"] == bill["due"]
    assert state(guest)["bill"]["state"] == "paying"
    press(started["pay_url"])
    world.wait_settled(started["attempt_id"])
    body = state(guest)
    assert body["bill"]["state"] == "paid" and body["bill"]["due"] == 0 and body["bill"]["paid"] == bill["total"]
    (receipt,) = body["bill"]["payments"]
    assert receipt["round"] is None and receipt["state"] == "paid" and receipt["amount"] == bill["total"]
    row = world.db.one("SELECT * FROM table_payments WHERE payment_id = ?", [started["attempt_id"]])
    assert row["source"] == "phone" and row["method"] == "alipay" and row["amount"] == bill["total"]
    nothing = pay(guest, "/v1/table/bill/pay", "alipay")
    assert nothing.status_code == 409 and nothing.json()["error"]["code"] == "nothing_due"
    # a third round after paying: only it is due, and it can be paid again
    add(guest, "har_gow", 1)
    submit(guest)
    due = state(guest)["bill"]["due"]
    assert due == 2800
    second = pay(guest, "/v1/table/bill/pay", "wechat").json()
    assert second["attempt_id"] != started["attempt_id"] and second["amount"] == 2800
    press(second["pay_url"])
    world.wait_settled(second["attempt_id"])
    assert state(guest)["bill"]["state"] == "paid"
    assert world.sandboxes.ledger.total_charged() == bill["total"] + 2800


def test_a_table_cleared_while_its_guest_pays_gives_the_money_back(world):
    table_sessions.set_table_settings(world.db, "s1", mode="pay_first")
    guest = phone(world.up)
    add(guest, "har_gow", 1)
    submit(guest)
    started = pay(guest, "/v1/table/rounds/1/pay", "wechat").json()
    _, action, token = open_page(started["pay_url"])
    session_id = state(guest)["session"]["id"]
    table_sessions.close_session(world.db, "s1", session_id, "test", now_ms(), due=0)  # 清台: the round is cancelled
    requests.post(action, data={"token": token, "choice": "pay"}, allow_redirects=False, timeout=10)
    world.wait_state(started["attempt_id"], "refunded")
    assert world.sandboxes.ledger.charged(started["attempt_id"]) == 0, "one net charge: none"
    assert commands(world.device) == []
    assert world.db.scalar("SELECT state FROM table_rounds") == "cancelled"


def test_paying_needs_a_table_a_round_and_a_channel(world):
    table_sessions.set_table_settings(world.db, "s1", mode="pay_first")
    guest = phone(world.up)
    missing = pay(guest, "/v1/table/rounds/3/pay", "wechat")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "no_such_round"
    add(guest, "har_gow", 1)
    submit(guest)
    union = pay(guest, "/v1/table/rounds/1/pay", "unionpay")
    assert union.status_code == 409 and union.json()["error"]["code"] == "channel_not_inapp"
    bad = guest.post(f"{guest.base}/v1/table/rounds/1/pay", json=["wechat"], timeout=10)
    assert bad.status_code == 422
    stranger = requests.post(f"{world.url}/v1/table/rounds/1/pay", json={"channel": "wechat"}, timeout=10)
    assert stranger.status_code == 401 and stranger.json()["error"]["code"] == "no_table_session"
    assert world.db.scalar("SELECT count(*) FROM gateway_attempts") == 0
