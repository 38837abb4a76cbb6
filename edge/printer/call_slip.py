"""The short slip a table's call prints at the counter: 呼叫服务员 or 请求结账, the table big, the time.

A guest taps "call a waiter" or "request the bill" on the phone page; upstream sends the call to the
store's device (command `table.call`), which prints this on the counter's printer (the report
printer's routing: `[stations] report`, else the receipt printer, else the only printer):

    ======================
     呼叫服务员 CALL       inverted, big
    桌 12                  big
    2026-12-04 12:03
    ======================
"""

from __future__ import annotations

from dataclasses import dataclass

from edge.printer.builder import TicketBuilder
from edge.printer.layout import rule, wrap
from edge.printer.sanitize import clean_text, clip
from edge.printer.tickets import banners
from edge.printer_profiles import PrinterProfile

CALL_KINDS = {"waiter": "呼叫服务员 CALL", "bill": "请求结账 BILL"}


@dataclass(frozen=True)
class CallSlip:
    kind: str
    table: str
    called_at: str
    reprint: bool = False
    transferred_from: str = ""

    def __post_init__(self) -> None:
        if self.kind not in CALL_KINDS:
            raise ValueError(f"a call is one of {', '.join(CALL_KINDS)}, got {self.kind!r}")


def render_call_slip(slip: CallSlip, profile: PrinterProfile) -> bytes:
    cols = profile.columns
    out = TicketBuilder(profile)
    out.line("=" * cols)
    banners(out, slip.reprint, slip.transferred_from)
    out.style(width=2, height=2, bold=True, invert=True, align="center")
    out.line(f" {CALL_KINDS[slip.kind]} ")
    out.style(width=2, height=2, bold=True)
    out.lines(wrap(f"桌 {clip(clean_text(slip.table), 8)}", cols // 2))
    out.style()
    out.line(clean_text(slip.called_at))
    out.line(rule(cols))
    return out.finish()
