"""A table's bill on this device: the orders of one table session (`orders.table_session`, one per
round) and what each still owes, in fen.

A round's order is `table` (先吃后付: sent to the kitchen at once, NOT paid until the table's bill
is paid), or `prepaid` (先付后吃: paid on the phone before it was sent). Per order:

    due     total - voided (edge/ledger/voids.py)
    state   voided (nothing left) | unpaid (payment still `table`) | paid (prepaid, or the bill
            was paid: payment is then how: cash, alipay, wechat, unionpay)

The bill: total = the sum of `due`, paid = the `due` of the paid orders, due = the `due` of the
unpaid ones. Refunds after payment do not make a bill owe again.
"""

from __future__ import annotations

from typing import Any

import sqlite_utils

from edge.ledger.voids import voided_amount

UNPAID_PAYMENT = "table"


def session_orders(db: sqlite_utils.Database, session_id: str) -> list[dict[str, Any]]:
    """The orders of a table session on this device, round by round, with what each owes."""
    out = []
    for row in db.query("SELECT id, ticket_no, table_no, table_round, payment, status, total, created_local,"
                        " created_wall_ms FROM orders WHERE table_session = ?"
                        " ORDER BY table_round, created_wall_ms", [session_id]):
        voided = voided_amount(db, row["id"])
        due = row["total"] - voided
        state = "voided" if row["status"] == "voided" or due <= 0 else \
            "unpaid" if row["payment"] == UNPAID_PAYMENT else "paid"
        out.append({"order_id": row["id"], "ticket_no": row["ticket_no"], "table": row["table_no"],
                    "round": row["table_round"], "payment": row["payment"], "status": row["status"],
                    "total": row["total"], "voided": voided, "due": max(due, 0), "state": state,
                    "created_local": row["created_local"], "created_wall_ms": row["created_wall_ms"]})
    return out


def bill_of(orders: list[dict[str, Any]]) -> dict[str, Any]:
    """{total, paid, due, unpaid: [order ids]} of a session's orders (`session_orders`)."""
    paid = sum(o["due"] for o in orders if o["state"] == "paid")
    due = sum(o["due"] for o in orders if o["state"] == "unpaid")
    return {"total": paid + due, "paid": paid, "due": due,
            "unpaid": [o["order_id"] for o in orders if o["state"] == "unpaid"]}


def bill(db: sqlite_utils.Database, session_id: str) -> dict[str, Any]:
    """The bill of a table session on this device, with its orders."""
    orders = session_orders(db, session_id)
    return {**bill_of(orders), "session_id": session_id, "orders": orders}


def sessions_owing(db: sqlite_utils.Database) -> list[str]:
    """Table sessions with an unpaid order on this device (the table view while upstream is away)."""
    return [r[0] for r in db.execute(
        "SELECT table_session FROM orders WHERE table_session IS NOT NULL AND payment = ? AND status != 'voided'"
        " GROUP BY table_session ORDER BY min(created_wall_ms)", [UNPAID_PAYMENT]).fetchall()]
