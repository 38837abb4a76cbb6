"""Payment attempt rows on the device (table payment_attempts, edge/ledger/migrations.py m006).

States: created (committed, the PUT may or may not have arrived) → pending (the gateway has it:
paying / querying) → succeeded | failed | closed | refunded | abandoned; closing = the gateway
is cancelling / refunding / reconciling (nothing will be kept, the end is not known yet);
abandoning = the device gave it up, the gateway does not know yet. Open (one per order, and one
per table bill): created, pending, abandoning. Never the payment code.
"""

from __future__ import annotations

import sqlite_utils

from edge.orders import new_id
from edge.payments.messages import message

OPEN = ("created", "pending", "abandoning")
UNFINISHED = OPEN + ("closing",)
FINAL = ("succeeded", "failed", "closed", "refunded", "abandoned")
GATEWAY = {"paying": "pending", "querying": "pending", "cancelling": "closing", "refunding": "closing",
           "reconcile": "closing", "attention": "closing", "succeeded": "succeeded", "failed": "failed",
           "closed": "closed", "refunded": "refunded", "abandoned": "abandoned"}


def create(db: sqlite_utils.Database, order_id: str, amount: int, channel: str, at_ms: int,
           bill: str | None = None) -> dict:
    """A new attempt for `order_id`, or for a table's whole bill (`bill` = the table session; its
    orders are then in `payment_attempt_orders`, `order_id` is the first of them)."""
    attempt_id = new_id()
    row = {"attempt_id": attempt_id, "order_id": order_id, "out_trade_no": attempt_id, "amount": amount,
           "channel": channel, "state": "created", "created_wall_ms": at_ms, "updated_wall_ms": at_ms, "bill": bill}
    db["payment_attempts"].insert(row)
    return get(db, attempt_id)


def get(db: sqlite_utils.Database, attempt_id: str) -> dict | None:
    rows = list(db.query("SELECT * FROM payment_attempts WHERE attempt_id = ?", [attempt_id]))
    return rows[0] if rows else None


def open_for(db: sqlite_utils.Database, order_id: str) -> dict | None:
    rows = list(db.query(f"SELECT * FROM payment_attempts WHERE order_id = ? AND state IN ({', '.join('?' * 3)})",
                         [order_id, *OPEN]))
    return rows[0] if rows else None


def open_for_bill(db: sqlite_utils.Database, session_id: str) -> dict | None:
    """The open attempt of a table's bill (at most one: the partial unique index)."""
    rows = list(db.query(f"SELECT * FROM payment_attempts WHERE bill = ? AND state IN ({', '.join('?' * 3)})",
                         [session_id, *OPEN]))
    return rows[0] if rows else None


def for_order(db: sqlite_utils.Database, order_id: str) -> list[dict]:
    return list(db.query("SELECT * FROM payment_attempts WHERE order_id = ? ORDER BY created_wall_ms, attempt_id",
                         [order_id]))


def unfinished(db: sqlite_utils.Database) -> list[dict]:
    return list(db.query(f"SELECT * FROM payment_attempts WHERE state IN ({', '.join('?' * len(UNFINISHED))})"
                         " ORDER BY created_wall_ms", list(UNFINISHED)))


def recent(db: sqlite_utils.Database, limit: int = 50) -> list[dict]:
    return list(db.query("SELECT * FROM payment_attempts ORDER BY created_wall_ms DESC LIMIT ?", [limit]))


def update(db: sqlite_utils.Database, attempt_id: str, at_ms: int, **fields) -> None:
    fields["updated_wall_ms"] = at_ms
    if fields.get("state") in FINAL:
        fields["final_wall_ms"] = at_ms
    db["payment_attempts"].update(attempt_id, fields)


def is_unresolved(row: dict, now_ms: int) -> bool:
    """Waiting on something the customer cannot fix: the cashier's list."""
    if row["state"] in ("created", "abandoning", "closing"):
        return (row["state"] != "closing" or row["gateway_state"] in ("reconcile", "attention")
                or bool(row["last_error"]))
    if row["state"] == "pending":
        late = row["deadline_wall_ms"] is not None and now_ms > row["deadline_wall_ms"] + 5000
        return bool(row["last_error"]) or late
    return False


def customer_may_cancel(row: dict, now_ms: int) -> bool:
    """The customer may cancel (no staff session): the gateway has the attempt and it is waiting
    for the customer (e.g. their password), on time, with no error: nothing can have been taken
    that the gateway's cancel does not return. Anything else is the cashier's decision."""
    return row["state"] == "pending" and not is_unresolved(row, now_ms)


def view(row: dict, now_ms: int, ticket_no: str | None = None, order_status: str | None = None) -> dict:
    unresolved = is_unresolved(row, now_ms)
    deadline = row["deadline_wall_ms"]
    return {
        "attempt_id": row["attempt_id"], "order_id": row["order_id"], "bill": row.get("bill"), "ticket_no": ticket_no,
        "order_status": order_status, "out_trade_no": row["out_trade_no"], "amount": row["amount"],
        "channel": row["channel"], "state": row["state"], "gateway_state": row["gateway_state"],
        "detail": row["detail"], "reason": row["reason"], "final": row["state"] in FINAL,
        "open": row["state"] in OPEN, "unresolved": unresolved, "paid": row["state"] == "succeeded",
        "deadline_in_ms": max(0, deadline - now_ms) if deadline and row["state"] == "pending" else None,
        "last_error": row["last_error"], "created_wall_ms": row["created_wall_ms"],
        "updated_wall_ms": row["updated_wall_ms"],
        "message": message(row["state"], row["detail"], row["reason"], unresolved),
    }
