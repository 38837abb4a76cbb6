"""Change tickets: 加菜 (lines added to an order) and 退菜 (lines voided), for one station.

Only the changed lines are printed, under a big banner the cook cannot miss, with the same
header as the kitchen ticket (table / ticket number, time of the change, the station's next
sequence number, 补打 / 转自 banners when they apply):

    点心
    ████ 加菜 ADD ████        or  ████ 退菜 VOID ████ (inverted)
    桌 12          A017
    2026-11-25 12:20   #0009
    ----------------------
    虾饺  ×1                  加菜: the added quantity
    退 凤爪  ×2               退菜: "退" before each name, the quantity voided
    原因: 客人取消            the reason, when given
    ----------------------
"""

from __future__ import annotations

from dataclasses import dataclass

from edge.printer.builder import TicketBuilder
from edge.printer.layout import rule, wrap
from edge.printer.sanitize import clean_text, clip
from edge.printer.tickets import NOTE_LIMIT, SERVICES, TicketLine, ticket_header, ticket_line
from edge.printer_profiles import PrinterProfile

CHANGE_KINDS = {"add": "加菜 ADD", "void": "退菜 VOID"}
VOID_PREFIX = "退 "


@dataclass(frozen=True)
class ChangeTicket:
    kind: str  # "add" | "void"
    ticket_no: str
    station_code: str
    station_name: str
    service: str
    table: str | None
    placed_at: str  # when the change was made
    lines: tuple[TicketLine, ...]
    station_seq: int
    reason: str = ""
    reprint: bool = False
    transferred_from: str = ""

    def __post_init__(self) -> None:
        if self.kind not in CHANGE_KINDS:
            raise ValueError(f"change kind must be one of {', '.join(CHANGE_KINDS)}, got {self.kind!r}")
        if self.service not in SERVICES:
            raise ValueError(f"service must be one of {', '.join(SERVICES)}, got {self.service!r}")
        if not self.lines:
            raise ValueError("a change ticket needs at least one changed line")
        if self.station_seq < 0:
            raise ValueError(f"station_seq must not be negative, got {self.station_seq}")


def render_change_ticket(ticket: ChangeTicket, profile: PrinterProfile) -> bytes:
    """The ESC/POS bytes of a 加菜 / 退菜 ticket for a printer with `profile`."""
    cols = profile.columns
    out = TicketBuilder(profile)
    out.style(height=2, bold=True, align="center")
    out.lines(wrap(clean_text(ticket.station_name), cols))
    out.style(width=2, height=2, bold=True, invert=ticket.kind == "void", align="center")
    out.line(f" {CHANGE_KINDS[ticket.kind]} ")
    header_only = _HeaderView(ticket)
    ticket_header(out, header_only)
    prefix = VOID_PREFIX if ticket.kind == "void" else ""
    for line in ticket.lines:
        ticket_line(out, line, prefix)
    reason = clip(clean_text(ticket.reason), NOTE_LIMIT)
    if reason:
        out.style()
        out.lines(wrap(f"原因: {reason}", cols))
    out.style()
    out.line(rule(cols))
    return out.finish()


class _HeaderView:
    """The change ticket as `ticket_header` sees it, without repeating the station name."""

    def __init__(self, ticket: ChangeTicket) -> None:
        self.station_name = ""
        self.reprint, self.transferred_from = ticket.reprint, ticket.transferred_from
        self.ticket_no, self.service, self.table = ticket.ticket_no, ticket.service, ticket.table
        self.placed_at, self.station_seq = ticket.placed_at, ticket.station_seq
