"""Paying an order, in the caller's transaction: status `paid`, `payment` = how (alipay, wechat,
unionpay, cash), the kitchen tickets now when the order was held (pay-first), and `order.paid`.

What an order costs is what is due: its total minus the lines the cashier voided (`amount_due`);
an order voided in full cannot be paid. The kitchen tickets are built from the stored order
exactly as placement builds them from the request (edge/ledger/placement.py `_kitchen_jobs`),
minus what was voided while it was held: one per station that still has something to make, the
station's next sequence number, the customer receipt when a receipt printer is configured.
"""

from __future__ import annotations

import json

from edge.config import Config
from edge.ledger.clock import Instant
from edge.ledger.code_keys import pickup_code_for
from edge.ledger.outbox import append_event
from edge.ledger.staff import Staff, record_action
from edge.ledger.voids import amount_due, voided_quantities
from edge.ledger.print_jobs import insert_job, next_station_seq, printer_for_station, queue_receipt
from edge.menu import Menu
from edge.orders import coupon_fields
from edge.printer.tickets import KitchenTicket, TicketLine


def _texts(values: str) -> tuple[str, ...]:
    return tuple(v["zh"] if isinstance(v, dict) else str(v) for v in json.loads(values or "[]"))


def kitchen_jobs(db, config: Config, menu: Menu | None, order: dict, at: Instant) -> list[str]:
    """The kitchen tickets of a held order at payment: what is left after voids, per station."""
    voided = voided_quantities(db, order["id"])
    by_station: dict[str, list[dict]] = {}
    for line in db.query("SELECT * FROM order_lines WHERE order_id = ? ORDER BY line_no", [order["id"]]):
        left = line["qty"] - voided.get(line["line_no"], 0)
        if left > 0:
            by_station.setdefault(line["station_id"], []).append({**line, "qty": left})
    placed_at = str(order["created_local"]).replace("T", " ")[:16]
    jobs = []
    for station_id, lines in by_station.items():
        try:
            station_name = menu.station(station_id).zh if menu else station_id
        except StopIteration:
            station_name = station_id
        printer = printer_for_station(config, station_id)
        seq = next_station_seq(db, station_id, order["business_day"])
        ticket = KitchenTicket(
            ticket_no=order["ticket_no"], station_code=station_id, station_name=station_name,
            service=order["service"], table=order["table_no"], placed_at=placed_at,
            lines=tuple(TicketLine(line["name_zh"], line["qty"], _texts(line["options"]), _texts(line["notes"]))
                        for line in lines),
            order_notes=_texts(order["notes"]), station_seq=seq)
        jobs.append(insert_job(db, config, ticket, printer, at_ms=at.wall_ms, order_id=order["id"],
                               station_id=station_id, station_seq=seq,
                               missing=f"station {station_name} has no printer configured"))
    receipt = queue_receipt(db, config, order["id"], at.wall_ms, pickup_code_for(db, order["id"]))
    return jobs + ([receipt] if receipt else [])


def settle_order(db, config: Config, menu: Menu | None, order_id: str, method: str, at: Instant,
                 attempt_id: str | None = None, staff: Staff | None = None,
                 coupon: tuple[int, str] | None = None) -> list[str] | None:
    """Mark the order paid (inside the caller's db.atomic()); returns the new print jobs, or None
    when the order was paid or voided already (nothing changed). `staff`: who took the cash (the
    event and an audit row name them). The event's `amount` is what was collected: what was due,
    less `coupon` = (discount, coupon id), a member's coupon applied on the phone that paid it."""
    rows = list(db.query("SELECT * FROM orders WHERE id = ?", [order_id]))
    if not rows or rows[0]["status"] in ("paid", "voided"):
        return None
    order = rows[0]
    _, due = amount_due(db, order_id)
    discount, coupon_id = coupon if coupon else (0, None)
    if not 0 <= discount <= due:
        raise ValueError(f"a coupon of {discount} fen on an order that owes {due} fen")
    db.execute("UPDATE orders SET status = 'paid', payment = ?, discount = discount + ?,"
               " coupon_id = coalesce(?, coupon_id) WHERE id = ?", [method, discount, coupon_id, order_id])
    jobs = kitchen_jobs(db, config, menu, order, at) if order["status"] == "awaiting_payment" else []
    append_event(db, "order.paid", {"order_id": order_id, "ticket_no": order["ticket_no"], "payment": method,
                                    "amount": due - discount, "attempt_id": attempt_id, "print_jobs": jobs,
                                    "staff_id": staff.staff_id if staff else None,
                                    **coupon_fields(discount, coupon_id)}, at)
    if staff is not None:
        record_action(db, staff, "cash", order_id, {"method": method, "amount": due, "print_jobs": jobs},
                      at.wall_ms)
    return jobs
