"""A void and a payment of the same order (issue 15, point 1), over the core's HTTP API against a
real gateway and the sandbox providers: every payment charges what is due (total − voided, as the
provider's own books show), a fully voided order refuses payment and stays voided, a held order's
kitchen ticket is built from what is left, and lines never sent to a kitchen get no 退菜 ticket."""

from __future__ import annotations

import json
import time

import pytest
import requests

from edge.core.server import BackgroundCore
from edge.ledger.print_jobs import customer_receipt
from tests.payments.helpers import check_invariants, scenario_code, settle_all, staff_login
from tests.support import wait_for

HAR_GOW, TEA = 2800, 800  # the demo menu: 水晶虾饺皇 at the dim-sum station, 菊普茶 at the drinks bar


@pytest.fixture
def core(device):
    server = BackgroundCore(device).start()
    yield server
    server.stop()


def held_order(device) -> dict:
    """A pay-first order by code, held until paid: 2 × 水晶虾饺皇 (dimsum) + 1 × 菊普茶 (bar)."""
    view, _ = device.place_order({"client_token": f"void-{time.monotonic_ns()}", "table": "7", "payment": "code",
                                  "lines": [{"item_id": "har_gow", "qty": 2}, {"item_id": "chrysanthemum", "qty": 1}]})
    assert view["status"] == "awaiting_payment" and view["total"] == 2 * HAR_GOW + TEA
    return view


def void(url: str, staff: dict, order_id: str, lines: list[dict] | None, reason: str = "客人不要了"):
    return requests.post(f"{url}/v1/cashier/orders/{order_id}/void", json={"lines": lines, "reason": reason},
                         headers=staff, timeout=15)


def jobs_of(device, order_id: str) -> list[dict]:
    with device.ledger.reading() as db:
        return [dict(r) for r in db.query("SELECT kind, station_id, ticket FROM print_jobs WHERE order_id = ?"
                                          " ORDER BY created_wall_ms, station_id", [order_id])]


def test_a_void_then_a_code_payment_charges_total_minus_voided(core, device, gw_upstream, sandboxes):
    staff = staff_login(device, core.url)
    order = held_order(device)
    assert void(core.url, staff, order["id"], [{"line_no": 1, "qty": 1}]).status_code == 200
    assert void(core.url, staff, order["id"], [{"line_no": 2, "qty": 1}], "缺货估清").status_code == 200
    assert jobs_of(device, order["id"]) == []  # nothing reached a kitchen: no 退菜 ticket either

    paid = requests.post(f"{core.url}/v1/orders/{order['id']}/payments",
                         json={"code": scenario_code("alipay", "instant_success")}, timeout=30)
    assert paid.status_code == 201, paid.text
    attempt = paid.json()
    wait_for(lambda: requests.get(f"{core.url}/v1/payments/{attempt['attempt_id']}", timeout=5).json()["final"], 15)
    done = requests.get(f"{core.url}/v1/payments/{attempt['attempt_id']}", timeout=5).json()
    assert done["state"] == "succeeded" and done["amount"] == HAR_GOW
    with device.ledger.reading() as db:
        out_trade_no = db.execute("SELECT out_trade_no FROM payment_attempts WHERE attempt_id = ?",
                                  [attempt["attempt_id"]]).fetchone()[0]
    assert sandboxes.ledger.charged(out_trade_no) == HAR_GOW  # the provider's books: 5,600 + 800 − 2,800 − 800

    jobs = jobs_of(device, order["id"])
    kitchen = [j for j in jobs if j["kind"] == "kitchen"]
    assert [j["station_id"] for j in kitchen] == ["dimsum"]  # the bar's only line was voided: no bar ticket
    lines = json.loads(kitchen[0]["ticket"])["lines"]
    assert [(line["name"], line["qty"]) for line in lines] == [("水晶虾饺皇", 1)]
    assert all(j["kind"] not in ("change", "void") for j in jobs)
    settle_all(device, gw_upstream.db)
    check_invariants(device, gw_upstream.db, sandboxes.ledger)


def test_a_fully_voided_order_refuses_every_payment_and_stays_voided(core, device, gw_upstream, sandboxes):
    staff = staff_login(device, core.url)
    order = held_order(device)
    for line_no in (1, 1, 2):  # one dish at a time (each under the store's manager threshold)
        assert void(core.url, staff, order["id"], [{"line_no": line_no, "qty": 1}]).status_code == 200
    detail = requests.get(f"{core.url}/v1/cashier/orders/{order['id']}", headers=staff, timeout=5).json()
    assert detail["status"] == "voided", detail
    code = scenario_code("wechat", "instant_success")
    by_code = requests.post(f"{core.url}/v1/orders/{order['id']}/payments", json={"code": code}, timeout=30)
    assert by_code.status_code == 409 and by_code.json()["error"]["code"] == "order_voided"
    by_cash = requests.post(f"{core.url}/v1/orders/{order['id']}/cash", json={}, headers=staff, timeout=15)
    assert by_cash.status_code == 409 and by_cash.json()["error"]["code"] == "order_voided"
    after = requests.get(f"{core.url}/v1/cashier/orders/{order['id']}", headers=staff, timeout=5).json()
    assert after["status"] == "voided"
    assert sandboxes.ledger.total_charged() == 0 and jobs_of(device, order["id"]) == []
    with device.ledger.reading() as db:
        assert db.execute("SELECT count(*) FROM payment_attempts").fetchone()[0] == 0


def test_cash_after_a_void_takes_what_is_due_and_prints_what_is_left(core, device, gw_upstream):
    staff = staff_login(device, core.url)
    order = held_order(device)
    assert void(core.url, staff, order["id"], [{"line_no": 2, "qty": 1}]).status_code == 200
    cash = requests.post(f"{core.url}/v1/orders/{order['id']}/cash", json={}, headers=staff, timeout=15)
    assert cash.status_code == 200 and cash.json()["status"] == "paid"
    with device.ledger.reading() as db:
        event = json.loads(db.execute("SELECT payload FROM outbox WHERE type = 'order.paid'").fetchone()[0])
    assert event["amount"] == 2 * HAR_GOW and event["staff_id"] == "c1"
    assert [j["station_id"] for j in jobs_of(device, order["id"]) if j["kind"] == "kitchen"] == ["dimsum"]
    with device.ledger.reading() as db:  # the customer's receipt shows what they paid for
        receipt = customer_receipt(db, order["id"], "测试茶楼")
    assert receipt.total == 2 * HAR_GOW and [(r.name, r.qty) for r in receipt.lines] == [("水晶虾饺皇", 2)]


def test_a_void_waits_while_a_code_payment_is_under_way(core, device, gw_upstream, sandboxes):
    """The amount of a code payment is fixed when it starts: a void meanwhile would let the
    charge drift from what is due, so it is refused until the payment ends."""
    staff = staff_login(device, core.url)
    order = held_order(device)
    started = requests.post(f"{core.url}/v1/orders/{order['id']}/payments",
                            json={"code": scenario_code("alipay", "password_then_timeout")}, timeout=30)
    assert started.status_code == 201 and not started.json()["final"]
    refused = void(core.url, staff, order["id"], [{"line_no": 2, "qty": 1}])
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "payment_in_progress"
    settle_all(device, gw_upstream.db)  # the customer never entered the password: closed, nothing taken
    assert void(core.url, staff, order["id"], [{"line_no": 2, "qty": 1}]).status_code == 200
    check_invariants(device, gw_upstream.db, sandboxes.ledger)
