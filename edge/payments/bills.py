"""A table's bill paid at the counter, in the caller's transaction: every unpaid order of a table
session (edge/ledger/table_bills.py) paid in ONE step, by cash or by one payment-code attempt
that covers the whole bill.

- `unpaid(db, session_id)`: the orders a payment of the bill would pay and their amounts.
- `record_attempt_orders`: what a bill's attempt covers (`payment_attempt_orders`), written with
  the attempt, before the gateway is asked.
- `covered(db, attempt_id)`: those orders again; `still_due(db, attempt)`: whether each still
  owes exactly what the attempt was started for (a void is refused while the bill's payment is
  open, so only an order paid some other way meanwhile changes it).
- `settle_bill`: each order paid (`order.paid` per order with its amount, edge/payments/settle.py),
  one `staff_actions` row for the bill when a staff member took the money, the outbox event
  `table.bill_paid` and the queued notice that tells upstream (sent by the cashier desk's upstream
  thread until upstream has it: edge/cashier/tables.py).
"""

from __future__ import annotations

import sqlite_utils

from edge.config import Config
from edge.ledger.clock import Instant
from edge.ledger.outbox import append_event
from edge.ledger.staff import Staff, record_action
from edge.ledger.table_bills import session_orders
from edge.menu import Menu
from edge.orders import new_id
from edge.payments.settle import settle_order


def unpaid(db: sqlite_utils.Database, session_id: str) -> list[dict]:
    """The unpaid orders of the session: [{order_id, ticket_no, table, round, due}]."""
    return [o for o in session_orders(db, session_id) if o["state"] == "unpaid"]


def record_attempt_orders(db: sqlite_utils.Database, attempt_id: str, orders: list[dict]) -> None:
    db["payment_attempt_orders"].insert_all(
        {"attempt_id": attempt_id, "order_id": o["order_id"], "amount": o["due"]} for o in orders)


def covered(db: sqlite_utils.Database, attempt_id: str) -> list[dict]:
    """[{order_id, amount}] a bill's attempt pays."""
    return [dict(r) for r in db.query("SELECT order_id, amount FROM payment_attempt_orders WHERE attempt_id = ?"
                                      " ORDER BY rowid", [attempt_id])]


def still_due(db: sqlite_utils.Database, attempt: dict) -> bool:
    """Every order the attempt covers is unpaid and owes what it owed when the attempt started."""
    now = {o["order_id"]: o["due"] for o in unpaid(db, attempt["bill"])}
    return all(now.get(c["order_id"]) == c["amount"] for c in covered(db, attempt["attempt_id"]))


def with_coupon(orders: list[dict], discount: int, coupon_id: str | None) -> list[dict]:
    """The orders with a coupon's `discount` spread over them in order (each takes what it owes,
    up to what is left of the discount) and its `coupon_id` on the orders it touched (pure)."""
    out, left = [], discount
    for order in orders:
        share = min(left, order["due"])
        left -= share
        out.append({**order, "discount": share, "coupon_id": coupon_id} if share else dict(order))
    if left:
        raise ValueError(f"a coupon of {discount} fen is more than these orders owe")
    return out


def settle_bill(db: sqlite_utils.Database, config: Config, menu: Menu | None, session_id: str,
                orders: list[dict], method: str, at: Instant, attempt_id: str | None = None,
                staff: Staff | None = None, notify: bool = True) -> list[dict]:
    """Pay `orders` ([{order_id, due | amount}]) of the session by `method`, inside the caller's
    db.atomic(). Returns [{order_id, ticket_no, amount}] of the orders it paid. `notify`: queue the
    notice to upstream (False for a bill upstream itself saw paid, e.g. on a phone). An order's
    `discount` and `coupon_id`: a member's coupon applied on the phone that paid the bill (the
    order's amount is then what was due less the discount)."""
    paid = []
    for order in orders:
        discount = order.get("discount", 0)
        amount = order.get("due", order.get("amount")) - discount
        coupon = (discount, order["coupon_id"]) if discount else None
        ticket = db.execute("SELECT ticket_no FROM orders WHERE id = ?", [order["order_id"]]).fetchone()[0]
        if settle_order(db, config, menu, order["order_id"], method, at, attempt_id, staff, coupon) is not None:
            paid.append({"order_id": order["order_id"], "ticket_no": ticket, "amount": amount,
                         **({"discount": discount} if discount else {})})
    total = sum(p["amount"] for p in paid)
    if not paid:
        return paid
    doc = {"session_id": session_id, "amount": total, "method": method, "attempt_id": attempt_id,
           "orders": paid, "staff_id": staff.staff_id if staff else None}
    append_event(db, "table.bill_paid", doc, at)
    if staff is not None:
        record_action(db, staff, "bill_paid", session_id, {k: doc[k] for k in ("amount", "method", "orders")},
                      at.wall_ms)
    if notify:
        db["table_bill_notices"].insert({"notice_id": new_id(), "session_id": session_id, "amount": total,
                                         "method": method, "staff_id": doc["staff_id"], "created_ms": at.wall_ms,
                                         "state": "queued"})
    return paid
