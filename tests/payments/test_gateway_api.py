"""The gateway's HTTP API (signed, docs/protocol.md) on SQLite and PostgreSQL: idempotent PUT,
tombstones, one open attempt per order, amounts checked against the synced order, code reuse."""

from __future__ import annotations

import json

import pytest

from tests.payments.helpers import fast_timings, scenario_code, start_upstream
from tests.support import wait_for
from tests.sync.fixtures import batch, make_event, order_payload, raw_device, signed
from edge.orders import new_id


@pytest.fixture
def up(upstream_db, sandboxes):
    # no test here waits for a lease or a provider timeout: bounds a busy machine cannot reach
    server = start_upstream(upstream_db, sandboxes, fast_timings(lease_s=10.0, provider_connect_s=5.0,
                                                                 provider_timeout_s=10.0))
    server.db = upstream_db
    yield server
    server.server.stop()
    server.gateway.stop()


def put(client, attempt_id, order_id, amount, code, channel="alipay", out=None):
    body = json.dumps({"order_id": order_id, "out_trade_no": out or attempt_id, "amount": amount,
                       "channel": channel, "code": code}).encode()
    return signed(client, "PUT", f"/v1/payment-attempts/{attempt_id}", body)


def test_put_is_idempotent_and_never_pays_twice(up, sandboxes):
    client = raw_device(up)
    attempt, order = new_id(), new_id()
    code = scenario_code("alipay", "instant_success")
    first = put(client, attempt, order, 2800, code)
    assert first.status_code == 201 and first.json()["state"] == "succeeded" and first.json()["gateway_ms"] > 0
    again = put(client, attempt, order, 2800, code)
    assert again.status_code == 200 and again.json()["state"] == "succeeded"
    assert sandboxes.ledger.calls.count(("pay", attempt)) == 1
    other = put(client, attempt, order, 2900, code)
    assert other.status_code == 409 and other.json()["error"]["code"] == "attempt_conflict"
    assert code not in other.text and code not in first.text


def test_tombstone_refuses_a_late_put(up, sandboxes):
    client = raw_device(up)
    attempt, order = new_id(), new_id()
    gone = signed(client, "POST", f"/v1/payment-attempts/{attempt}/abandon",
                  json.dumps({"order_id": order, "reason": "unknown_delivery"}).encode())
    assert gone.status_code == 200 and gone.json()["state"] == "abandoned"
    late = put(client, attempt, order, 2800, scenario_code("wechat", "instant_success"), channel="wechat")
    assert late.status_code == 409 and late.json()["error"]["code"] == "attempt_abandoned"
    assert sandboxes.ledger.calls == []


def test_one_open_attempt_per_order_and_paid_orders_refuse(up, sandboxes):
    client = raw_device(up)
    order = new_id()
    a, b, c = new_id(), new_id(), new_id()
    first = put(client, a, order, 1000, scenario_code("wechat", "password_then_success"), channel="wechat")
    assert first.json()["state"] == "querying" and first.json()["detail"] == "user_paying"
    busy = put(client, b, order, 1000, scenario_code("wechat", "instant_success"), channel="wechat")
    assert busy.status_code == 409 and busy.json()["error"]["code"] == "attempt_open"
    view = signed(client, "GET", f"/v1/payment-attempts/{a}?after={first.json()['version']}&wait=5").json()
    wait_for(lambda: signed(client, "GET", f"/v1/payment-attempts/{a}").json()["state"] == "succeeded")
    paid = put(client, c, order, 1000, scenario_code("wechat", "instant_success"), channel="wechat")
    assert paid.status_code == 409 and paid.json()["error"]["code"] == "order_paid"
    assert view["version"] > first.json()["version"]


def test_a_code_for_another_orders_amount_is_rejected(up, sandboxes):
    client = raw_device(up)
    order_a, order_b = new_id(), new_id()
    synced = signed(client, "POST", "/v1/ingest", batch(make_event(1, order_payload(2800, order_id=order_a)),
                                                        make_event(2, order_payload(5600, order_id=order_b))))
    assert synced.status_code == 200
    wrong = put(client, new_id(), order_b, 2800, scenario_code("alipay", "instant_success"))
    assert wrong.status_code == 409 and wrong.json()["error"]["code"] == "amount_mismatch"
    code = scenario_code("alipay", "instant_success")
    ok = put(client, new_id(), order_a, 2800, code)
    assert ok.status_code == 201
    reused = put(client, new_id(), order_b, 5600, code)
    assert reused.status_code == 409 and reused.json()["error"]["code"] == "code_used"
    assert len([c for c in sandboxes.ledger.calls if c[0] == "pay"]) == 1


def test_bad_input_is_refused_without_echoing_the_code(up, sandboxes):
    client = raw_device(up)
    code = scenario_code("alipay", "instant_success")
    wrong_channel = put(client, new_id(), new_id(), 100, code, channel="wechat")
    assert wrong_channel.status_code == 422 and wrong_channel.json()["error"]["code"] == "bad_code"
    assert code not in wrong_channel.text
    import requests

    unsigned = requests.put(f"{up.url}/v1/payment-attempts/{new_id()}", json={"code": code}, timeout=5)
    assert unsigned.status_code == 401 and code not in unsigned.text
    assert sandboxes.ledger.calls == []


def test_cancel_repeats_while_the_provider_says_call_again(up, sandboxes):
    client = raw_device(up)
    attempt = new_id()
    first = put(client, attempt, new_id(), 1234, scenario_code("alipay", "password_then_timeout"))
    assert first.json()["state"] == "querying"
    wait_for(lambda: signed(client, "GET", f"/v1/payment-attempts/{attempt}").json()["final"], 8)
    done = signed(client, "GET", f"/v1/payment-attempts/{attempt}").json()
    assert done["state"] == "closed" and done["reason"] == "timed_out"
    assert sandboxes.ledger.calls.count(("cancel", attempt)) == 2  # retry_flag=Y once, then closed


def test_no_gateway_configured_refuses_clearly(upstream_db):
    from upstream.app import create_app
    from tests.payments.helpers import AppServer
    from upstream.enroll import add_store

    add_store(upstream_db, "s1", "x")
    server = AppServer(create_app(upstream_db)).start()
    try:
        server.db = upstream_db
        client = raw_device(server)
        answer = put(client, new_id(), new_id(), 100, scenario_code("alipay", "instant_success"))
        assert answer.status_code == 503 and answer.json()["error"]["code"] == "no_gateway"
    finally:
        server.stop()
