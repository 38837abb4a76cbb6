"""The day report from the device database, as text (screen, CLI) and as a printed ticket.

`load_orders` turns one business day's orders, with their voids and refunds, into the pure
report's input (edge/cashier/report.py): an order `awaiting_payment` is not paid (not revenue,
shown apart with what it owes), nor is a table round's order while its table's bill is not paid
(payment still `table`: edge/ledger/table_bills.py); a round paid on the phone (`prepaid`) is
collected under the channel that paid it; categories come from the device's menu (a dish no
longer on the menu counts under "other"); an order placed from upstream (a phone order after
scanning a table code, client token `up-…`, or a table session's round) counts as scan-ordered
(扫码点餐).
"""

from __future__ import annotations

from collections import defaultdict

import sqlite_utils

from edge.cashier.report import DayReport, ReportLine, ReportOrder, compute_day
from edge.ledger.outbox import unsynced_count
from edge.ledger.table_bills import UNPAID_PAYMENT
from edge.money import format_fen
from edge.printer.builder import TicketBuilder
from edge.printer.layout import rule, two_columns, wrap
from edge.printer.sanitize import clean_text

OTHER = "other"
CHANNEL_NAMES = {"counter": ("到店付款", "Pay at counter"), "cash": ("现金", "Cash"), "alipay": ("支付宝", "Alipay"),
                 "wechat": ("微信支付", "WeChat Pay"), "unionpay": ("云闪付", "UnionPay"),
                 "code": ("扫码支付", "Payment code")}
LANGS = (None, "zh", "en")  # None: both, Chinese first (paper, CLI); "zh" / "en": one (the screen's toggle)


def words(zh: str, en: str, lang: str | None = None) -> str:
    """A label in `lang`: "zh en" for both."""
    return zh if lang == "zh" else en if lang == "en" else f"{zh} {en}"


def load_orders(db: sqlite_utils.Database, day: str) -> list[ReportOrder]:
    categories = dict(db.execute("SELECT id, category_id FROM menu_items").fetchall())
    voids: dict[tuple[str, int], int] = defaultdict(int)
    void_counts: dict[str, int] = defaultdict(int)
    for order_id, line_no, amount in db.execute(
            "SELECT v.order_id, v.line_no, v.amount FROM order_voids v JOIN orders o ON o.id = v.order_id"
            " WHERE o.business_day = ?", [day]):
        voids[(order_id, line_no)] += amount
    for order_id, n in db.execute("SELECT v.order_id, count(DISTINCT v.at_ms) FROM order_voids v JOIN orders o"
                                  " ON o.id = v.order_id WHERE o.business_day = ? GROUP BY v.order_id", [day]):
        void_counts[order_id] = n
    refunds = {r[0]: (r[1], r[2]) for r in db.execute(
        "SELECT r.order_id, sum(r.amount), count(*) FROM refunds r JOIN orders o ON o.id = r.order_id"
        " WHERE o.business_day = ? AND r.state != 'failed' GROUP BY r.order_id", [day])}
    lines: dict[str, list[ReportLine]] = defaultdict(list)
    for order_id, line_no, item_id, total in db.execute(
            "SELECT l.order_id, l.line_no, l.item_id, l.total FROM order_lines l JOIN orders o ON o.id = l.order_id"
            " WHERE o.business_day = ? ORDER BY l.order_id, l.line_no", [day]):
        lines[order_id].append(ReportLine(categories.get(item_id, OTHER), total, voids.get((order_id, line_no), 0)))
    out = []
    for o in db.query("SELECT id, client_token, payment, total, created_local, status, table_session,"
                      " prepaid_channel, discount FROM orders WHERE business_day = ? ORDER BY day_seq", [day]):
        refunded, refund_count = refunds.get(o["id"], (0, 0))
        # a round paid on the phone counts under the channel that paid it
        channel = o["prepaid_channel"] if o["payment"] == "prepaid" and o["prepaid_channel"] else o["payment"]
        phone = o["client_token"].startswith("up-") or o["table_session"] is not None
        out.append(ReportOrder(order_id=o["id"], hour=int(o["created_local"][11:13]), channel=channel,
                               source="phone" if phone else "kiosk",
                               total=o["total"], lines=tuple(lines[o["id"]]), refunded=refunded,
                               void_count=void_counts.get(o["id"], 0), refund_count=refund_count,
                               discount=o["discount"],
                               paid=o["status"] != "awaiting_payment" and o["payment"] != UNPAID_PAYMENT))
    return out


