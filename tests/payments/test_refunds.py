"""Refunds of code payments through the gateway: the cashier's refund (manager PIN) of Alipay and
WeChat sandbox payments, full and partial; over-refunds refused at the device and at the gateway;
idempotent on refund_id (a lost answer repeated: one refund at the provider); a provider answer
lost after it refunded: kept as `unknown`, completed by the retry; offline: refused, nothing
recorded. Gateway tests on SQLite and PostgreSQL."""

from __future__ import annotations

import json

import pytest

from edge.cashier.order_actions import money
from edge.codes import classify
from edge.core.server import BackgroundCore
from edge.orders import new_id
from edge.payments.gateway_client import GatewayClient, GatewayError
from tests.cashier.helpers import MANAGER, Api, seed
from tests.payments.helpers import place, scenario_code, start_upstream
from tests.support import wait_for
from tests.sync.fixtures import raw_device, signed
from upstream.gateway.providers import base


@pytest.fixture
def up(upstream_db, sandboxes):
    server = start_upstream(upstream_db, sandboxes)
    yield server
    server.server.stop()
    server.gateway.stop()


@pytest.fixture
def desk(device):
    """The enrolled device's core API with a cashier logged in (staff c1, manager m1)."""
    seed(device, code_key=False)
    core = BackgroundCore(device).start()
    api = Api(core.url)
    api.login()
    yield api
    core.stop()


def paid_order(device, channel: str) -> tuple[dict, str]:
    order = place(device, qty=2)
    view, _ = device.payments.pay(order["id"], classify(scenario_code(channel, "instant_success")))
    wait_for(lambda: device.payments.view(view["attempt_id"])["state"] == "succeeded", 10, what="paid")
    return order, view["attempt_id"]


def refund(api, order_id: str, amount: int, pin: str = MANAGER[3]):
    return api.call("POST", f"/v1/cashier/orders/{order_id}/refund",
                    {"amount": amount, "reason": "上错菜", "manager_id": "m1", "manager_pin": pin})


def rows(device, sql: str, args=()):
    with device.ledger.reading():
        return [dict(r) for r in device.db.query(sql, list(args))]


@pytest.mark.parametrize("channel", ["alipay", "wechat"])
def test_partial_then_full_refund_through_the_cashier(device, desk, gw_upstream, sandboxes, channel):
    order, attempt = paid_order(device, channel)
    total = order["total"]
    assert refund(desk, order["id"], 100, pin="0000").json()["error"]["code"] == "manager_pin"
    part = refund(desk, order["id"], 300)
    assert part.status_code == 200, part.text
    assert part.json()["state"] == "done" and part.json()["money"]["refundable"] == total - 300
    assert sandboxes.ledger.charged(attempt) == total - 300
    over = refund(desk, order["id"], total - 299)
    assert over.status_code == 409 and over.json()["error"]["code"] == "above_paid", "refused at the device"
    assert sandboxes.ledger.calls.count(("refund", attempt)) == 1
    rest = refund(desk, order["id"], total - 300)
    assert rest.status_code == 200, rest.text
    assert sandboxes.ledger.charged(attempt) == 0
    assert device.order(order["id"])["status"] == "refunded"
    events = [json.loads(r["payload"])
              for r in rows(device, "SELECT payload FROM outbox WHERE type = 'cashier.refund'")]
    assert [(e["amount"], e["attempt_id"], e["manager_id"]) for e in events] == [(300, attempt, "m1"),
                                                                                 (total - 300, attempt, "m1")]
    assert [(r["action"], r["approved_by"]) for r in rows(device, "SELECT * FROM staff_actions WHERE target = ?",
                                                          [order["id"]])] == [("refund", "m1")] * 2
    gw = gw_upstream.db.query("SELECT refund_id, state, amount FROM gateway_refunds WHERE attempt_id = ?", [attempt])
    assert sorted(r["amount"] for r in gw) == [300, total - 300] and {r["state"] for r in gw} == {"succeeded"}
    assert {r["refund_id"] for r in gw} == {e["refund_id"] for e in events}
    assert refund(desk, order["id"], 1).json()["error"]["code"] == "above_paid"


def test_lost_answer_is_retried_with_the_same_refund_id(device, desk, gw_upstream, sandboxes, monkeypatch):
    order, attempt = paid_order(device, "wechat")
    real, lost = GatewayClient.refund, []

    def answer_lost(self, *args):
        doc = real(self, *args)  # the gateway refunded; the answer never arrives
        if not lost:
            lost.append(doc)
            raise GatewayError("upstream unreachable (ReadTimeout)")
        return doc

    monkeypatch.setattr(GatewayClient, "refund", answer_lost)
    first = refund(desk, order["id"], 500)
    assert first.status_code == 409 and first.json()["error"]["code"] == "refund_unknown"
    refund_id = first.json()["error"]["refund_id"]
    pending = rows(device, "SELECT state, amount FROM refunds WHERE id = ?", [refund_id])
    assert pending == [{"state": "pending", "amount": 500}], "written before the request, kept"
    assert rows(device, "SELECT * FROM outbox WHERE type = 'cashier.refund'") == []
    other = refund(desk, order["id"], 200)
    assert other.json()["error"]["code"] == "refund_pending"
    again = refund(desk, order["id"], 500)
    assert again.status_code == 200 and again.json()["refund_id"] == refund_id, again.text
    assert sandboxes.ledger.charged(attempt) == order["total"] - 500, "one refund at the provider"
    assert sandboxes.ledger.trades[attempt].refund_nos == {refund_id}
    assert len(rows(device, "SELECT * FROM refunds WHERE order_id = ?", [order["id"]])) == 1


