"""Cashier actions on orders (call under the ledger's write lock; each write is ONE transaction
with its outbox event and its who-did-it record): search, detail, void (退菜 tickets through the
ledger's print jobs), refund, reprint, pickup, sold out (估清).

Money model of an order (integer fen), the same in the day report:
    total     what was ordered
    voided    lines taken back (退菜): not made, not charged
    due       total - voided
    paid      counter / cash orders: `due` (paid at the counter); code payments: what the
              payment flow settled (refunds of those go through the upstream gateway:
              begin_code_refund / finish_code_refund, driven by edge.payments.refunds)
    refunded  money handed back; never above `paid`
    net       total - voided - refunded - discount (a member's coupon applied on the phone that paid it;
              >= 0: a void is refused once the rest is refunded)
"""

from __future__ import annotations

import json

import sqlite_utils

from edge.config import Config
from edge.ledger import print_jobs
from edge.ledger.clock import Instant
from edge.ledger.outbox import append_event
from edge.ledger.placement import order_view
from edge.ledger.staff import Staff, record_action
from edge.ledger.voids import voided_amount, voided_quantities
from edge.menu import Menu
from edge.money import format_fen
from edge.orders import new_id
from edge.refusal import Refused

CASH_CHANNELS = ("counter", "cash")
OPEN_EXCLUDED = ("voided", "refunded")
MAX_REASON = 60


class ActionRefused(Refused):
    """A cashier action that cannot be done (HTTP 4xx): code, message, extra fields."""


def _reason(text: object) -> str:
    value = "".join(c for c in str(text or "") if c.isprintable()).strip()
    return value[:MAX_REASON]


clean_reason = _reason  # what a reason is once cleaned ("" when none was given)


def money(db: sqlite_utils.Database, order_id: str) -> dict | None:
    row = db.execute("SELECT total, payment, status, discount FROM orders WHERE id = ?", [order_id]).fetchone()
    if row is None:
        return None
    voided = voided_amount(db, order_id)
    refunded = db.execute("SELECT coalesce(sum(amount), 0) FROM refunds WHERE order_id = ? AND state != 'failed'",
                          [order_id]).fetchone()[0]
    total, channel = row[0], row[1]
    paid = total - voided if channel in CASH_CHANNELS else electronic_paid(db, order_id)
    return {"total": total, "voided": voided, "due": total - voided, "paid": paid, "refunded": refunded,
            "refundable": max(0, paid - refunded), "net": total - voided - refunded - row[3], "discount": row[3],
            "channel": channel,
            "electronic": channel not in CASH_CHANNELS}


def open_payment(db: sqlite_utils.Database, order_id: str) -> bool:
    """Is a code payment of the order under way (its amount fixed when it started), alone or with
    its table's bill?"""
    return db.execute("SELECT 1 FROM payment_attempts WHERE state IN ('created', 'pending', 'abandoning') AND"
                      " (order_id = ? OR attempt_id IN (SELECT attempt_id FROM payment_attempt_orders"
                      " WHERE order_id = ?)) LIMIT 1", [order_id, order_id]).fetchone() is not None


def electronic_paid(db: sqlite_utils.Database, order_id: str) -> int:
    """What code payments settled for the order (the payments module's `payment_attempts`): its own,
    and its share of a table bill's (`payment_attempt_orders`)."""
    alone = db.execute("SELECT coalesce(sum(amount), 0) FROM payment_attempts WHERE order_id = ?"
                       " AND state = 'succeeded' AND bill IS NULL", [order_id]).fetchone()[0]
    in_bill = db.execute("SELECT coalesce(sum(o.amount), 0) FROM payment_attempt_orders o JOIN payment_attempts a"
                         " ON a.attempt_id = o.attempt_id WHERE o.order_id = ? AND a.state = 'succeeded'",
                         [order_id]).fetchone()[0]
    return alone + in_bill


