"""What the cashier voided of an order (退菜), read from `order_voids`: per line and in money.
Payment (what is due), kitchen tickets and receipts of a held order, and the cashier's actions all
read voids through here."""

from __future__ import annotations

import sqlite_utils


def voided_quantities(db: sqlite_utils.Database, order_id: str) -> dict[int, int]:
    """{line_no: quantity voided} of an order."""
    return dict(db.execute("SELECT line_no, sum(qty) FROM order_voids WHERE order_id = ? GROUP BY line_no",
                           [order_id]).fetchall())


def voided_amount(db: sqlite_utils.Database, order_id: str) -> int:
    """Fen voided of an order."""
    return int(db.execute("SELECT coalesce(sum(amount), 0) FROM order_voids WHERE order_id = ?",
                          [order_id]).fetchone()[0])


def amount_due(db: sqlite_utils.Database, order_id: str) -> tuple[int, int]:
    """(total, due) of an order in fen: due = total minus every voided line."""
    total = int(db.execute("SELECT total FROM orders WHERE id = ?", [order_id]).fetchone()[0])
    return total, total - voided_amount(db, order_id)
