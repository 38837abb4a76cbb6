"""A table's bill at the counter, through the core's real HTTP API (a device with no upstream: the
money side works offline): every unpaid round of a table session paid by cash in ONE step (an
`order.paid` per order with what it owed, one audit row, the notice to upstream queued), the day
report counting a round as unpaid (待付款) until its bill is paid and a round paid on the phone
under its channel and 扫码点餐; opening, closing and calls refused with `upstream_offline` while
no upstream can be reached, 清台 refused while money is due unless a manager forces it."""

from __future__ import annotations

import json

from edge.orders import new_id
from tests.cashier.helpers import MANAGER, place


def round_order(service, session: str, round_no: int, lines=(("har_gow", 1),), payment: str = "table",
                channel: str | None = None, table: str = "12") -> dict:
    """A table round's order as the downstream path places it (edge/sync/downstream.py)."""
    doc = {"client_token": f"up-{new_id()}", "table": table, "payment": payment,
           "table_session": {"id": session, "round": round_no, "waited_ms": 0},
           "lines": [{"item_id": i, "qty": q} for i, q in lines]}
    if payment == "prepaid":
        doc["prepaid"] = {"attempt_id": new_id(), "channel": channel}
    view, created = service.place_order(doc, from_upstream=True)
    assert created and view["status"] == "placed" and view["payment"] == payment
    return view


def outbox(service, kind: str) -> list[dict]:
    with service.ledger.reading() as db:
        return [json.loads(r[0]) for r in db.execute("SELECT payload FROM outbox WHERE type = ? ORDER BY device_seq",
                                                      [kind])]


def test_cash_pays_the_whole_bill_in_one_step_and_the_report_follows(served):
    core = served()
    api = core.api
    service = core.service
    session, other = new_id(), new_id()
    first = round_order(service, session, 1, (("har_gow", 2),))
    second = round_order(service, session, 2, (("milk_tea", 1),))
    phone_paid = round_order(service, other, 1, (("siu_mai", 1),), payment="prepaid", channel="wechat", table="7")
    counter = place(service, lines=(("beef_chow_fun", 1),))
    api.login()

    # a dish of round 1 taken back: the bill owes the rest
    unit = first["lines"][0]["unit_price"]
    voided = api.call("POST", f"/v1/cashier/orders/{first['id']}/void", {"lines": [{"line_no": 1, "qty": 1}],
                                                                         "reason": "上错菜"})
    assert voided.status_code == 200, voided.text
    due = first["total"] - unit + second["total"]

    report = api.call("GET", "/v1/cashier/reports/day").json()
    assert report["unpaid"] == {"orders": 2, "amount": due}, "a round is not revenue before its bill is paid"
    assert report["collected"]["orders"] == 2
    assert report["collected"]["by_payment"] == {
        "counter": {"orders": 1, "net": counter["total"]}, "wechat": {"orders": 1, "net": phone_paid["total"]}}
    assert report["scan_orders"] == 1 and report["scan_net"] == phone_paid["total"]
    assert "微信支付 WeChat Pay" in report["text"] and "table" not in report["text"]

    # one order of the bill cannot be paid alone: the table pays together
    alone = api.call("POST", f"/v1/orders/{second['id']}/cash")
    assert (alone.status_code, alone.json()["error"]["code"]) == (409, "table_bill")
    assert api.call("POST", f"/v1/tables/{session}/pay", {"method": "cash"}, session="nobody").status_code == 401
    bad = api.call("POST", f"/v1/tables/{session}/pay", {"method": "card"})
    assert (bad.status_code, bad.json()["error"]["code"]) == (422, "bad_method")

    paid = api.call("POST", f"/v1/tables/{session}/pay", {"method": "cash"})
    assert paid.status_code == 200, paid.text
    body = paid.json()
    assert body["amount"] == due and {o["order_id"] for o in body["orders"]} == {first["id"], second["id"]}
    for order in (first, second):
        after = api.call("GET", f"/v1/cashier/orders/{order['id']}").json()
        assert (after["status"], after["payment"]) == ("paid", "cash")
    events = {e["order_id"]: e for e in outbox(service, "order.paid")}
    assert events[first["id"]]["amount"] == first["total"] - unit and events[second["id"]]["amount"] == second["total"]
    assert {events[o["id"]]["staff_id"] for o in (first, second)} == {"c1"}
    [bill_event] = outbox(service, "table.bill_paid")
    assert (bill_event["session_id"], bill_event["amount"], bill_event["method"]) == (session, due, "cash")
    with service.ledger.reading() as db:
        audit = [dict(r) for r in db.query("SELECT * FROM staff_actions WHERE action = 'bill_paid'")]
        notices = [dict(r) for r in db.query("SELECT * FROM table_bill_notices")]
    assert len(audit) == 1 and audit[0]["target"] == session and audit[0]["staff_id"] == "c1"
    assert [(n["session_id"], n["amount"], n["method"], n["state"]) for n in notices] == [
        (session, due, "cash", "queued")], "kept until upstream has it"
    again = api.call("POST", f"/v1/tables/{session}/pay", {"method": "cash"})
    assert (again.status_code, again.json()["error"]["code"]) == (409, "nothing_due")

    report = api.call("GET", "/v1/cashier/reports/day").json()
    assert report["unpaid"] == {"orders": 0, "amount": 0}
    assert report["collected"]["by_payment"]["cash"] == {"orders": 2, "net": due}
    assert report["scan_orders"] == 3 and report["net"] == due + counter["total"] + phone_paid["total"]


def test_without_upstream_the_view_keeps_the_money_due_and_refuses_changes(served):
    core = served()
    api = core.api
    service = core.service
    session = new_id()
    one = round_order(service, session, 1, (("har_gow", 1),))
    assert api.call("GET", "/v1/tables", session="nobody").status_code == 401
    api.login()

    view = api.call("GET", "/v1/tables")
    assert view.status_code == 200, view.text
    doc = view.json()
    assert doc["online"] is False and doc["message"]
    [table] = doc["tables"]
    assert (table["session_id"], table["table"], table["bill"]) == (session, "12", {
        "total": one["total"], "paid": 0, "due": one["total"]})
    assert [(r["round"], r["order_id"], r["order_state"]) for r in table["rounds"]] == [(1, one["id"], "unpaid")]

    for path in ("/v1/tables/12/open", "/v1/calls/abc/handled"):
        answer = api.call("POST", path, {})
        assert (answer.status_code, answer.json()["error"]["code"]) == (409, "upstream_offline"), path
    assert api.call("POST", "/v1/tables/1%202/open", {}).json()["error"]["code"] == "bad_table"
    unpaid = api.call("POST", f"/v1/tables/{session}/close", {})
    assert (unpaid.status_code, unpaid.json()["error"]["code"]) == (409, "bill_unpaid")
    assert unpaid.json()["error"]["due"] == one["total"]
    no_pin = api.call("POST", f"/v1/tables/{session}/close", {"force": True})
    assert (no_pin.status_code, no_pin.json()["error"]["code"]) == (403, "manager_pin")
    forced = api.call("POST", f"/v1/tables/{session}/close", {"force": True, "manager_id": MANAGER[0],
                                                              "manager_pin": MANAGER[3]})
    assert forced.json()["error"]["code"] == "upstream_offline", "the manager's PIN passes; upstream decides"

    assert api.call("POST", f"/v1/tables/{session}/pay", {"method": "cash"}).status_code == 200
    assert api.call("GET", "/v1/tables").json()["tables"] == [], "nothing owed here any more"