def search(db: sqlite_utils.Database, *, ticket: str | None = None, table: str | None = None,
           day: str | None = None, since_ms: int | None = None, until_ms: int | None = None,
           open_only: bool = False, limit: int = 50) -> list[dict]:
    where, args = [], []
    if ticket:
        where.append("upper(o.ticket_no) LIKE ?")
        args.append(f"%{ticket.strip().upper()}%")
    if table:
        where.append("o.table_no = ?")
        args.append(table.strip())
    if day:
        where.append("o.business_day = ?")
        args.append(day)
    if since_ms is not None:
        where.append("o.created_wall_ms >= ?")
        args.append(since_ms)
    if until_ms is not None:
        where.append("o.created_wall_ms < ?")
        args.append(until_ms)
    if open_only:
        where.append(f"o.status NOT IN ({', '.join('?' * len(OPEN_EXCLUDED))})"
                     " AND NOT EXISTS (SELECT 1 FROM order_pickups p WHERE p.order_id = o.id)")
        args += OPEN_EXCLUDED
    sql = ("SELECT o.id, o.ticket_no, o.business_day, o.service, o.table_no, o.payment, o.status, o.total,"
           " o.created_local, o.created_wall_ms, p.collected_ms,"
           " (SELECT coalesce(sum(amount), 0) FROM order_voids v WHERE v.order_id = o.id) AS voided,"
           " (SELECT coalesce(sum(amount), 0) FROM refunds r"
           " WHERE r.order_id = o.id AND r.state != 'failed') AS refunded"
           " FROM orders o LEFT JOIN order_pickups p ON p.order_id = o.id"
           + (" WHERE " + " AND ".join(where) if where else "")
           + " ORDER BY o.created_wall_ms DESC, o.day_seq DESC LIMIT ?")
    rows = [dict(r) for r in db.query(sql, [*args, max(1, min(limit, 500))])]
    for row in rows:
        row["table"] = row.pop("table_no")
    return rows


def detail(db: sqlite_utils.Database, order_id: str) -> dict | None:
    view = order_view(db, order_id)
    if view is None:
        return None
    voided_qty = voided_quantities(db, order_id)
    for n, line in enumerate(view["lines"], 1):
        line["line_no"] = n
        line["voided_qty"] = voided_qty.get(n, 0)
    pickup = db.execute("SELECT collected_ms, staff_id FROM order_pickups WHERE order_id = ?", [order_id]).fetchone()
    view["money"] = money(db, order_id)
    view["voids"] = [dict(r) for r in db.query("SELECT * FROM order_voids WHERE order_id = ? ORDER BY at_ms",
                                               [order_id])]
    view["refunds"] = [dict(r) for r in db.query("SELECT * FROM refunds WHERE order_id = ? ORDER BY at_ms",
                                                 [order_id])]
    view["collected"] = {"collected_ms": pickup[0], "staff_id": pickup[1]} if pickup else None
    return view


def _order_row(db, order_id: str) -> dict:
    rows = list(db.query("SELECT * FROM orders WHERE id = ?", [order_id]))
    if not rows:
        raise ActionRefused(404, "not_found", f"no order {order_id} on this device")
    return rows[0]


