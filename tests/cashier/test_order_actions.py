"""Cashier order actions through the core's API: search, detail, void (退菜 tickets printed),
refund (manager PIN, never above what was paid), reprint (补打 REPRINT), pickup, 估清 — each one
recorded with who did it and as an outbox event."""

from __future__ import annotations

import json
import time

import pytest

from edge.printer_sim.simulator import PrinterSimulator
from tests.cashier.helpers import CASHIER, MANAGER, Api, pickup, place
from tests.support import wait_for

STATIONS = ("dimsum", "kitchen", "bar", "receipt")  # receipt: the counter's receipt printer


@pytest.fixture
def sims():
    started = {s: PrinterSimulator(port=0, name=s).start() for s in STATIONS}
    yield started
    for sim in started.values():
        sim.stop()


def events(core, kind: str) -> list[dict]:
    with core.service.ledger.reading():
        return [json.loads(r[0]) for r in core.service.db.execute(
            "SELECT payload FROM outbox WHERE type = ? ORDER BY device_seq", [kind])]


def actions(core, target: str) -> list[tuple]:
    with core.service.ledger.reading():
        return core.service.db.execute("SELECT action, staff_id, approved_by FROM staff_actions WHERE target = ?"
                                       " ORDER BY id", [target]).fetchall()


def test_search_by_ticket_table_and_time(served):
    core = served()
    api = core.api
    first = place(core.service, table="7")
    time.sleep(0.01)
    middle = int(time.time() * 1000)
    time.sleep(0.01)
    second = place(core.service, table="12")
    third = place(core.service, table=None)
    find = lambda **q: [o["ticket_no"] for o in api.call("GET", "/v1/cashier/orders", **q).json()["orders"]]  # noqa: E731
    assert find(ticket=second["ticket_no"].lower()) == [second["ticket_no"]]
    assert find(table="7") == [first["ticket_no"]]
    assert find(since_ms=middle) == [third["ticket_no"], second["ticket_no"]]
    assert find(until_ms=middle) == [first["ticket_no"]]
    assert find(day=first["business_day"], table="12", open="true") == [second["ticket_no"]]
    detail = api.call("GET", f"/v1/cashier/orders/{first['id']}").json()
    assert detail["money"]["refundable"] == first["total"] and detail["lines"][0]["voided_qty"] == 0
    assert api.call("GET", "/v1/cashier/orders/nope").status_code == 404


def test_void_prints_void_tickets_and_records_who(served, sims):
    core = served(printers={s: sim.port for s, sim in sims.items()})
    api = core.api
    order = place(core.service, lines=(("har_gow", 2), ("milk_tea", 1)), table="12")
    sims["dimsum"].wait_for_tickets(1, 10)
    assert api.call("POST", f"/v1/cashier/orders/{order['id']}/void", {"lines": None}).status_code == 401
    api.login()
    answer = api.call("POST", f"/v1/cashier/orders/{order['id']}/void",
                      {"lines": [{"line_no": 1, "qty": 1}], "reason": "客人取消"})
    assert answer.status_code == 200, answer.text
    assert answer.json()["money"]["due"] == order["total"] - order["lines"][0]["unit_price"]
    ticket = sims["dimsum"].wait_for_tickets(2, 10)[1].text
    assert "退菜" in ticket and "退 水晶虾饺皇" in ticket and "×1" in ticket and "客人取消" in ticket
    too_many = api.call("POST", f"/v1/cashier/orders/{order['id']}/void", {"lines": [{"line_no": 1, "qty": 2}],
                                                                             "reason": "上错菜"})
    assert too_many.status_code == 409 and too_many.json()["error"]["code"] == "too_many"
    no_reason = api.call("POST", f"/v1/cashier/orders/{order['id']}/void", {"lines": None, "reason": " "})
    assert no_reason.status_code == 422 and no_reason.json()["error"]["code"] == "reason_required"
    rest = api.call("POST", f"/v1/cashier/orders/{order['id']}/void", {"lines": None, "reason": "上错菜"}).json()
    assert rest["full"] and rest["money"]["due"] == 0
    assert "退 港式奶茶" in sims["bar"].wait_for_tickets(2, 10)[1].text
    assert api.call("GET", f"/v1/cashier/orders/{order['id']}").json()["status"] == "voided"
    assert [e["amount"] for e in events(core, "cashier.void")] == [order["lines"][0]["unit_price"],
                                                                   order["total"] - order["lines"][0]["unit_price"]]
    assert actions(core, order["id"]) == [("void", "c1", None), ("void", "c1", None)]