def test_offline_refund_is_refused_and_nothing_recorded(device, desk, gw_upstream, sandboxes):
    order, attempt = paid_order(device, "alipay")
    gw_upstream.server.stop()
    answer = refund(desk, order["id"], 100)
    assert answer.status_code == 409 and answer.json()["error"]["code"] == "offline", answer.text
    assert "no network: code-payment refunds need the upstream" in answer.json()["error"]["message"]
    assert [r["state"] for r in rows(device, "SELECT state FROM refunds")] == ["failed"]
    assert device.cashier.locked(money, order["id"])["refunded"] == 0
    assert sandboxes.ledger.charged(attempt) == order["total"]


# -- the gateway API (SQLite and PostgreSQL) ------------------------------------------------------------
def pay(client, channel: str, amount: int, scenario: str = "instant_success") -> str:
    attempt = new_id()
    body = json.dumps({"order_id": new_id(), "out_trade_no": attempt, "amount": amount, "channel": channel,
                       "code": scenario_code(channel, scenario)}).encode()
    signed(client, "PUT", f"/v1/payment-attempts/{attempt}", body)
    return attempt


def post_refund(client, attempt: str, refund_id: str, amount: int):
    body = json.dumps({"refund_id": refund_id, "amount": amount, "reason": "test"}).encode()
    return signed(client, "POST", f"/v1/payment-attempts/{attempt}/refunds", body)


def test_gateway_refund_idempotent_and_bounded(up, sandboxes):
    client = raw_device(up)
    attempt = pay(client, "alipay", 3000)
    r1 = new_id()
    first = post_refund(client, attempt, r1, 1000)
    assert first.status_code == 201, first.text
    assert {k: first.json()[k] for k in ("refund_id", "state", "amount", "refunded_total")} == {
        "refund_id": r1, "state": "succeeded", "amount": 1000, "refunded_total": 1000}
    again = post_refund(client, attempt, r1, 1000)
    assert again.status_code == 200 and again.json()["state"] == "succeeded"
    assert sandboxes.ledger.calls.count(("refund", attempt)) == 1 and sandboxes.ledger.charged(attempt) == 2000
    reused = post_refund(client, attempt, r1, 900)
    assert reused.status_code == 409 and reused.json()["error"]["code"] == "refund_id_reused"
    over = post_refund(client, attempt, new_id(), 2001)
    assert over.status_code == 409 and over.json()["error"]["code"] == "above_paid"
    rest = post_refund(client, attempt, new_id(), 2000)
    assert rest.json()["state"] == "succeeded" and rest.json()["refunded_total"] == 3000
    assert sandboxes.ledger.charged(attempt) == 0
    assert post_refund(client, attempt, new_id(), 1).json()["error"]["code"] == "above_paid"
    unpaid = pay(client, "wechat", 500, "insufficient_funds")
    assert post_refund(client, unpaid, new_id(), 100).json()["error"]["code"] == "not_paid"
    assert post_refund(client, new_id(), new_id(), 100).status_code == 404
    assert post_refund(client, attempt, "nope", 100).status_code == 422
    rows_ = up.db.query("SELECT state FROM gateway_refunds WHERE attempt_id = ?", [attempt])
    assert sorted(r["state"] for r in rows_) == ["succeeded", "succeeded"]


def test_gateway_provider_timeout_keeps_the_refund_then_retries(up, sandboxes):
    client = raw_device(up)
    attempt = pay(client, "wechat", 2500)
    real = up.gateway.providers["wechat"]

    class LostAnswer:  # the provider refunds, its answer is lost (a timeout)
        name, kind = real.name, real.kind

        def refund(self, *args, **kwargs):
            real.refund(*args, **kwargs)
            return base.Outcome(base.RETRY, note="ReadTimeout")

    up.gateway.providers["wechat"] = LostAnswer()
    r1 = new_id()
    first = post_refund(client, attempt, r1, 700)
    assert first.status_code == 201 and first.json()["state"] == "unknown", first.text
    row = up.db.one("SELECT state, amount, tries FROM gateway_refunds WHERE refund_id = ?", [r1])
    assert (row["state"], row["amount"], row["tries"]) == ("unknown", 700, 1)
    assert post_refund(client, attempt, new_id(), 1801).json()["error"]["code"] == "above_paid", "reserved"
    up.gateway.providers["wechat"] = real
    second = post_refund(client, attempt, r1, 700)
    assert second.status_code == 200 and second.json()["state"] == "succeeded"
    assert second.json()["refunded_total"] == 700
    assert sandboxes.ledger.charged(attempt) == 1800, "the retry repeated the same refund number: one refund"
    assert sandboxes.ledger.trades[attempt].refund_nos == {r1}