def void_lines(db: sqlite_utils.Database, config: Config, menu: Menu | None, at: Instant, day: str,
               order_id: str, wanted: list[dict] | None, reason: str, staff: Staff,
               approved_by: Staff | None = None) -> dict:
    """Void `wanted` ([{line_no, qty}], None = everything left) and print 退菜 tickets. A void
    worth more than `[cashier] void_manager_above_fen` needs `approved_by` (a manager)."""
    order = _order_row(db, order_id)
    lines = {n: dict(line) for n, line in enumerate(db.query(
        "SELECT * FROM order_lines WHERE order_id = ? ORDER BY line_no", [order_id]), 1)}
    done = voided_quantities(db, order_id)
    left = {n: line["qty"] - done.get(line["line_no"], 0) for n, line in lines.items()}
    if wanted is None:
        wanted = [{"line_no": n, "qty": q} for n, q in left.items() if q > 0]
    if not wanted:
        raise ActionRefused(409, "nothing_to_void", f"order {order['ticket_no']} has nothing left to void")
    picked: dict[int, int] = {}
    for entry in wanted:
        n, qty = entry.get("line_no"), entry.get("qty")
        if not isinstance(n, int) or n not in lines or not isinstance(qty, int) or qty < 1:
            raise ActionRefused(422, "bad_line", "each line to void is {line_no, qty >= 1} of this order")
        picked[n] = picked.get(n, 0) + qty
        if picked[n] > left[n]:
            raise ActionRefused(409, "too_many", f"line {n} ({lines[n]['name_zh']}) has only {left[n]} left to void",
                                line_no=n, left=left[n])
    amount = sum(lines[n]["unit_price"] * q for n, q in picked.items())
    if open_payment(db, order_id):
        raise ActionRefused(409, "payment_in_progress", f"order {order['ticket_no']} is being paid by code right "
                            "now: void after that payment ends (or give it up in 未结支付 first)")
    m = money(db, order_id)
    if amount > m["net"]:
        raise ActionRefused(409, "already_refunded", f"only {m['net']} fen of this order is not refunded: "
                            f"voiding {amount} fen more is refused", net=m["net"])
    above = config.cashier.void_manager_above_fen
    if amount > above and approved_by is None:
        raise ActionRefused(403, "manager_required", f"a void of {format_fen(amount)} is above {format_fen(above)}: "
                            "a manager approves it with their id and PIN", "manager_pin", amount=amount,
                            above=above)
    reason = _reason(reason)
    with db.atomic():
        voided = []
        for n, qty in picked.items():
            line = lines[n]
            db["order_voids"].insert({"id": new_id(), "order_id": order_id, "line_no": line["line_no"], "qty": qty,
                                      "amount": line["unit_price"] * qty, "reason": reason,
                                      "staff_id": staff.staff_id, "at_ms": at.wall_ms})
            voided.append({"line_no": line["line_no"], "item_id": line["item_id"], "name_zh": line["name_zh"],
                           "station_id": line["station_id"], "qty": qty, "amount": line["unit_price"] * qty,
                           "options": json.loads(line["options"]), "notes": json.loads(line["notes"])})
        full = all(left[n] - picked.get(n, 0) == 0 for n in lines)
        if full:
            db.execute("UPDATE orders SET status = 'voided' WHERE id = ?", [order_id])
        # a held order (pay-first, not paid yet) never reached a kitchen: no 退菜 ticket to print;
        # its kitchen tickets are built from what is left when it is paid (edge.payments.settle)
        sent = order["status"] != "awaiting_payment"
        jobs = print_jobs.queue_change_tickets(db, config, menu, order_id, "void", voided, at, day,
                                               reason) if sent else []
        payload = {"order_id": order_id, "ticket_no": order["ticket_no"], "amount": amount, "full": full,
                   "reason": reason, "print_jobs": jobs, "staff_id": staff.staff_id, "staff_name": staff.name,
                   "lines": [{k: v[k] for k in ("line_no", "item_id", "qty", "amount")} for v in voided]}
        append_event(db, "cashier.void", payload, at)
        record_action(db, staff, "void", order_id, {"amount": amount, "lines": payload["lines"], "reason": reason},
                      at.wall_ms, approved_by)
    return {**payload, "money": money(db, order_id)}


def refund(db: sqlite_utils.Database, at: Instant, order_id: str, amount: object, reason: str, staff: Staff,
           manager: Staff) -> dict:
    """Refund `amount` fen of a counter / cash order (a manager approved it)."""
    order = _order_row(db, order_id)
    if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
        raise ActionRefused(422, "bad_amount", "a refund is a whole number of fen above 0")
    m = money(db, order_id)
    if m["electronic"]:
        # code payments are refunded through the gateway (edge.payments.refunds, routed by the desk)
        raise ActionRefused(409, "code_payment",
                            f"order {order['ticket_no']} was paid by {order['payment']}: its refund goes through "
                            "the upstream payment gateway", **m)
    if amount > m["refundable"]:
        raise ActionRefused(409, "above_paid", f"refund {amount} fen is more than the {m['refundable']} fen that can "
                            f"be refunded (paid {m['paid']}, refunded before {m['refunded']})", **m)
    refund_id = new_id()
    reason = _reason(reason)
    with db.atomic():
        db["refunds"].insert({"id": refund_id, "order_id": order_id, "amount": amount, "channel": order["payment"],
                              "reason": reason, "staff_id": staff.staff_id, "manager_id": manager.staff_id,
                              "state": "done", "at_ms": at.wall_ms, "detail": None})
        if m["refunded"] + amount >= m["paid"]:
            db.execute("UPDATE orders SET status = 'refunded' WHERE id = ?", [order_id])
        payload = {"order_id": order_id, "ticket_no": order["ticket_no"], "refund_id": refund_id, "amount": amount,
                   "channel": order["payment"], "reason": reason, "staff_id": staff.staff_id,
                   "staff_name": staff.name, "manager_id": manager.staff_id}
        append_event(db, "cashier.refund", payload, at)
        record_action(db, staff, "refund", order_id, {"amount": amount, "refund_id": refund_id, "reason": reason},
                      at.wall_ms, approved_by=manager)
    return {**payload, "money": money(db, order_id)}


