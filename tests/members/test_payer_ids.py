"""Payer ids through the gateway, on SQLite and PostgreSQL, over real HTTP to the sandbox
providers: a settled Alipay or WeChat Pay attempt carries the payer id the provider named (in its
real wire field), UnionPay none; the same customer paying twice with two codes is one member with
two visits; a refund takes spend and points back; the payer id is never in a log, the gateway's
history or the device's view of the attempt."""

from __future__ import annotations

import json
import logging
import random
import re

import pytest

from edge.orders import new_id
from tests.payments.helpers import MADE_CODES, fast_timings, start_upstream
from tests.support import wait_for
from tests.sync.fixtures import raw_device, signed

PREFIX = {"alipay": "28", "wechat": "13", "unionpay": "62"}
LENGTH = {"alipay": 18, "wechat": 18, "unionpay": 19}
_rng = random.Random(20261205)


def code_of(channel: str, customer: str, scenario: str = "00") -> str:
    """A one-time code of the channel's shape; for Alipay and WeChat, digits 3-8 name the sandbox customer."""
    rest = LENGTH[channel] - 2 - 6 - 2
    code = PREFIX[channel] + customer + "".join(_rng.choice("0123456789") for _ in range(rest)) + scenario
    MADE_CODES.append(code)
    return code


@pytest.fixture
def up(upstream_db, sandboxes):
    # a busy machine can take seconds to query: deadlines far past any query's answer
    server = start_upstream(upstream_db, sandboxes, fast_timings(
        lease_s=10.0, provider_connect_s=5.0, provider_timeout_s=10.0, query_interval_s=0.2,
        deadline_s={"alipay": 60.0, "wechat": 60.0, "unionpay": 60.0}))
    yield server
    server.server.stop()
    server.gateway.stop()


def pay(client, channel: str, code: str, amount: int = 2800) -> tuple[str, dict]:
    attempt = new_id()
    body = json.dumps({"order_id": new_id(), "out_trade_no": attempt, "amount": amount, "channel": channel,
                       "code": code}).encode()
    answer = signed(client, "PUT", f"/v1/payment-attempts/{attempt}", body)
    assert answer.status_code == 201, answer.text
    return attempt, answer.json()


def settled(db, attempt: str) -> dict:
    wait_for(lambda: db.one("SELECT state FROM gateway_attempts WHERE attempt_id = ?", [attempt])["state"]
             == "succeeded", timeout=30, what="the payment settled")
    return db.one("SELECT * FROM gateway_attempts WHERE attempt_id = ?", [attempt])


def test_alipay_and_wechat_name_the_payer_unionpay_does_not(up, caplog):
    caplog.set_level(logging.DEBUG)
    db, client = up.db, raw_device(up)
    first, view = pay(client, "alipay", code_of("alipay", "123456"))
    ali = settled(db, first)
    assert re.fullmatch(r"2088[0-9]{12}", ali["payer_id"]) and ali["payer_app"]
    assert re.fullmatch(r"13[0-9]\*{4}[0-9]{4}", ali["payer_masked"])  # Alipay's own masked logon id
    again = settled(db, pay(client, "alipay", code_of("alipay", "123456"), 1250)[0])
    assert again["payer_id"] == ali["payer_id"], "one customer, two one-time codes: one payer id"
    other = settled(db, pay(client, "alipay", code_of("alipay", "654321"))[0])
    assert other["payer_id"] != ali["payer_id"]

    wx = settled(db, pay(client, "wechat", code_of("wechat", "123456"))[0])
    assert re.fullmatch(r"o[A-Za-z0-9_-]{27}", wx["payer_id"]) and wx["payer_subscribed"] == 1
    union = settled(db, pay(client, "unionpay", code_of("unionpay", "123456"))[0])
    assert union["payer_id"] is None and union["payer_masked"] is None

    member = db.one("SELECT m.* FROM members m JOIN member_payers p ON p.member_id = m.member_id"
                    " WHERE p.payer_id = ?", [ali["payer_id"]])
    assert (member["visits"], member["spend"], member["points"]) == (2, 28_00 + 12_50, 28 + 12)
    assert db.scalar("SELECT count(*) FROM members") == 3  # Alipay 123456, Alipay 654321, WeChat 123456
    assert db.scalar("SELECT count(*) FROM member_payments WHERE attempt_id = ?", [union["attempt_id"]]) == 0

    payer_ids = [ali["payer_id"], other["payer_id"], wx["payer_id"]]
    history = json.dumps(db.query("SELECT * FROM gateway_log"), default=str)
    device_view = json.dumps(view) + signed(client, "GET", f"/v1/payment-attempts/{first}").text
    for payer_id in payer_ids:
        assert payer_id not in caplog.text and payer_id not in history and payer_id not in device_view


def test_a_payer_named_by_the_query_and_a_refund_taking_back(up):
    db, client = up.db, raw_device(up)
    attempt, view = pay(client, "alipay", code_of("alipay", "222222", "01"))  # password: success on a query
    assert view["state"] != "succeeded"
    row = settled(db, attempt)
    assert re.fullmatch(r"2088[0-9]{12}", row["payer_id"])
    member_id = db.scalar("SELECT member_id FROM member_payments WHERE attempt_id = ?", [attempt])
    refund = signed(client, "POST", f"/v1/payment-attempts/{attempt}/refunds",
                    json.dumps({"refund_id": new_id(), "amount": 1000, "reason": "菜品问题"}).encode())
    assert refund.status_code == 201 and refund.json()["state"] == "succeeded", refund.text
    member = db.one("SELECT * FROM members WHERE member_id = ?", [member_id])
    assert (member["spend"], member["points"]) == (18_00, 18)