def test_refund_needs_a_manager_and_never_exceeds_what_was_paid(served):
    core = served()
    api = core.api
    order = place(core.service, lines=(("har_gow", 1),))
    api.login()
    url = f"/v1/cashier/orders/{order['id']}/refund"
    no_pin = api.call("POST", url, {"amount": 100})
    assert no_pin.status_code == 403 and no_pin.json()["error"]["code"] == "manager_pin"
    not_manager = api.call("POST", url, {"amount": 100, "manager_id": "c1", "manager_pin": CASHIER[3]})
    assert not_manager.json()["error"]["code"] == "not_manager"
    wrong = api.call("POST", url, {"amount": 100, "manager_id": "m1", "manager_pin": "0000"})
    assert wrong.status_code == 403 and wrong.json()["error"]["attempts_left"] == 4
    above = api.call("POST", url, {"amount": order["total"] + 1, "manager_id": "m1", "manager_pin": MANAGER[3]})
    assert above.status_code == 409 and above.json()["error"]["code"] == "above_paid"
    for bad in (0, -5, 1.5, "100", True):
        answer = api.call("POST", url, {"amount": bad, "manager_id": "m1", "manager_pin": MANAGER[3]})
        assert answer.status_code == 422, bad
    part = api.call("POST", url, {"amount": 800, "reason": "上错菜", "manager_id": "m1", "manager_pin": MANAGER[3]})
    assert part.status_code == 200 and part.json()["money"]["refundable"] == order["total"] - 800
    rest = api.call("POST", url, {"amount": order["total"] - 799, "manager_id": "m1", "manager_pin": MANAGER[3]})
    assert rest.json()["error"]["code"] == "above_paid", "refunds together stay within what was paid"
    api.call("POST", url, {"amount": order["total"] - 800, "manager_id": "m1", "manager_pin": MANAGER[3]})
    assert api.call("GET", f"/v1/cashier/orders/{order['id']}").json()["status"] == "refunded"
    void = api.call("POST", f"/v1/cashier/orders/{order['id']}/void", {"lines": None, "reason": "上错菜"})
    assert void.json()["error"]["code"] == "already_refunded"
    assert [e["amount"] for e in events(core, "cashier.refund")] == [800, order["total"] - 800]
    assert actions(core, order["id"]) == [("refund", "c1", "m1"), ("refund", "c1", "m1")]


def test_refund_of_a_code_payment_needs_the_upstream(served):
    core = served()
    order = place(core.service)
    with core.service.ledger.step():
        core.service.db.execute("UPDATE orders SET payment = 'wechat' WHERE id = ?", [order["id"]])
        core.service.db["payment_attempts"].insert({
            "attempt_id": "a" * 26, "order_id": order["id"], "out_trade_no": "a" * 26, "amount": order["total"],
            "channel": "wechat", "state": "succeeded", "created_wall_ms": 1, "updated_wall_ms": 1})
    core.api.login()
    money = core.api.call("GET", f"/v1/cashier/orders/{order['id']}").json()["money"]
    assert (money["paid"], money["electronic"]) == (order["total"], True)
    answer = core.api.call("POST", f"/v1/cashier/orders/{order['id']}/refund",
                           {"amount": 100, "manager_id": "m1", "manager_pin": MANAGER[3]})
    assert answer.status_code == 409 and answer.json()["error"]["code"] == "offline", "not enrolled: no gateway"
    assert "code-payment refunds need the upstream" in answer.json()["error"]["message"]
    assert core.api.call("GET", f"/v1/cashier/orders/{order['id']}").json()["refunds"] == []


def test_reprint_any_ticket_with_the_banner(served, sims):
    core = served(printers={s: sim.port for s, sim in sims.items()})
    order = place(core.service, lines=(("har_gow", 1),))
    sims["dimsum"].wait_for_tickets(1, 10)
    job = order["print_jobs"][0]["id"]
    core.api.login()
    answer = core.api.call("POST", f"/v1/cashier/print-jobs/{job}/reprint")
    assert answer.status_code == 200 and answer.json()["job"]["reprint"]
    text = sims["dimsum"].wait_for_tickets(2, 10)[1].text
    assert "补打 REPRINT" in text and "水晶虾饺皇" in text
    assert core.api.call("POST", "/v1/cashier/print-jobs/nope/reprint").status_code == 404
    assert actions(core, order["id"]) == [("reprint", "c1", None)]
    assert events(core, "cashier.reprint")[0]["job_id"] == job


