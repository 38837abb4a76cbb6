"""The core's local payment API and the CLI (`edge pay`, `edge payments ...`) against a real core."""

from __future__ import annotations

import json
import time

import pytest
import requests
from click.testing import CliRunner

from edge.codes import classify
from edge.core.server import BackgroundCore
from edge.payments.cli import pay_command, payments_group
from tests.payments.helpers import check_invariants, place, scenario_code, settle_all, staff_login
from tests.support import wait_for


@pytest.fixture
def core(device):
    server = BackgroundCore(device).start()
    yield server
    server.stop()


def test_edge_pay_and_payments_list(core, device, gw_upstream, sandboxes):
    order = place(device)
    code = scenario_code("wechat", "password_then_success")
    result = CliRunner().invoke(pay_command, [order["ticket_no"], "--code", "-", "--url", core.url],
                                input=code + "\n")
    assert result.exit_code == 0, result.output
    assert "Paid" in result.output and code not in result.output
    listing = CliRunner().invoke(payments_group, ["list", "--json", "--url", core.url])
    doc = json.loads(listing.output)
    assert doc["attempts"][0]["state"] == "succeeded" and doc["attempts"][0]["order_id"] == order["id"]
    assert code not in listing.output
    failed = CliRunner().invoke(pay_command, [place(device)["id"], "--code", scenario_code("alipay", "code_expired"),
                                              "--url", core.url])
    assert failed.exit_code == 1 and "refresh" in failed.output
    settle_all(device, gw_upstream.db)
    check_invariants(device, gw_upstream.db, sandboxes.ledger)


def test_wedge_scan_then_from_scan_and_cashier_actions(core, device, gw_upstream, sandboxes):
    order = place(device)
    missing = requests.post(f"{core.url}/v1/orders/{order['id']}/payments", json={"from_scan": True}, timeout=5)
    assert missing.status_code == 409 and missing.json()["error"]["code"] == "no_code"
    code = scenario_code("alipay", "password_then_timeout")
    requests.post(f"{core.url}/v1/scans", json={"text": code}, timeout=5)
    answer = wait_for(lambda: (r := requests.post(f"{core.url}/v1/orders/{order['id']}/payments",
                                                  json={"from_scan": True}, timeout=10)).status_code != 409 and r, 3)
    assert answer.status_code == 201 and answer.json()["detail"] == "user_paying"
    attempt = answer.json()["attempt_id"]
    cashier = requests.get(f"{core.url}/v1/payments/cashier", timeout=5).json()
    assert order["id"] in [o["id"] for o in cashier["awaiting"]]
    queried = requests.post(f"{core.url}/v1/payments/{attempt}/query", json={}, timeout=10)
    assert queried.status_code == 200
    staff = staff_login(device, core.url)
    cash = requests.post(f"{core.url}/v1/orders/{order['id']}/cash", json={}, headers=staff, timeout=5).json()
    assert cash["status"] == "paid" and cash["payment"] == "cash" and cash["print_jobs"]
    again = requests.post(f"{core.url}/v1/orders/{order['id']}/cash", json={}, headers=staff, timeout=5)
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_paid"
    wait_for(lambda: requests.get(f"{core.url}/v1/payments/{attempt}", timeout=5).json()["final"], 8)
    assert requests.get(f"{core.url}/v1/payments/{attempt}", timeout=5).json()["state"] in ("closed", "refunded")
    bad = requests.post(f"{core.url}/v1/orders/{order['id']}/payments", json={"code": "12345678"}, timeout=5)
    assert bad.status_code in (409, 422) and "12345678" not in bad.text
    settle_all(device, gw_upstream.db)
    check_invariants(device, gw_upstream.db, sandboxes.ledger)


def test_events_carry_the_attempt_never_the_code(core, device, gw_upstream):
    import threading

    order = place(device)
    code = scenario_code("unionpay", "password_then_success")
    seen: list[str] = []

    def listen():
        with requests.get(f"{core.url}/v1/events", stream=True, timeout=10) as stream:
            for line in stream.iter_lines(decode_unicode=True):
                seen.append(line or "")
                if line and '"order.paid"' in line:
                    return

    thread = threading.Thread(target=listen, daemon=True)
    thread.start()
    time.sleep(0.2)
    requests.post(f"{core.url}/v1/orders/{order['id']}/payments", json={"code": code}, timeout=10)
    thread.join(8)
    text = "\n".join(seen)
    assert "payment.changed" in text and "user_paying" in text and "order.paid" in text
    assert code not in text


NO_STAFF = {"EDGE_STAFF_ID": None, "EDGE_STAFF_PIN": None}  # whatever the shell running the tests has


def test_cash_and_abandon_from_the_terminal_need_a_staff_login(core, device, gw_upstream):
    order = place(device)
    refused = CliRunner().invoke(payments_group, ["cash", order["ticket_no"], "--url", core.url], env=NO_STAFF)
    assert refused.exit_code == 1 and "needs a staff login" in refused.output
    assert device.order(order["id"])["status"] == "awaiting_payment"
    staff_login(device, core.url)  # the cashier c1 exists on the device (PIN 1234)
    wrong = CliRunner().invoke(payments_group, ["cash", order["ticket_no"], "--url", core.url, "--staff", "c1",
                                                "--pin", "9999"], env=NO_STAFF)
    assert wrong.exit_code == 1 and "wrong PIN" in wrong.output
    assert device.order(order["id"])["status"] == "awaiting_payment"
    paid = CliRunner().invoke(payments_group, ["cash", order["ticket_no"], "--url", core.url],
                              env={"EDGE_STAFF_ID": "c1", "EDGE_STAFF_PIN": "1234"})
    assert paid.exit_code == 0 and "paid in cash" in paid.output, paid.output
    other = place(device)
    view, _ = device.payments.pay(other["id"], classify(scenario_code("alipay", "password_then_timeout")))
    anonymous = CliRunner().invoke(payments_group, ["abandon", view["attempt_id"], "--url", core.url], env=NO_STAFF)
    assert anonymous.exit_code == 1 and "needs a staff login" in anonymous.output
    gone = CliRunner().invoke(payments_group, ["abandon", view["attempt_id"], "--url", core.url, "--staff", "c1",
                                               "--pin", "1234"], env=NO_STAFF)
    assert gone.exit_code == 0, gone.output
    with device.ledger.reading():
        rows = device.db.execute("SELECT action, staff_id, target FROM staff_actions ORDER BY id").fetchall()
    assert rows == [("cash", "c1", order["id"]), ("abandon", "c1", other["id"])]