def begin_code_refund(db: sqlite_utils.Database, at: Instant, order_id: str, amount: object, reason: str,
                      staff: Staff, manager: Staff) -> dict:
    """A refund of a code payment, step 1 (edge.payments.refunds): the `refunds` row, state `pending`,
    committed before the gateway is asked (its id is the gateway's refund_id). A pending refund of
    the same amount is reused (a retry after a crash or a lost answer), never doubled."""
    order = _order_row(db, order_id)
    if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
        raise ActionRefused(422, "bad_amount", "a refund is a whole number of fen above 0")
    m = money(db, order_id)
    attempt = db.execute("SELECT attempt_id FROM payment_attempts WHERE state = 'succeeded' AND (order_id = ? AND"
                         " bill IS NULL OR attempt_id IN (SELECT attempt_id FROM payment_attempt_orders"
                         " WHERE order_id = ?)) ORDER BY updated_wall_ms DESC LIMIT 1", [order_id, order_id]).fetchone()
    pending = [dict(r) for r in db.query("SELECT * FROM refunds WHERE order_id = ? AND state = 'pending'"
                                         " ORDER BY at_ms", [order_id])]
    same = [r for r in pending if r["amount"] == amount]
    if same and attempt:
        return {"refund_id": same[0]["id"], "attempt_id": attempt[0], "amount": amount, "reused": True,
                "reason": same[0]["reason"]}
    if pending:
        raise ActionRefused(409, "refund_pending", f"an earlier refund of {pending[0]['amount']} fen of order "
                            f"{order['ticket_no']} is not confirmed by the gateway yet: repeat that one first",
                            pending=pending[0]["amount"], **m)
    if amount > m["refundable"] or attempt is None:
        raise ActionRefused(409, "above_paid", f"refund {amount} fen is more than the {m['refundable']} fen that can "
                            f"be refunded (paid {m['paid']}, refunded before {m['refunded']})", **m)
    refund_id = new_id()
    with db.atomic():
        db["refunds"].insert({"id": refund_id, "order_id": order_id, "amount": amount, "channel": order["payment"],
                              "reason": _reason(reason), "staff_id": staff.staff_id, "manager_id": manager.staff_id,
                              "state": "pending", "at_ms": at.wall_ms, "detail": f"gateway: attempt {attempt[0]}"})
    return {"refund_id": refund_id, "attempt_id": attempt[0], "amount": amount, "reused": False,
            "reason": _reason(reason)}


def finish_code_refund(db: sqlite_utils.Database, at: Instant, refund_id: str, state: str, detail: str | None,
                       staff: Staff, manager: Staff, attempt_id: str) -> dict:
    """Step 2, the gateway's answer: `succeeded` → the refund is done (order status, event
    `cashier.refund`, who did it, as for cash); `failed` → nothing refunded; else it stays pending."""
    row = dict(next(iter(db.query("SELECT * FROM refunds WHERE id = ?", [refund_id]))))
    order = _order_row(db, row["order_id"])
    payload = {"order_id": order["id"], "ticket_no": order["ticket_no"], "refund_id": refund_id,
               "amount": row["amount"], "channel": order["payment"], "reason": row["reason"],
               "staff_id": staff.staff_id, "staff_name": staff.name, "manager_id": manager.staff_id,
               "attempt_id": attempt_id}
    with db.atomic():
        if row["state"] != "pending":
            pass  # settled before (a concurrent retry)
        elif state == "succeeded":
            db.execute("UPDATE refunds SET state = 'done', detail = NULL, at_ms = ? WHERE id = ?",
                       [at.wall_ms, refund_id])
            m = money(db, order["id"])
            if m["refunded"] >= m["paid"]:
                db.execute("UPDATE orders SET status = 'refunded' WHERE id = ?", [order["id"]])
            append_event(db, "cashier.refund", payload, at)
            record_action(db, staff, "refund", order["id"], {"amount": row["amount"], "refund_id": refund_id,
                                                             "reason": row["reason"], "attempt_id": attempt_id},
                          at.wall_ms, approved_by=manager)
        elif state == "failed":
            db.execute("UPDATE refunds SET state = 'failed', detail = ? WHERE id = ?", [detail, refund_id])
        else:
            db.execute("UPDATE refunds SET detail = ? WHERE id = ?", [detail, refund_id])
    final = db.execute("SELECT state FROM refunds WHERE id = ?", [refund_id]).fetchone()[0]
    return {**payload, "state": final, "money": money(db, order["id"])}