def test_pickup_codes_collect_once(served):
    core = served()
    order = place(core.service)
    code = pickup(order["id"], order["ticket_no"])
    api = core.api
    api.login()
    first = api.call("POST", "/v1/cashier/pickups", {"code": code})
    assert first.status_code == 200 and first.json()["ticket_no"] == order["ticket_no"]
    again = api.call("POST", "/v1/cashier/pickups", {"code": code})
    error = again.json()["error"]
    assert again.status_code == 409 and error["code"] == "already_collected" and error["staff_name"] == "王收银"
    forged = code[:-3] + ("AAA" if code[-3:] != "AAA" else "BBB")
    assert api.call("POST", "/v1/cashier/pickups", {"code": forged}).json()["error"]["code"] == "bad_pickup_code"
    assert len(events(core, "pickup.collected")) == 1
    assert api.call("GET", "/v1/cashier/orders", open="true").json()["orders"] == []


def test_sold_out_changes_the_menu_at_once_and_is_recorded(served):
    core = served()
    api = Api(core.url)
    api.login(MANAGER)
    answer = api.call("POST", "/v1/cashier/menu/items/har_gow/sold-out", {"sold_out": True})
    assert answer.status_code == 200 and answer.json()["changed"]
    menu = api.call("GET", "/v1/menu").json()
    assert next(i for i in menu["items"] if i["id"] == "har_gow")["sold_out"]
    refused = api.call("POST", "/v1/orders", {"client_token": "x1", "lines": [{"item_id": "har_gow"}]})
    assert refused.status_code == 422 and refused.json()["error"]["code"] == "sold_out"
    api.call("POST", "/v1/cashier/menu/items/har_gow/sold-out", {"sold_out": False})
    assert api.call("POST", "/v1/orders", {"client_token": "x2", "lines": [{"item_id": "har_gow"}]}).status_code == 201
    assert [e["sold_out"] for e in events(core, "menu.sold_out")] == [True, False]
    assert actions(core, "har_gow") == [("sold_out", "m1", None), ("in_stock", "m1", None)]
    assert api.call("POST", "/v1/cashier/menu/items/nope/sold-out", {"sold_out": True}).status_code == 404


def test_day_close_is_recorded_and_printed(served, sims):
    core = served(printers={s: sim.port for s, sim in sims.items()})
    order = place(core.service, lines=(("har_gow", 2),))
    api = core.api
    api.login()
    api.call("POST", f"/v1/cashier/orders/{order['id']}/void", {"lines": [{"line_no": 1, "qty": 1}],
                                                                  "reason": "等太久"})
    report = api.call("GET", "/v1/cashier/reports/day").json()
    assert (report["orders"], report["gross"], report["voids"]) == (1, order["total"], order["total"] // 2)
    closed = api.call("POST", "/v1/cashier/reports/day/close", {"print": True}).json()
    assert closed["closed"] and closed["job"]
    event = events(core, "day.closed")[0]
    assert event["report"]["net"] == order["total"] // 2 and event["staff_id"] == "c1"
    wait_for(lambda: any("日结" in t.text for t in sims["receipt"].tickets), 10, what="the report at the counter")
    printed = [t.text for t in sims["receipt"].tickets if "日结" in t.text]  # after the customer's receipt
    assert printed and "营业额（实收） Revenue" in printed[0] and "¥28.00" in printed[0]
    assert not any("日结" in t.text for name in ("dimsum", "kitchen", "bar") for t in sims[name].tickets)
    assert api.call("GET", "/v1/cashier/reports/day", date="yesterday").status_code == 422


def test_the_day_report_never_prints_on_a_kitchen_printer(served, sims):
    """Several kitchen printers and no receipt printer: printing the report is refused with words
    that say what to set (closing the day still works, unprinted); `[stations] report` chooses."""
    kitchens = {s: sims[s].port for s in ("dimsum", "kitchen", "bar")}
    core = served(printers=kitchens)
    core.api.login()
    refused = core.api.call("POST", "/v1/cashier/reports/day/print", {})
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "no_report_printer"
    assert "receipt" in refused.json()["error"]["message"]
    closed = core.api.call("POST", "/v1/cashier/reports/day/close", {"print": True}).json()
    assert closed["closed"] and closed["job"] is None
    chosen = served(printers=kitchens, name="chosen", extra='report = "bar"\n')  # appended to [stations]
    chosen.api.login()
    assert chosen.api.call("POST", "/v1/cashier/reports/day/print", {}).status_code == 202
    wait_for(lambda: any("日结" in t.text for t in sims["bar"].tickets), 10, what="the report on the bar printer")
    assert not any("日结" in t.text for name in ("dimsum", "kitchen") for t in sims[name].tickets)
