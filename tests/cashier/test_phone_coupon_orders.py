"""A member's coupon applied on a phone, as the device receives it (upstream's commands, through the
core's own entry points): a prepaid round's `prepaid.discount`, a bill's `table.bill_paid`
`discount` spread over the rounds it paid. The order keeps its total; the money collected (the
day report's revenue, `order.paid`'s amount) is less the coupon; a malformed or oversized coupon is
refused and nothing is stored."""

from __future__ import annotations

import json

import pytest

from edge.cart import CartError
from edge.cashier.day import day_report
from edge.payments.bills import with_coupon

SESSION = "ts1"


def round_doc(round_no: int, payment: str = "table", **prepaid) -> dict:
    doc = {"client_token": f"up-{SESSION}-{round_no}", "service": "dine_in", "table": "12", "payment": payment,
           "lines": [{"item_id": "har_gow", "qty": 1}], "table_session": {"id": SESSION, "round": round_no}}
    if payment == "prepaid":
        doc["prepaid"] = {"attempt_id": "a" * 26, "channel": "alipay", **prepaid}
    return doc


def events(core, kind: str) -> list[dict]:
    with core.service.ledger.reading() as db:
        return [json.loads(r["payload"]) for r in db.query("SELECT payload FROM outbox WHERE type = ?"
                                                           " ORDER BY device_seq", [kind])]


def report_of(core, day: str):
    with core.service.ledger.reading() as db:
        return day_report(db, day)


def test_a_prepaid_round_with_a_coupon_counts_the_money_collected(served):
    core = served()
    order, _ = core.service.place_order(round_doc(1, "prepaid", discount=800, coupon_id="QABC123"),
                                        from_upstream=True)
    placed = events(core, "order.placed")[-1]
    assert placed["prepaid"] == {"attempt_id": "a" * 26, "channel": "alipay", "discount": 800, "coupon_id": "QABC123"}
    report = report_of(core, order["business_day"])
    assert report.gross == order["total"] and report.net == order["total"] - 800
    assert report.discounts == {"count": 1, "amount": 800}
    assert report.by_channel == {"alipay": {"orders": 1, "net": order["total"] - 800}}


@pytest.mark.parametrize("prepaid", [{"discount": 800}, {"discount": -1, "coupon_id": "Q1"},
                                     {"discount": True, "coupon_id": "Q1"}, {"discount": 800, "coupon_id": "Q 1"},
                                     {"discount": 10**6, "coupon_id": "Q1"}])
def test_a_malformed_or_oversized_coupon_on_a_round_is_refused(served, prepaid):
    core = served()
    with pytest.raises(CartError):
        core.service.place_order(round_doc(1, "prepaid", **prepaid), from_upstream=True)
    assert events(core, "order.placed") == []


def test_a_bill_paid_with_a_coupon_spreads_it_over_the_rounds(served):
    core = served()
    first, _ = core.service.place_order(round_doc(1), from_upstream=True)
    second, _ = core.service.place_order(round_doc(2), from_upstream=True)
    total = first["total"] + second["total"]
    discount = first["total"] + 100  # more than the first round owes: the rest comes off the second
    paid = core.service.table_paid_on_phone({"session_id": SESSION, "attempt_id": "b" * 26, "channel": "wechat",
                                             "amount": total - discount, "discount": discount,
                                             "coupon_id": "QBILL1"})
    assert paid == {"orders": [first["id"], second["id"]], "unmatched": 0}
    amounts = {e["order_id"]: (e["amount"], e.get("discount", 0)) for e in events(core, "order.paid")}
    assert amounts == {first["id"]: (0, first["total"]), second["id"]: (second["total"] - 100, 100)}
    report = report_of(core, first["business_day"])
    assert (report.gross, report.net) == (total, total - discount)
    assert report.discounts == {"count": 2, "amount": discount}
    assert report.by_channel == {"wechat": {"orders": 2, "net": total - discount}}


def test_a_malformed_coupon_on_a_bill_is_refused_and_nothing_is_paid(served):
    core = served()
    core.service.place_order(round_doc(1), from_upstream=True)
    for bad in ({"discount": 500}, {"discount": "5", "coupon_id": "Q1"}, {"discount": 0, "coupon_id": "Q1"}):
        with pytest.raises(ValueError):
            core.service.table_paid_on_phone({"session_id": SESSION, "attempt_id": "b" * 26, "channel": "wechat",
                                              "amount": 100, **bad})
    assert events(core, "order.paid") == []


def test_with_coupon_spreads_in_order_and_never_beyond_what_is_owed():
    orders = [{"order_id": "o1", "due": 300}, {"order_id": "o2", "due": 500}]
    assert with_coupon(orders, 0, None) == orders
    assert [o.get("discount", 0) for o in with_coupon(orders, 400, "Q")] == [300, 100]
    with pytest.raises(ValueError):
        with_coupon(orders, 801, "Q")
