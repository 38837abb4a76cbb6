"""A table's whole bill paid with ONE payment code at the counter, over the core's real HTTP API,
against a real gateway and sandbox providers: one attempt covers every unpaid round (recorded with
the orders and amounts it pays before the gateway is asked), a second scan gets the same attempt,
a void of any of its rounds is refused while it is open, settling marks every order paid in one
step (an `order.paid` per order with its amount), the provider charges the bill once, and a
round's share of the payment can be refunded through the gateway. Cash for the bill while its
code payment is open gives up that attempt: nothing is charged twice."""

from __future__ import annotations

import json

import pytest
import requests

from edge.codes import classify
from edge.core.server import BackgroundCore
from edge.ledger.staff import Staff
from edge.orders import new_id
from edge.payments import store
from edge.protocol.failpoints import Crashed
from tests.payments.helpers import (Crash, device_config, enroll_device, open_device, scenario_code, settle_all,
                                    staff_login)
from tests.support import wait_for

MANAGER = Staff("m1", "李经理", "manager")
MANAGER_PIN = "928374"


def round_order(service, session: str, round_no: int, item: str, qty: int = 1) -> dict:
    """A table round's order as the downstream path places it (先吃后付: printed, not paid)."""
    doc = {"client_token": f"up-{new_id()}", "table": "8", "payment": "table",
           "table_session": {"id": session, "round": round_no, "waited_ms": 0},
           "lines": [{"item_id": item, "qty": qty}]}
    view, _ = service.place_order(doc, from_upstream=True)
    assert (view["status"], view["payment"]) == ("placed", "table")
    return view


def post(core, path: str, body: dict, headers: dict | None = None) -> requests.Response:
    return requests.post(core.url + path, json=body, headers=headers, timeout=60)


def outbox(device, kind: str) -> list[dict]:
    with device.ledger.reading() as db:
        return [json.loads(r[0]) for r in db.execute("SELECT payload FROM outbox WHERE type = ? ORDER BY device_seq",
                                                      [kind])]


@pytest.fixture
def core(device):
    served = BackgroundCore(device).start()
    yield served
    served.stop()


def test_one_code_pays_every_round_of_the_bill_once(device, core, gw_upstream, sandboxes):
    session = new_id()
    first = round_order(device, session, 1, "har_gow", 2)
    second = round_order(device, session, 2, "milk_tea")
    staff = staff_login(device, core.url)
    due = first["total"] + second["total"]
    code = scenario_code("wechat", "instant_success")
    answer = post(core, f"/v1/tables/{session}/pay", {"method": "code", "code": code}, staff)
    assert answer.status_code == 201, answer.text
    assert code not in answer.text
    view = answer.json()
    assert (view["bill"], view["amount"], view["channel"]) == (session, due, "wechat")
    done = wait_for(lambda: (v := device.payments.view(view["attempt_id"]))["final"] and v, 15, what="final")
    assert done["state"] == "succeeded" and done["paid"]
    for order in (first, second):
        after = device.order(order["id"])
        assert (after["status"], after["payment"]) == ("paid", "wechat")
    assert sandboxes.ledger.charged(view["attempt_id"]) == due, "the bill charged once, in full"
    paid = {e["order_id"]: e for e in outbox(device, "order.paid")}
    assert {k: (v["amount"], v["attempt_id"]) for k, v in paid.items()} == {
        first["id"]: (first["total"], view["attempt_id"]), second["id"]: (second["total"], view["attempt_id"])}
    [bill] = outbox(device, "table.bill_paid")
    assert (bill["session_id"], bill["amount"], bill["method"]) == (session, due, "wechat")
    again = post(core, f"/v1/tables/{session}/pay", {"method": "code", "code": code}, staff)
    assert (again.status_code, again.json()["error"]["code"]) == (409, "nothing_due")

    # a round's share is refunded through the gateway (a manager approves), never more than it paid
    with device.ledger.reading():
        device.db["staff_pins"].insert({"staff_id": MANAGER.staff_id, "name": MANAGER.name, "role": "manager",
                                        "pin_hash": _pin(MANAGER_PIN)}, replace=True)
    too_much = post(core, f"/v1/cashier/orders/{second['id']}/refund",
                    {"amount": second["total"] + 1, "reason": "test", "manager_id": "m1", "manager_pin": MANAGER_PIN},
                    staff)
    assert (too_much.status_code, too_much.json()["error"]["code"]) == (409, "above_paid")
    refund = post(core, f"/v1/cashier/orders/{second['id']}/refund",
                  {"amount": second["total"], "reason": "test", "manager_id": "m1", "manager_pin": MANAGER_PIN}, staff)
    assert refund.status_code == 200, refund.text
    assert sandboxes.ledger.charged(view["attempt_id"]) == first["total"]
    assert device.order(second["id"])["status"] == "refunded" and device.order(first["id"])["status"] == "paid"
    settle_all(device, gw_upstream.db)


def _pin(pin: str) -> str:
    from edge.protocol.pins import hash_pin

    return hash_pin(pin, salt=b"0123456789abcdef")


