"""The providers' notifies of in-app payments, over real HTTP to `POST /v1/pay-notify/<provider>`:
a forged, tampered, other-merchant or wrong-amount notify changes nothing, is answered with the
provider's failure text and written to the alarms; a repeated notify settles once; a crash after
the success commits and before the callbacks: the provider sends the notify again, the restarted
upstream settles it once."""

from __future__ import annotations

import copy
from urllib.parse import parse_qsl, urlencode

import pytest
import requests

from tests.payments.helpers import Crash, fast_timings, start_upstream
from tests.payments.inapp_world import INAPP, NOTIFY_FIRST, SLOW, make_world, press, sandbox_of, world  # noqa: F401
from tests.support import wait_for
from upstream.gateway.sandbox.keys import rsa_pair
from upstream.gateway.sandbox.wechat import from_xml, hmac_sign, to_xml


def post_notify(world, provider: str, body: bytes, content_type: str) -> requests.Response:
    return requests.post(f"{world.url}/v1/pay-notify/{provider}", data=body, headers={"Content-Type": content_type},
                         timeout=10)


def waiting_trade(world, channel: str, bill: str, amount: int = 2800):
    """An attempt whose order is open at the provider (its page opened, not paid): (attempt id, trade)."""
    started = world.start(bill, amount, channel)
    requests.get(started["pay_url"], timeout=10).raise_for_status()
    return started["attempt_id"], world.sandboxes.ledger.trades[started["attempt_id"]]


def paid_copy(trade, **change):
    t = copy.copy(trade)
    t.paid, t.state, t.trade_no = True, "SUCCESS", "2026120499999999"
    for k, v in change.items():
        setattr(t, k, v)
    return t


def alarms(world, kind: str) -> list[dict]:
    return world.db.query("SELECT * FROM alarms WHERE kind = ?", [kind])


def assert_unchanged(world, attempt_id: str) -> None:
    row = world.row(attempt_id)
    assert row["state"] == "querying" and row["notified_ms"] is None and row["paid_amount"] is None
    assert world.settled == []


def test_forged_and_tampered_alipay_notifies_change_nothing(world):
    attempt_id, trade = waiting_trade(world, "alipay", "round-1")
    real = sandbox_of(world.sandboxes.alipay)
    impostor = type(real)(world.sandboxes.ledger, rsa_pair()[0], {})  # signs with a key that is not Alipay's
    forged = post_notify(world, "alipay", impostor.notify_body(paid_copy(trade)), "application/x-www-form-urlencoded")
    assert forged.status_code == 200 and forged.text == "fail"
    fields = dict(parse_qsl(real.notify_body(paid_copy(trade)).decode()))
    tampered = urlencode({**fields, "out_trade_no": attempt_id, "total_amount": "0.01"}).encode()
    assert post_notify(world, "alipay", tampered, "application/x-www-form-urlencoded").text == "fail"
    other_app = urlencode({**fields, "app_id": "2021000000000062"}).encode()
    assert post_notify(world, "alipay", other_app, "application/x-www-form-urlencoded").text == "fail"
    assert post_notify(world, "alipay", b"\xff\x00garbage", "text/plain").text == "fail"
    assert_unchanged(world, attempt_id)
    assert len(alarms(world, "pay_notify_forged")) == 4
    assert world.sandboxes.ledger.charged(attempt_id) == 0


def test_forged_wechat_notify_changes_nothing(world):
    attempt_id, trade = waiting_trade(world, "wechat", "round-2")
    real = sandbox_of(world.sandboxes.wechat)
    doc = from_xml(real.notify_body(paid_copy(trade)))
    doc.pop("sign")
    doc["sign"] = hmac_sign(doc, "0" * 32)  # not the merchant's API key
    answer = post_notify(world, "wechat", to_xml(doc), "text/xml")
    assert answer.status_code == 200 and from_xml(answer.content)["return_code"] == "FAIL"
    assert post_notify(world, "wechat", b"<xml><a>", "text/xml").status_code == 200
    assert_unchanged(world, attempt_id)
    assert len(alarms(world, "pay_notify_forged")) == 2


