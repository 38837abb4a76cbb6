"""The end-of-day report (日结), pure: orders of one business day in, totals out (integer fen).

Only money collected is revenue. An order counts as collected once its money was taken or is
taken at the counter by the store's rule (paid by code or cash; a pay-at-counter order sent to
the kitchen in `pay_later`; a table's round paid on the phone); an order still waiting for its
payment (`awaiting_payment`: held, nothing made; or a table's round before the table's bill is
paid) is not revenue: it is counted apart in `unpaid`, with what it still owes. Voided
orders and refunds are shown apart as well.

Per collected order: net = total - voided - refunded - discount (the money model of
edge/cashier/order_actions.py; `discount` is what a member's coupon took off an order paid on a
phone: not money collected). The report's identities, checked by a property test over random
days (over the collected orders):

    gross - voids - refunds - discounts = net = sum(by_channel) = sum(by_hour)
    sum(by_category) = gross - voids       (refunds are per order, not per dish: shown apart)
    orders = sum(order counts by channel); scan_orders <= orders
    unpaid["orders"] = orders not paid; unpaid["amount"] = what they owe (total - voided)
    voided_orders = orders voided in full, paid before or not

An order belongs to its business day (the day it was placed), with every void and refund made on
it so far: a refund made the next morning changes the day it refunds. `unsynced` is the number of
outbox events not yet held by upstream when the report was made.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass, field

SOURCES = ("kiosk", "phone")  # phone = ordered by scanning a table code (扫码点餐)


@dataclass(frozen=True)
class ReportLine:
    category: str
    total: int
    voided: int = 0


@dataclass(frozen=True)
class ReportOrder:
    order_id: str
    hour: int  # local hour it was placed, 0-23
    channel: str  # payment channel: counter, cash, alipay, wechat, unionpay
    source: str  # kiosk | phone
    total: int
    lines: tuple[ReportLine, ...]
    refunded: int = 0
    void_count: int = 0
    refund_count: int = 0
    paid: bool = True  # False: still waiting for its payment (not revenue)
    discount: int = 0  # what a member's coupon took off it on the phone that paid it

    @property
    def voided(self) -> int:
        return sum(line.voided for line in self.lines)

    @property
    def net(self) -> int:
        return self.total - self.voided - self.refunded - self.discount


@dataclass(frozen=True)
class DayReport:
    day: str
    orders: int
    gross: int
    voids: int
    refunds: int
    net: int
    voided_orders: int  # fully voided
    void_count: int  # void actions
    refund_count: int
    by_channel: dict[str, dict] = field(default_factory=dict)  # channel -> {"orders", "net"}
    by_hour: dict[int, dict] = field(default_factory=dict)  # hour -> {"orders", "net"}
    by_category: dict[str, int] = field(default_factory=dict)  # category -> sales after voids
    scan_orders: int = 0
    scan_net: int = 0
    unsynced: int = 0
    discounts: dict = field(default_factory=lambda: {"count": 0, "amount": 0})  # coupons applied on phones
    vouchers: dict = field(default_factory=lambda: {"count": 0, "value": 0})
    unpaid: dict = field(default_factory=lambda: {"orders": 0, "amount": 0})  # not revenue

    @property
    def scan_share(self) -> float:
        """Share of orders placed by scanning a table code, 0.0-1.0."""
        return self.scan_orders / self.orders if self.orders else 0.0

    def doc(self) -> dict:
        doc = asdict(self)
        doc["by_hour"] = {f"{h:02d}": v for h, v in sorted(self.by_hour.items())}
        doc["scan_share"] = round(self.scan_share, 4)
        doc["collected"] = {"orders": self.orders, "gross": self.gross, "voids": self.voids,
                            "refunds": self.refunds, "discounts": self.discounts["amount"], "net": self.net,
                            "by_payment": doc["by_channel"]}
        doc["voided"] = {"orders": self.voided_orders, "count": self.void_count, "amount": self.voids}
        doc["refunded"] = {"count": self.refund_count, "amount": self.refunds}
        return doc


def compute_day(day: str, orders: list[ReportOrder], unsynced: int = 0,
                vouchers: tuple[int, int] = (0, 0)) -> DayReport:
    """Totals of one day's orders; `vouchers` = (count, value) redeemed that day."""
    by_channel: dict[str, dict] = defaultdict(lambda: {"orders": 0, "net": 0})
    by_hour: dict[int, dict] = defaultdict(lambda: {"orders": 0, "net": 0})
    by_category: dict[str, int] = defaultdict(int)
    gross = voids = refunds = voided_orders = void_count = refund_count = scan_orders = scan_net = 0
    unpaid = {"orders": 0, "amount": 0}
    discounts = {"count": 0, "amount": 0}
    collected = 0
    for order in orders:
        if order.source not in SOURCES:
            raise ValueError(f"order {order.order_id}: source must be one of {SOURCES}")
        if not 0 <= order.hour <= 23:
            raise ValueError(f"order {order.order_id}: hour must be 0-23")
        if sum(line.total for line in order.lines) != order.total:
            raise ValueError(f"order {order.order_id}: total is not the sum of its lines")
        if order.discount < 0 or order.net < 0 \
                or any(line.voided > line.total or line.voided < 0 for line in order.lines):
            raise ValueError(f"order {order.order_id}: voids, refunds and coupons exceed what was ordered")
        if not order.paid:  # not revenue: what it owes, or (voided in full) nothing
            if order.refunded or order.discount:
                raise ValueError(f"order {order.order_id}: a refund or coupon on an order that was never paid")
            if order.total > order.voided:
                unpaid["orders"] += 1
                unpaid["amount"] += order.total - order.voided
            elif order.total:
                voided_orders += 1
            continue
        collected += 1
        gross += order.total
        voids += order.voided
        refunds += order.refunded
        void_count += order.void_count
        refund_count += order.refund_count
        if order.discount:
            discounts["count"] += 1
            discounts["amount"] += order.discount
        if order.total and order.voided == order.total:
            voided_orders += 1
        for bucket in (by_channel[order.channel], by_hour[order.hour]):
            bucket["orders"] += 1
            bucket["net"] += order.net
        for line in order.lines:
            by_category[line.category] += line.total - line.voided
        if order.source == "phone":
            scan_orders += 1
            scan_net += order.net
    return DayReport(day=day, orders=collected, gross=gross, voids=voids, refunds=refunds,
                     net=gross - voids - refunds - discounts["amount"], voided_orders=voided_orders,
                     void_count=void_count,
                     refund_count=refund_count, by_channel=dict(sorted(by_channel.items())),
                     by_hour=dict(sorted(by_hour.items())), by_category=dict(sorted(by_category.items())),
                     scan_orders=scan_orders, scan_net=scan_net, unsynced=unsynced, discounts=discounts,
                     vouchers={"count": vouchers[0], "value": vouchers[1]}, unpaid=unpaid)
