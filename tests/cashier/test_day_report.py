"""The day report's totals equal the sum of the orders: a property test of the pure computation
over random days (voids and refunds included), and the same through the device database (orders
placed, voided and refunded through the core's real paths, then read back by the report)."""

from __future__ import annotations

import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from edge.cashier.day import day_report, render_text
from edge.cashier.order_actions import refund, void_lines
from edge.cashier.report import ReportLine, ReportOrder, compute_day
from edge.ledger.staff import Staff
from tests.cashier.helpers import open_service, place

CHANNELS = ("counter", "cash", "alipay", "wechat")
CATEGORIES = ("steamed", "fried", "drinks", "other")


@st.composite
def orders(draw, index: int) -> ReportOrder:
    lines = []
    for _ in range(draw(st.integers(1, 4))):
        unit, qty = draw(st.integers(0, 20_000)), draw(st.integers(1, 9))
        voided_qty = draw(st.integers(0, qty))
        lines.append(ReportLine(draw(st.sampled_from(CATEGORIES)), unit * qty, unit * voided_qty))
    total = sum(line.total for line in lines)
    left = total - sum(line.voided for line in lines)
    paid = draw(st.booleans()) or draw(st.booleans())  # about 3 in 4 paid; the rest still waiting (not revenue)
    discount = draw(st.integers(0, left)) if paid and draw(st.booleans()) else 0  # a member's coupon on a phone
    return ReportOrder(order_id=f"o{index}", hour=draw(st.integers(0, 23)), channel=draw(st.sampled_from(CHANNELS)),
                       source=draw(st.sampled_from(("kiosk", "phone"))), total=total, lines=tuple(lines),
                       refunded=draw(st.integers(0, left - discount)) if paid else 0,
                       void_count=draw(st.integers(0, 3)), refund_count=draw(st.integers(0, 3)), paid=paid,
                       discount=discount)


days = st.integers(0, 40).flatmap(lambda n: st.tuples(*[orders(i) for i in range(n)]))


@settings(max_examples=300, deadline=None)
@given(days, st.integers(0, 500))
def test_totals_equal_the_sum_of_the_orders(day, unsynced):
    """Revenue is the collected orders only; unpaid orders are counted apart with what they owe."""
    report = compute_day("2026-11-25", list(day), unsynced)
    waiting = [o for o in day if not o.paid]
    owed = [o.total - sum(line.voided for line in o.lines) for o in waiting]
    assert report.unpaid == {"orders": sum(1 for n in owed if n > 0), "amount": sum(owed)}
    assert report.voided_orders == sum(1 for o in day if o.total and sum(line.voided for line in o.lines) == o.total)
    day = [o for o in day if o.paid]
    gross = sum(o.total for o in day)
    voids = sum(line.voided for o in day for line in o.lines)
    refunds = sum(o.refunded for o in day)
    discounts = sum(o.discount for o in day)
    nets = [o.total - sum(line.voided for line in o.lines) - o.refunded - o.discount for o in day]
    assert (report.orders, report.gross, report.voids, report.refunds) == (len(day), gross, voids, refunds)
    assert report.discounts == {"count": sum(1 for o in day if o.discount), "amount": discounts}
    assert report.net == sum(nets) == gross - voids - refunds - discounts
    assert sum(v["net"] for v in report.by_channel.values()) == report.net
    assert sum(v["net"] for v in report.by_hour.values()) == report.net
    assert sum(v["orders"] for v in report.by_channel.values()) == len(day)
    assert sum(report.by_category.values()) == gross - voids
    for channel in CHANNELS:
        expected = sum(n for o, n in zip(day, nets, strict=True) if o.channel == channel)
        assert report.by_channel.get(channel, {"net": 0})["net"] == expected
    for hour in range(24):
        assert report.by_hour.get(hour, {"net": 0})["net"] == sum(n for o, n in zip(day, nets, strict=True)
                                                                   if o.hour == hour)
    assert report.scan_orders == sum(o.source == "phone" for o in day)
    assert report.scan_net == sum(n for o, n in zip(day, nets, strict=True) if o.source == "phone")
    assert report.unsynced == unsynced and 0.0 <= report.scan_share <= 1.0