@pytest.mark.parametrize("channel", ["alipay", "wechat"])
def test_a_correctly_signed_notify_for_another_amount_changes_nothing(world, channel):
    attempt_id, trade = waiting_trade(world, channel, "round-3", 2800)
    server = world.sandboxes.alipay if channel == "alipay" else world.sandboxes.wechat
    body = sandbox_of(server).notify_body(paid_copy(trade, amount=1))  # signed by the provider, 0.01 yuan
    kind = "application/x-www-form-urlencoded" if channel == "alipay" else "text/xml"
    answer = post_notify(world, channel, body, kind)
    assert answer.status_code == 200
    assert answer.text == "fail" if channel == "alipay" else from_xml(answer.content)["return_code"] == "FAIL"
    assert_unchanged(world, attempt_id)
    (alarm,) = alarms(world, "pay_notify_amount")
    assert alarm["store_id"] == "s1" and attempt_id in alarm["detail"]
    unknown = sandbox_of(server).notify_body(paid_copy(trade, out_trade_no="nosuchtrade0001"))
    post_notify(world, channel, unknown, "text/xml")
    assert len(alarms(world, "pay_notify_unknown")) == 1


@pytest.mark.parametrize("channel", ["alipay", "wechat"])
def test_a_repeated_notify_settles_once(world, channel):
    started = world.start("round-4", 3300, channel)
    press(started["pay_url"])
    attempt_id = started["attempt_id"]
    world.wait_settled(attempt_id)
    # the sandbox notes its notify once our answer reached it, which can be after the settle
    sent = wait_for(lambda: next((n for n in world.sandboxes.ledger.notices if n["out_trade_no"] == attempt_id),
                                 None), timeout=30, what="the provider's notify noted")
    assert len([n for n in world.sandboxes.ledger.notices if n["out_trade_no"] == attempt_id]) == 1
    for _ in range(3):  # the provider did not hear our answer and sends it again
        again = post_notify(world, channel, sent["body"], sent["content_type"])
        assert again.status_code == 200 and (again.text == "success" or b"SUCCESS" in again.content)
    assert world.settled == [attempt_id]
    row = world.row(attempt_id)
    assert row["state"] == "succeeded" and row["paid_amount"] == 3300
    assert world.db.scalar("SELECT count(*) FROM gateway_log WHERE attempt_id = ? AND action = 'settle'",
                           [attempt_id]) == 1
    assert world.sandboxes.ledger.charged(attempt_id) == 3300


@pytest.mark.parametrize("channel", ["alipay", "wechat"])
def test_a_crash_between_the_commit_and_the_callback_settles_once_after_the_restart(upstream_db, channel):
    crash = Crash("gw.after_notify")
    holder = []

    def kill_there(name: str) -> None:  # kill -9 at the point: this gateway does nothing more
        if name == crash.point and not crash.fired.is_set():
            holder[0].up.gateway.kill()
        crash(name)

    world, stop = make_world(upstream_db, NOTIFY_FIRST, notify_retry_s=(0.5, 1.0, 2.0, 4.0, 8.0, 16.0),
                             failpoint=kill_there)
    holder.append(world)
    try:
        started = world.start("round-5", 1800, channel)
        press(started["pay_url"])
        attempt_id = started["attempt_id"]
        wait_for(crash.fired.is_set, 30, what="the crash point")
        row = world.row(attempt_id)
        assert row["state"] == "succeeded" and row["settled_ms"] is None and world.settled == []
        # kill -9 of the upstream, then a new one on the same port and database
        port = world.up.server.port
        world.up.server.stop(kill=True)
        world.up = start_upstream(upstream_db, world.sandboxes, fast_timings(**SLOW), port=port,
                                  prepare=False)
        world.wait_settled(attempt_id)
        wait_for(lambda: any(n["ok"] for n in world.sandboxes.ledger.notices if n["out_trade_no"] == attempt_id), 30,
                 what="the provider's notify answered with success")
        sent = [n for n in world.sandboxes.ledger.notices if n["out_trade_no"] == attempt_id]
        assert not sent[0]["ok"] and sent[-1]["ok"]  # sent again after the crash, as the providers do
        assert world.settled == [attempt_id]
        assert world.sandboxes.ledger.charged(attempt_id) == 1800
    finally:
        stop()
