"""Kitchen tickets: pure input data and its ESC/POS rendering for one station's printer.

Layout (48/42/32 columns by profile; "big" = double width + height, so half the columns):

    点心                      station name, double height, centred
     补打 REPRINT              only when re-sent (crash, lost confirmation, by hand): big,
                              inverted, centred
     转自 点心                 only when printed on a backup printer (failover): big, centred
    桌 12          A017       big: table (or 外带 TAKEAWAY / 堂食 DINE-IN; 外带 / 堂食 on
                              58 mm) and ticket number
    2026-11-25 12:03   #0007  time placed and the station's sequence number of the day
    ----------------------
    虾饺  ×2                  each line double height, bold; long names wrap
      - 大                    options
      * 少辣                  notes
    ------- 整单备注 -------   order notes, when there are any
      * 不要葱
    ----------------------

Every text field goes through `sanitize.clean_text` before layout, and free text is cut visibly
(`sanitize.clip`: a 2,000-character note prints its first NOTE_LIMIT characters and says how
many were cut). How a ticket starts and ends (cut, or tear-off feed + reset) is described in
`builder`. Change tickets (加菜 / 退菜) are in `changes`, customer receipts in `receipt`.
"""

from __future__ import annotations

from dataclasses import dataclass

from edge.printer.builder import TicketBuilder
from edge.printer.layout import center, display_width, rule, two_columns, wrap
from edge.printer.sanitize import clean_text, clip
from edge.printer_profiles import PrinterProfile

REPRINT_BANNER = "补打 REPRINT"
TRANSFER_PREFIX = "转自"
NAME_LIMIT, NOTE_LIMIT = 60, 120
SERVICES = ("dine_in", "takeaway")
OPTION_PREFIX, NOTE_PREFIX = "  - ", "  * "


@dataclass(frozen=True)
class TicketLine:
    name: str
    qty: int
    options: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.qty < 1:
            raise ValueError(f"ticket line {self.name!r}: quantity must be at least 1, got {self.qty}")


@dataclass(frozen=True)
class KitchenTicket:
    ticket_no: str
    station_code: str
    station_name: str
    service: str
    table: str | None
    placed_at: str
    lines: tuple[TicketLine, ...]
    order_notes: tuple[str, ...]
    station_seq: int
    reprint: bool = False
    transferred_from: str = ""
    round_no: int = 0  # a table round from the phones: 第1轮, 第2轮 加菜 ... (0: not a round)
    late_minutes: int = 0  # the round waited this long upstream for the device (0: on time)

    def __post_init__(self) -> None:
        if self.round_no < 0 or self.late_minutes < 0:
            raise ValueError("round_no and late_minutes must not be negative")
        if self.service not in SERVICES:
            raise ValueError(f"service must be one of {', '.join(SERVICES)}, got {self.service!r}")
        if self.station_seq < 0:
            raise ValueError(f"station_seq must not be negative, got {self.station_seq}")


SERVICE_LABELS = {"takeaway": ("外带 TAKEAWAY", "外带"), "dine_in": ("堂食 DINE-IN", "堂食")}


def service_label(ticket, room: int) -> str:
    """Where the food goes, for the big line: the table, else the service (short if `room` is tight)."""
    table = clean_text(ticket.table or "")
    if ticket.service == "dine_in" and table:
        return f"桌 {table}"
    full, short = SERVICE_LABELS[ticket.service]
    return full if display_width(full) <= room else short


def item_lines(name: str, qty: int, width: int) -> list[str]:
    """'名称  ×2': the name wraps so the quantity always stays on the first line."""
    suffix = f"  ×{qty}"
    name_lines = wrap(name, max(2, width - display_width(suffix))) or [""]
    return [name_lines[0] + suffix, *name_lines[1:]]


def indented(prefix: str, text: str, width: int) -> list[str]:
    """`prefix` + text, continuation lines aligned under the text."""
    body = wrap(text, width - display_width(prefix))
    hang = " " * display_width(prefix)
    return [(prefix if i == 0 else hang) + line for i, line in enumerate(body)]


def _cleaned(texts: tuple[str, ...], limit: int = NOTE_LIMIT) -> list[str]:
    return [clip(t, limit) for t in map(clean_text, texts) if t]


def banners(out: TicketBuilder, reprint: bool, transferred_from: str) -> None:
    """补打 REPRINT (inverted) and 转自 <station> (failover), big and centred, when they apply."""
    cols = out.profile.columns
    if reprint:
        out.style(width=2, height=2, bold=True, invert=True, align="center")
        out.line(f" {REPRINT_BANNER} ")
    source = clean_text(transferred_from)
    if source:
        out.style(width=2, height=2, bold=True, align="center")
        out.lines(wrap(f"{TRANSFER_PREFIX} {clip(source, 20)}", cols // 2))


def round_banner(round_no: int) -> str:
    """第1轮 for a table's first round, 第2轮 加菜 for every later one (empty when not a round)."""
    if round_no < 1:
        return ""
    return f"第{round_no}轮" if round_no == 1 else f"第{round_no}轮 加菜"


def round_lines(out: TicketBuilder, ticket) -> None:
    """A table round's number (big) and, when it waited upstream, 迟到 N 分钟 (inverted)."""
    banner = round_banner(getattr(ticket, "round_no", 0))
    if banner:
        out.style(width=2, height=2, bold=True)
        out.line(banner)
    late = getattr(ticket, "late_minutes", 0)
    if late:
        out.style(height=2, bold=True, invert=True, align="center")
        out.line(f" 迟到 {late} 分钟 LATE ")


def ticket_header(out: TicketBuilder, ticket) -> None:
    """Station, banners, big table / ticket number, a table round's number, time and station
    sequence, a rule."""
    cols = out.profile.columns
    big_cols = cols // 2
    out.style(height=2, bold=True, align="center")
    out.lines(wrap(clean_text(ticket.station_name), cols))
    banners(out, ticket.reprint, ticket.transferred_from)
    out.style(width=2, height=2, bold=True)
    ticket_no = clean_text(ticket.ticket_no)
    where = service_label(ticket, big_cols - display_width(ticket_no) - 1)
    out.lines(two_columns(where, ticket_no, big_cols))
    round_lines(out, ticket)
    out.style()
    out.lines(two_columns(clean_text(ticket.placed_at), f"#{ticket.station_seq:04d}", cols))
    out.line(rule(cols))


def ticket_line(out: TicketBuilder, line: TicketLine, prefix: str = "") -> None:
    """An item (big), its options and notes."""
    cols = out.profile.columns
    out.style(height=2, bold=True)
    out.lines(item_lines(prefix + clip(clean_text(line.name), NAME_LIMIT), line.qty, cols))
    out.style()
    for option in _cleaned(line.options, NAME_LIMIT):
        out.lines(indented(OPTION_PREFIX, option, cols))
    for note in _cleaned(line.notes):
        out.lines(indented(NOTE_PREFIX, note, cols))


def render_kitchen_ticket(ticket: KitchenTicket, profile: PrinterProfile) -> bytes:
    """The ESC/POS bytes of `ticket` for a printer with `profile`."""
    cols = profile.columns
    out = TicketBuilder(profile)
    ticket_header(out, ticket)
    for line in ticket.lines:
        ticket_line(out, line)
    order_notes = _cleaned(ticket.order_notes)
    if order_notes:
        out.line(center(" 整单备注 ", cols, fill="-"))
        for note in order_notes:
            out.lines(indented(NOTE_PREFIX, note, cols))
    out.line(rule(cols))
    return out.finish()