def reprint(db: sqlite_utils.Database, config: Config, at: Instant, job_id: str, staff: Staff) -> dict:
    """Print any ticket again (补打 REPRINT), recording who asked."""
    try:
        with db.atomic():
            new = print_jobs.reprint(db, config, job_id, at.wall_ms)
            job = print_jobs.get_job(db, new)
            payload = {"job_id": job_id, "new_job_id": new, "order_id": job["order_id"], "kind": job["kind"],
                       "printer": job["printer"], "staff_id": staff.staff_id, "staff_name": staff.name}
            append_event(db, "cashier.reprint", payload, at)
            record_action(db, staff, "reprint", job["order_id"] or job_id, {"job_id": job_id, "new_job_id": new},
                          at.wall_ms)
    except KeyError:
        raise ActionRefused(404, "not_found", f"no print job {job_id}") from None
    except ValueError as exc:
        raise ActionRefused(409, "no_printer", str(exc)) from None
    return {**payload, "job": job}


def collect(db: sqlite_utils.Database, at: Instant, order_id: str, staff: Staff) -> dict:
    """Mark an order collected (its pickup code was shown); refused when it was collected before."""
    order = _order_row(db, order_id)
    if order["status"] == "voided":
        raise ActionRefused(409, "voided", f"order {order['ticket_no']} was voided: nothing to hand over",
                            ticket_no=order["ticket_no"])
    with db.atomic():
        inserted = db.execute("INSERT INTO order_pickups (order_id, collected_ms, staff_id) VALUES (?, ?, ?)"
                              " ON CONFLICT (order_id) DO NOTHING", [order_id, at.wall_ms, staff.staff_id]).rowcount
        if inserted:
            payload = {"order_id": order_id, "ticket_no": order["ticket_no"], "staff_id": staff.staff_id}
            append_event(db, "pickup.collected", payload, at)
            record_action(db, staff, "pickup", order_id, {}, at.wall_ms)
    if not inserted:
        row = db.execute("SELECT p.collected_ms, p.staff_id, s.name FROM order_pickups p LEFT JOIN staff_pins s"
                         " ON s.staff_id = p.staff_id WHERE p.order_id = ?", [order_id]).fetchone()
        raise ActionRefused(409, "already_collected", f"order {order['ticket_no']} was collected before",
                            ticket_no=order["ticket_no"], collected_ms=row[0], staff_id=row[1], staff_name=row[2])
    return {"order_id": order_id, "ticket_no": order["ticket_no"], "status": order["status"],
            "collected_ms": at.wall_ms}


def set_sold_out(db: sqlite_utils.Database, at: Instant, item_id: str, sold_out: bool, staff: Staff) -> dict:
    """估清 / back in stock: the menu item, an outbox event (upstream updates the store's menu, so
    other devices and phone ordering see it) and who did it."""
    row = db.execute("SELECT zh, sold_out FROM menu_items WHERE id = ?", [item_id]).fetchone()
    if row is None:
        raise ActionRefused(404, "unknown_item", f"no menu item {item_id}")
    version = db.execute("SELECT value FROM device_state WHERE key = 'menu_version'").fetchone()
    with db.atomic():
        db.execute("UPDATE menu_items SET sold_out = ? WHERE id = ?", [int(sold_out), item_id])
        payload = {"item_id": item_id, "name_zh": row[0], "sold_out": bool(sold_out),
                   "menu_version": version[0] if version else None, "staff_id": staff.staff_id,
                   "staff_name": staff.name}
        append_event(db, "menu.sold_out", payload, at)
        record_action(db, staff, "sold_out" if sold_out else "in_stock", item_id, {"name_zh": row[0]}, at.wall_ms)
    return {**payload, "changed": bool(row[1]) != bool(sold_out)}


def reapply_sold_out(db: sqlite_utils.Database) -> int:
    """After a menu arrives from upstream: 估清 changes of this device that upstream has not
    received yet are applied again, so a menu older than them cannot undo them."""
    rows = db.execute("SELECT payload FROM outbox WHERE type = 'menu.sold_out' AND synced_at IS NULL"
                      " ORDER BY device_seq").fetchall()
    for (payload,) in rows:
        doc = json.loads(payload)
        db.execute("UPDATE menu_items SET sold_out = ? WHERE id = ?", [int(bool(doc.get("sold_out"))),
                                                                      doc.get("item_id")])
    return len(rows)
