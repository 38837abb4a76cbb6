"""Placing an order: order + lines + kitchen print jobs + `order.placed` event in ONE transaction.

A client token makes placement idempotent: the same token returns the same order, so a double
tap or a retry after a crash never makes a second order.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

import sqlite_utils

from edge.cart import CartError, PricedCart, PricedLine
from edge.config import Config
from edge.ledger.clock import Clock, Instant
from edge.ledger.code_keys import pickup_code_for
from edge.ledger.outbox import append_event
from edge.ledger.print_jobs import insert_job, printer_for_station, queue_receipt
from edge.menu import Menu
from edge.orders import (OrderRequest, coupon_fields, new_id, parse_order_request, price_order, split_by_station,
                         ticket_number)
from edge.printer.tickets import KitchenTicket, TicketLine


class TokenReused(CartError):
    """The client token belongs to an order with a different content."""

    def __init__(self, order_id: str, ticket_no: str):
        super().__init__("token_reused", f"this client_token was already used for order {ticket_no}, "
                         "which has different content", "client_token")
        self.order_id = order_id
        self.ticket_no = ticket_no


@dataclass(frozen=True)
class Placed:
    order_id: str
    created: bool


def request_fingerprint(request: OrderRequest) -> str:
    body = json.dumps([request.service, request.table, request.payment, request.notes,
                       [[line.item_id, line.qty, list(line.options), list(line.notes)] for line in request.lines]])
    return hashlib.sha256(body.encode()).hexdigest()


def _next_counter(db: sqlite_utils.Database, table: str, key_sql: str, key: list[object]) -> int:
    return int(db.execute(
        f"INSERT INTO {table} ({key_sql}, last) VALUES ({', '.join('?' * len(key))}, 1) "
        f"ON CONFLICT DO UPDATE SET last = last + 1 RETURNING last", key).fetchall()[0][0])


def _line_doc(line: PricedLine, menu: Menu) -> dict[str, Any]:
    return {
        "item_id": line.item.id, "name_zh": line.item.zh, "name_en": line.item.en,
        "station_id": line.item.station, "qty": line.qty, "unit_price": line.unit_price,
        "total": line.total,
        "options": [{"id": o.id, "zh": o.zh, "en": o.en, "price_delta": o.price_delta} for o in line.options],
        "notes": [{"id": c.id, "zh": c.zh, "en": c.en} for c in map(menu.note_chip, line.notes) if c],
    }


def place_order(db: sqlite_utils.Database, config: Config, menu: Menu, clock: Clock, doc: object, *,
                from_upstream: bool = False) -> Placed:
    """Validate, price and store an order. Raises CartError (bad input) or sqlite3.Error (storage).
    `from_upstream`: a table round that upstream sent (see `edge.orders.parse_order_request`)."""
    request = parse_order_request(doc, from_upstream=from_upstream)
    fingerprint = request_fingerprint(request)
    existing = db.execute("SELECT id, request_sha256, ticket_no FROM orders WHERE client_token = ?",
                          [request.client_token]).fetchall()
    if existing:
        order_id, existing_fingerprint, existing_ticket = existing[0]
        if existing_fingerprint != fingerprint:
            raise TokenReused(order_id, existing_ticket)
        return Placed(order_id, created=False)
    cart = price_order(menu, request)
    if request.table_round is not None and request.table_round.prepaid_discount > cart.total:
        raise CartError("bad_request", f"a coupon took {request.table_round.prepaid_discount} fen off a round of"
                        f" {cart.total} fen", "prepaid.discount")
    at = clock.now()
    day = clock.business_day(at.local)
    order_id = new_id()
    lines = [_line_doc(line, menu) for line in cart.lines]
    # no kitchen ticket before a code payment settles; a pay-first store holds counter orders too
    # (a table round prints at once: the store's table mode was applied upstream before it was sent)
    held = request.table_round is None and (request.payment == "code" or config.payments.mode == "pay_first")
    table_round = request.table_round
    order_notes = [{"id": c.id, "zh": c.zh, "en": c.en} for c in map(menu.note_chip, request.notes) if c]
    with db.atomic():
        seq = _next_counter(db, "ticket_counters", "business_day", [day])
        ticket_no = ticket_number(config.device.ticket_prefix, seq)
        db.table("orders").insert({
            "id": order_id, "client_token": request.client_token, "request_sha256": fingerprint,
            "ticket_no": ticket_no, "business_day": day, "day_seq": seq, "service": request.service,
            "table_no": request.table, "payment": request.payment,
            "status": "awaiting_payment" if held else "placed", "total": cart.total,
            "notes": json.dumps(order_notes, ensure_ascii=False), "menu_version": menu.version,
            "created_wall_ms": at.wall_ms, "created_local": at.local.isoformat(timespec="seconds"),
            **({} if table_round is None else {
                "table_session": table_round.session_id, "table_round": table_round.round_no,
                "waited_ms": table_round.waited_ms, "prepaid_attempt": table_round.prepaid_attempt,
                "prepaid_channel": table_round.prepaid_channel, "discount": table_round.prepaid_discount,
                "coupon_id": table_round.prepaid_coupon}),
        })
        db.table("order_lines").insert_all(
            {"order_id": order_id, "line_no": n, **line,
             "options": json.dumps(line["options"], ensure_ascii=False),
             "notes": json.dumps(line["notes"], ensure_ascii=False)}
            for n, line in enumerate(lines, 1))
        jobs = [] if held else _kitchen_jobs(db, config, menu, at, day, order_id, ticket_no, request, cart,
                                             order_notes)
        append_event(db, "order.placed", {
            "order_id": order_id, "ticket_no": ticket_no, "business_day": day, "service": request.service,
            "table": request.table, "payment": request.payment, "total": cart.total, "lines": lines,
            "notes": order_notes, "menu_version": menu.version, "print_jobs": jobs,
            **({"status": "awaiting_payment"} if held else {}),
            **({} if table_round is None else {
                "table_session": table_round.session_id, "round": table_round.round_no,
                "late": table_round.late_minutes > 0,
                **({"prepaid": {"attempt_id": table_round.prepaid_attempt, "channel": table_round.prepaid_channel,
                                **coupon_fields(table_round.prepaid_discount, table_round.prepaid_coupon)}}
                   if table_round.prepaid_attempt else {})}),
        }, at)
    return Placed(order_id, created=True)


def _kitchen_jobs(db: sqlite_utils.Database, config: Config, menu: Menu, at: Instant, day: str, order_id: str,
                  ticket_no: str,
                  request: OrderRequest, cart: PricedCart, order_notes: list[dict[str, Any]]) -> list[str]:
    job_ids = []
    for station_id, station_lines in split_by_station(cart).items():
        station = menu.station(station_id)
        printer = printer_for_station(config, station_id)
        station_seq = _next_counter(db, "station_counters", "station_id, business_day", [station_id, day])
        ticket = KitchenTicket(
            ticket_no=ticket_no, station_code=station_id, station_name=station.zh, service=request.service,
            table=request.table, placed_at=at.local.strftime("%Y-%m-%d %H:%M"),
            lines=tuple(TicketLine(line.item.zh, line.qty, tuple(o.zh for o in line.options),
                                   tuple(c.zh for c in map(menu.note_chip, line.notes) if c))
                        for line in station_lines),
            order_notes=tuple(n["zh"] for n in order_notes), station_seq=station_seq,
            round_no=request.table_round.round_no if request.table_round else 0,
            late_minutes=request.table_round.late_minutes if request.table_round else 0)
        job_ids.append(insert_job(db, config, ticket, printer, at_ms=at.wall_ms, order_id=order_id,
                                  station_id=station_id, station_seq=station_seq,
                                  missing=f"station {station.zh} has no printer configured"))
    # only when a receipt printer is configured
    receipt = queue_receipt(db, config, order_id, at.wall_ms, pickup_code_for(db, order_id))
    return job_ids + ([receipt] if receipt else [])


def order_view(db: sqlite_utils.Database, order_id: str) -> dict[str, Any] | None:
    """The API form of a stored order, with its lines and print jobs."""
    rows = list(db.query("SELECT * FROM orders WHERE id = ?", [order_id]))
    if not rows:
        return None
    o = rows[0]
    lines = [
        {**{k: row[k] for k in ("item_id", "name_zh", "name_en", "station_id", "qty", "unit_price", "total")},
         "options": json.loads(row["options"]), "notes": json.loads(row["notes"])}
        for row in db.query("SELECT * FROM order_lines WHERE order_id = ? ORDER BY line_no", [order_id])
    ]
    jobs = [dict(j) for j in db.query(
        "SELECT id, kind, station_id, printer, station_seq, state, attempts, last_error FROM print_jobs "
        "WHERE order_id = ? ORDER BY created_wall_ms, station_id", [order_id])]
    return {
        "id": o["id"], "ticket_no": o["ticket_no"], "client_token": o["client_token"],
        "business_day": o["business_day"], "service": o["service"], "table": o["table_no"],
        "payment": o["payment"], "status": o["status"], "total": o["total"],
        "notes": json.loads(o["notes"]), "created_local": o["created_local"], "lines": lines,
        "print_jobs": jobs,
    }
