"""Print job documents: a ticket's data as JSON (stored with the job) and its rendering.

A job keeps the bytes it was rendered to (`payload`) AND the data they came from (`ticket`,
JSON), so every re-send can be rendered again with the 补打 REPRINT banner, and a failover to a
backup printer with 转自 <station> and the backup printer's own profile (a 58 mm backup gets a
58 mm ticket). Kinds:

    kitchen  KitchenTicket   (edge.printer.tickets)
    change   ChangeTicket    (edge.printer.changes: 加菜 / 退菜)
    receipt  CustomerReceipt (edge.printer.receipt)
    call     CallSlip        (edge.printer.call_slip: 呼叫服务员 / 请求结账 from a table's phones)
    test     {"url": ...}    (edge.printer.testpage)

Jobs stored before the ticket column existed have no data: `mark_reprint` then puts the banner
into the stored bytes right after the initialisation, so no re-send is ever unmarked.
"""

from __future__ import annotations

import dataclasses
import json
import typing
from typing import Any

from edge.printer.call_slip import CallSlip, render_call_slip
from edge.printer.changes import ChangeTicket, render_change_ticket
from edge.printer.receipt import CustomerReceipt, ReceiptLine, render_receipt
from edge.printer.testpage import render_test_page
from edge.printer.tickets import REPRINT_BANNER, KitchenTicket, TicketLine, render_kitchen_ticket
from edge.printer_profiles import PrinterProfile

KINDS = ("kitchen", "change", "receipt", "call", "test")
_CLASSES = {"kitchen": KitchenTicket, "change": ChangeTicket, "receipt": CustomerReceipt, "call": CallSlip}
_LINE_CLASSES = {KitchenTicket: TicketLine, ChangeTicket: TicketLine, CustomerReceipt: ReceiptLine,
                 CallSlip: TicketLine}
_FLAGS = ("reprint", "transferred_from")


def kind_of(ticket: object) -> str:
    for kind, cls in _CLASSES.items():
        if isinstance(ticket, cls):
            return kind
    raise TypeError(f"not a ticket: {type(ticket).__name__}")


def ticket_json(ticket: object) -> str:
    """The ticket's data as JSON, without the per-send flags (REPRINT, 转自)."""
    doc = {k: v for k, v in dataclasses.asdict(ticket).items() if k not in _FLAGS}
    return json.dumps(doc, ensure_ascii=False, sort_keys=True)


def _tuple_fields(cls: type) -> set[str]:
    hints = typing.get_type_hints(cls)
    return {name for name, hint in hints.items() if typing.get_origin(hint) is tuple}


def ticket_from_json(kind: str, text: str, **flags: Any) -> object:
    """The ticket back from `ticket_json`, with `flags` (reprint=..., transferred_from=...)."""
    if kind == "test":
        return json.loads(text)
    cls = _CLASSES[kind]
    doc = json.loads(text)
    known = {f.name for f in dataclasses.fields(cls)}
    tuples = _tuple_fields(cls)
    line_cls = _LINE_CLASSES[cls]
    line_tuples = _tuple_fields(line_cls)
    values: dict[str, Any] = {}
    for name, value in doc.items():
        if name not in known:
            continue
        if name == "lines":
            value = tuple(line_cls(**{k: tuple(v) if k in line_tuples else v for k, v in line.items()})
                          for line in value)
        elif name in tuples:
            value = tuple(value)
        values[name] = value
    return cls(**values, **flags)


def render(ticket: object, profile: PrinterProfile) -> bytes:
    if isinstance(ticket, KitchenTicket):
        return render_kitchen_ticket(ticket, profile)
    if isinstance(ticket, ChangeTicket):
        return render_change_ticket(ticket, profile)
    if isinstance(ticket, CustomerReceipt):
        return render_receipt(ticket, profile)
    if isinstance(ticket, CallSlip):
        return render_call_slip(ticket, profile)
    raise TypeError(f"not a ticket: {type(ticket).__name__}")


def render_job(kind: str, text: str, profile: PrinterProfile, *, reprint: bool = False,
               transferred_from: str = "") -> bytes:
    """Render a stored job document for `profile`, with the banners that apply to this send."""
    if kind == "test":
        doc = json.loads(text)
        return render_test_page(profile, doc.get("url", ""), doc.get("when", ""))
    return render(ticket_from_json(kind, text, reprint=reprint, transferred_from=transferred_from), profile)


def mark_reprint(payload: bytes, profile: PrinterProfile) -> bytes:
    """Stored bytes with a 补打 REPRINT line after `ESC @` [`FS &`]: for jobs without data."""
    from edge.printer.builder import TicketBuilder

    out = TicketBuilder(profile)
    head = out.partial()  # ESC @, and FS & in Chinese mode
    out.style(width=2, height=2, bold=True, invert=True, align="center")
    out.line(f" {REPRINT_BANNER} ")
    out.style()
    banner = out.partial()
    return banner + (payload[len(head):] if payload.startswith(head) else payload)