def day_report(db: sqlite_utils.Database, day: str) -> DayReport:
    vouchers = db.execute("SELECT count(*), coalesce(sum(value), 0) FROM voucher_redemptions"
                          " WHERE business_day = ? AND state != 'pending'", [day]).fetchone()
    return compute_day(day, load_orders(db, day), unsynced_count(db), (vouchers[0], vouchers[1]))


def category_names(db: sqlite_utils.Database, lang: str | None = None) -> dict[str, str]:
    return {**{c: words(zh, en, lang) for c, zh, en in db.execute("SELECT id, zh, en FROM menu_categories")},
            OTHER: words("其他", "Other", lang)}


def report_lines(report: DayReport, names: dict[str, str], device: str = "",
                 lang: str | None = None) -> list[tuple[str, str]]:
    """(label, value) rows, the same on screen, in the CLI and on paper; ("", "") is a rule and
    (title, "") a heading. `lang`: see LANGS."""
    def w(zh: str, en: str) -> str:
        return words(zh, en, lang)

    def count_amount(count: int, amount: int) -> str:
        return f"{count}  {format_fen(amount)}"

    rows = [(w("日结", "Day report") + f" {report.day}", "")] + ([(w("设备", "Device"), device)] if device else [])
    kiosk = report.orders - report.scan_orders
    rows += [("", ""), (w("已收款", "Collected"), ""), (w("订单", "Orders"), str(report.orders)),
             (w("点单金额", "Ordered"), format_fen(report.gross)),
             (w("营业额（实收）", "Revenue"), format_fen(report.net)),  # ordered − voided − refunded − coupons
             ("", ""), (w("不计入营业额（笔数 金额）", "Not revenue (count, amount)"), ""),
             (w("待付款", "Not paid yet"), count_amount(report.unpaid["orders"], report.unpaid["amount"])),
             (w("退菜", "Voided"), count_amount(report.void_count, report.voids)),
             (w("整单退菜", "Fully voided orders"), str(report.voided_orders)),
             (w("退款", "Refunded"), count_amount(report.refund_count, report.refunds)),
             (w("会员券抵扣", "Member coupons"), count_amount(report.discounts["count"], report.discounts["amount"])),
             ("", ""), (w("按来源", "By where ordered"), ""),
             (w("自助点餐", "Kiosk"), count_amount(kiosk, report.net - report.scan_net)),
             (w("扫码点餐", "Scan-ordered"),
              f"{report.scan_orders} ({report.scan_share:.0%}) {format_fen(report.scan_net)}"),
             ("", ""),
             (w("券核销", "Vouchers"), count_amount(report.vouchers["count"], report.vouchers["value"])),
             (w("未同步", "Not synced"), str(report.unsynced)), ("", ""), (w("按支付方式", "By payment"), "")]
    rows += [(w(*CHANNEL_NAMES[c]) if c in CHANNEL_NAMES else c, count_amount(v["orders"], v["net"]))
             for c, v in report.by_channel.items()]
    rows += [("", ""), (w("按时段", "By hour"), "")]
    rows += [(f"{h:02d}:00-{h:02d}:59", count_amount(v["orders"], v["net"])) for h, v in report.by_hour.items()]
    rows += [("", ""), (w("按品类（退菜后）", "By category (after voids)"), "")]
    rows += [(names.get(c, c), format_fen(v)) for c, v in report.by_category.items()]
    return rows


def render_text(report: DayReport, names: dict[str, str], device: str = "", width: int = 48,
                lang: str | None = None) -> str:
    out = []
    for label, value in report_lines(report, names, device, lang):
        if not label and not value:
            out.append(rule(width))
        else:
            out.extend(two_columns(label, value, width) if value else [label])
    return "\n".join(out)


def render_ticket(report: DayReport, names: dict[str, str], device: str, profile) -> bytes:
    """The printed day report (ESC/POS for `profile`)."""
    cols = profile.columns
    out = TicketBuilder(profile)
    for n, (label, value) in enumerate(report_lines(report, names, device)):
        label, value = clean_text(label), clean_text(value)
        if n == 0:
            out.style(height=2, bold=True, align="center")
            out.lines(wrap(label, cols))
            out.style()
        elif not label and not value:
            out.line(rule(cols))
        elif not value:
            out.style(bold=True)
            out.lines(wrap(label, cols))
            out.style()
        else:
            out.lines(two_columns(label, value, cols))
    return out.finish(beep=False)