def test_an_open_bill_payment_holds_its_rounds_and_cash_gives_it_up(slow_password_world, sandboxes):
    up, device, core = slow_password_world
    session = new_id()
    first = round_order(device, session, 1, "har_gow")
    second = round_order(device, session, 2, "siu_mai")
    staff = staff_login(device, core.url)
    started = post(core, f"/v1/tables/{session}/pay",
                   {"method": "code", "code": scenario_code("alipay", "password_then_timeout")}, staff)
    assert started.status_code == 201, started.text
    attempt = started.json()
    assert attempt["state"] == "pending" and attempt["amount"] == first["total"] + second["total"]
    with device.ledger.reading():
        covered = device.db.execute("SELECT order_id, amount FROM payment_attempt_orders WHERE attempt_id = ?"
                                    " ORDER BY amount", [attempt["attempt_id"]]).fetchall()
    assert sorted(covered) == sorted([(first["id"], first["total"]), (second["id"], second["total"])])

    second_scan = post(core, f"/v1/tables/{session}/pay",
                       {"method": "code", "code": scenario_code("alipay", "instant_success")}, staff)
    assert second_scan.status_code == 200 and second_scan.json()["attempt_id"] == attempt["attempt_id"]
    for order in (first, second):  # the bill's amount is fixed while its payment is open
        void = post(core, f"/v1/cashier/orders/{order['id']}/void", {"lines": None, "reason": "上错菜"}, staff)
        assert (void.status_code, void.json()["error"]["code"]) == (409, "payment_in_progress")
    alone = post(core, f"/v1/orders/{first['id']}/payments",
                 {"code": scenario_code("alipay", "instant_success")})
    assert (alone.status_code, alone.json()["error"]["code"]) == (409, "table_bill")
    view = requests.get(core.url + "/v1/tables", headers=staff, timeout=30).json()
    [table] = [t for t in view["tables"] if t["session_id"] == session]
    assert table["paying"]["attempt_id"] == attempt["attempt_id"]

    cash = post(core, f"/v1/tables/{session}/pay", {"method": "cash"}, staff)
    assert cash.status_code == 200, cash.text
    assert cash.json()["amount"] == first["total"] + second["total"]
    for order in (first, second):
        assert (device.order(order["id"])["status"], device.order(order["id"])["payment"]) == ("paid", "cash")
    done = wait_for(lambda: (r := _row(device, attempt["attempt_id"]))["state"] in store.FINAL and r, 20,
                    what="the code attempt given up")
    assert done["state"] in ("closed", "abandoned") and done["abandon_reason"] == "cash"
    settle_all(device, up.db)
    assert sandboxes.ledger.charged(attempt["attempt_id"]) == 0, "nothing taken twice"


def _row(device, attempt_id: str) -> dict:
    with device.ledger.reading():
        return store.get(device.db, attempt_id)


@pytest.mark.parametrize("point", ["core.before_put", "core.after_put", "core.polling"])
def test_a_core_crash_during_a_bill_payment_pays_it_once(tmp_path, gw_upstream, sandboxes, point):
    """kill -9 of the core (the crashed manager drops, a new one resumes on the same database): the
    bill's attempt is followed again by querying, never paid again; paid, every round is paid
    once and the provider charged the bill once; never sent, nothing is charged and the bill can
    be paid again."""
    config = device_config(tmp_path / "dev")
    enroll_device(config, gw_upstream.db, gw_upstream.url)
    crash = Crash(point)
    device = open_device(config, failpoint=crash)
    session = new_id()
    try:
        orders = [round_order(device, session, 1, "har_gow"), round_order(device, session, 2, "siu_mai")]
        scenario = "password_then_success" if point == "core.polling" else "instant_success"
        try:
            device.payments.pay_bill(session, classify(scenario_code("unionpay", scenario)))
        except Crashed:
            pass
        wait_for(crash.fired.is_set, 5, what=f"the crash at {point}")
    finally:
        device.payments.kill()
        device.close()
    device = open_device(config)
    try:
        device.payments.resume()
        settle_all(device, gw_upstream.db)
        due = sum(o["total"] for o in orders)
        with device.ledger.reading() as db:
            attempts = [dict(r) for r in db.query("SELECT * FROM payment_attempts")]
        assert len(attempts) == 1 and attempts[0]["bill"] == session and attempts[0]["amount"] == due
        paid_events = outbox(device, "order.paid")
        if point == "core.before_put":  # the gateway never had it: nothing taken, the table still owes
            assert attempts[0]["state"] == "abandoned" and sandboxes.ledger.charged(attempts[0]["attempt_id"]) == 0
            assert paid_events == [] and {device.order(o["id"])["payment"] for o in orders} == {"table"}
            again, created = device.payments.pay_bill(session, classify(scenario_code("unionpay", "instant_success")))
            assert created
            wait_for(lambda: device.payments.view(again["attempt_id"])["paid"], 15, what="paid the second time")
        else:
            assert attempts[0]["state"] == "succeeded"
            assert sandboxes.ledger.charged(attempts[0]["attempt_id"]) == due
        assert sorted(e["order_id"] for e in outbox(device, "order.paid")) == sorted(o["id"] for o in orders), \
            "every round paid exactly once"
        assert {(device.order(o["id"])["status"], device.order(o["id"])["payment"]) for o in orders} == {
            ("paid", "unionpay")}
        with device.ledger.reading() as db:
            charged = sum(sandboxes.ledger.charged(r[0]) for r in db.execute("SELECT attempt_id FROM payment_attempts"))
        assert charged == due, "one net charge for the bill"
    finally:
        device.close()
