"""The customer receipt: what was ordered, the total, how it was paid, and the pickup-code QR.

    粤点茶楼                      shop name, big, centred
     补打 REPRINT                 when re-sent (and 转自 … on a backup printer)
    取餐号 A017                   big, centred: the number the counter calls
    堂食 DINE-IN 桌 12            or 外带 TAKEAWAY
    2026-11-25 12:03
    ------------------------------------------------
    水晶虾饺皇 ×2                               ¥56.00
      - 大
    ------------------------------------------------
    合计 TOTAL                                  ¥88.00   big
    支付方式 微信支付 WeChat Pay   (待付款 UNPAID when not paid yet)
                 [QR: pickup code]                 `GS ( k`, printed by the printer
           取餐码 Show this code at the counter
    谢谢惠顾 Thank you

Amounts are integer fen (`edge.money.format_fen`), printed with the full-width ￥ (U+FFE5),
which GBK has (the half-width ¥ is not in GBK). No beep: receipts are not kitchen tickets.
"""

from __future__ import annotations

from dataclasses import dataclass

from edge.money import format_fen
from edge.printer.builder import TicketBuilder
from edge.printer.layout import rule, two_columns, wrap
from edge.printer.sanitize import clean_text, clip
from edge.printer.tickets import NAME_LIMIT, OPTION_PREFIX, SERVICES, banners, indented
from edge.printer_profiles import PrinterProfile

YUAN = "￥"

PAYMENT_LABELS = {
    "counter": "到店付款 Pay at counter", "cash": "现金 Cash", "alipay": "支付宝 Alipay",
    "wechat": "微信支付 WeChat Pay", "unionpay": "银联 UnionPay", "voucher": "券 Voucher",
    "table": "桌台结账 Table bill", "prepaid": "手机已付 Paid by phone",
}
SERVICE_NAMES = {"dine_in": "堂食 DINE-IN", "takeaway": "外带 TAKEAWAY"}


@dataclass(frozen=True)
class ReceiptLine:
    name: str
    qty: int
    total: int  # fen
    options: tuple[str, ...] = ()


@dataclass(frozen=True)
class CustomerReceipt:
    shop_name: str
    ticket_no: str
    service: str
    table: str | None
    placed_at: str
    lines: tuple[ReceiptLine, ...]
    total: int  # fen
    payment: str  # channel: counter, cash, alipay, wechat, unionpay, ...
    paid: bool = False
    pickup_code: str = ""  # the signed pickup code (edge.codes); empty: no QR
    reprint: bool = False
    transferred_from: str = ""

    def __post_init__(self) -> None:
        if self.service not in SERVICES:
            raise ValueError(f"service must be one of {', '.join(SERVICES)}, got {self.service!r}")
        if not isinstance(self.total, int) or isinstance(self.total, bool):
            raise TypeError("receipt total must be integer fen")


def payment_label(channel: str) -> str:
    return PAYMENT_LABELS.get(channel, clean_text(channel) or "?")


def render_receipt(receipt: CustomerReceipt, profile: PrinterProfile) -> bytes:
    """The ESC/POS bytes of a customer receipt for a printer with `profile`."""
    cols = profile.columns
    out = TicketBuilder(profile)
    out.style(width=2, height=2, bold=True, align="center")
    out.lines(wrap(clean_text(receipt.shop_name), cols // 2))
    banners(out, receipt.reprint, receipt.transferred_from)
    out.style(width=2, height=2, bold=True, align="center")
    out.lines(wrap(f"取餐号 {clean_text(receipt.ticket_no)}", cols // 2))
    out.style(align="center")
    where = SERVICE_NAMES[receipt.service]
    table = clean_text(receipt.table or "")
    if receipt.service == "dine_in" and table:
        where += f" 桌 {table}"
    out.lines(wrap(where, cols))
    out.lines(wrap(clean_text(receipt.placed_at), cols))
    out.style()
    out.line(rule(cols))
    for line in receipt.lines:
        name = f"{clip(clean_text(line.name), NAME_LIMIT)} ×{line.qty}"
        out.lines(two_columns(name, format_fen(line.total, YUAN), cols))
        for option in (clip(t, NAME_LIMIT) for t in map(clean_text, line.options) if t):
            out.lines(indented(OPTION_PREFIX, option, cols))
    out.line(rule(cols))
    out.style(height=2, bold=True)
    out.lines(two_columns("合计 TOTAL", format_fen(receipt.total, YUAN), cols))
    out.style()
    status = "" if receipt.paid or receipt.payment == "counter" else " (待付款 UNPAID)"
    out.lines(wrap(f"支付方式 {payment_label(receipt.payment)}{status}", cols))
    code = clean_text(receipt.pickup_code)
    if code:
        out.feed(1)
        out.qr(code, module=6 if cols >= 42 else 4)
        out.style(align="center")
        out.lines(wrap("取餐码 Show this code at the counter", cols))
    out.style(align="center")
    out.line("谢谢惠顾 Thank you")
    return out.finish(beep=False)