def test_inconsistent_orders_are_refused():
    line = ReportLine("steamed", 1000, 0)
    with pytest.raises(ValueError):
        compute_day("d", [ReportOrder("o", 12, "cash", "kiosk", 999, (line,))])  # total != lines
    with pytest.raises(ValueError):
        compute_day("d", [ReportOrder("o", 12, "cash", "kiosk", 1000, (line,), refunded=1001)])  # refund > paid
    with pytest.raises(ValueError):
        compute_day("d", [ReportOrder("o", 24, "cash", "kiosk", 1000, (line,))])
    with pytest.raises(ValueError):  # a coupon worth more than what the order kept
        compute_day("d", [ReportOrder("o", 12, "alipay", "phone", 1000, (line,), refunded=500, discount=501)])
    with pytest.raises(ValueError):  # a coupon on an order that was never paid
        compute_day("d", [ReportOrder("o", 12, "table", "phone", 1000, (line,), paid=False, discount=100)])


ITEMS = ("har_gow", "siu_mai", "milk_tea", "beef_chow_fun", "char_siu_bao")
CASHIER = Staff("c1", "王收银", "cashier")
MANAGER = Staff("m1", "李经理", "manager")


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    svc = open_service(tmp_path_factory.mktemp("report"), start=False)
    yield svc
    svc.close()


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.integers(0, 2**32))
def test_report_from_the_database_equals_the_orders_placed_voided_and_refunded(service, seed):
    rng = random.Random(seed)
    at = service.clock.now()
    day = f"2030-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}-{seed}"[:10] + f"#{seed}"
    expected = {"orders": 0, "gross": 0, "voids": 0, "refunds": 0, "phone": 0}
    for n in range(rng.randint(0, 8)):
        lines = [(rng.choice(ITEMS), rng.randint(1, 3)) for _ in range(rng.randint(1, 3))]
        token = f"up-{seed}-{n}" if rng.random() < 0.3 else None
        order = place(service, lines, token=token)
        with service.ledger.reading():  # the report's day: move the order to this example's own day
            service.db.execute("UPDATE orders SET business_day = ? WHERE id = ?", [day, order["id"]])
            expected["orders"] += 1
            expected["gross"] += order["total"]
            expected["phone"] += token is not None
            for line_no, line in enumerate(order["lines"], 1):
                if rng.random() < 0.3:
                    qty = rng.randint(1, line["qty"])
                    void_lines(service.db, service.config, service.menu, at, day, order["id"],
                               [{"line_no": line_no, "qty": qty}], "测试", CASHIER,
                               MANAGER)  # a manager approves: some voids are above the store's threshold
                    expected["voids"] += qty * line["unit_price"]
            left = service.db.execute("SELECT total - (SELECT coalesce(sum(amount), 0) FROM order_voids"
                                      " WHERE order_id = ?) FROM orders WHERE id = ?",
                                      [order["id"], order["id"]]).fetchone()[0]
            if left and rng.random() < 0.4:
                amount = rng.randint(1, left)
                refund(service.db, at, order["id"], amount, "", CASHIER, MANAGER)
                expected["refunds"] += amount
    with service.ledger.reading():
        report = day_report(service.db, day)
    assert (report.orders, report.gross, report.voids, report.refunds, report.scan_orders) == (
        expected["orders"], expected["gross"], expected["voids"], expected["refunds"], expected["phone"])
    assert report.net == expected["gross"] - expected["voids"] - expected["refunds"]
    assert sum(v["net"] for v in report.by_hour.values()) == report.net
    assert sum(report.by_category.values()) == report.gross - report.voids
    assert f"{report.net // 100}." in render_text(report, {})
