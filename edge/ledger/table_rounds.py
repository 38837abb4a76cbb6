"""Table rounds on the device: when a round from the phones has printed in every kitchen, and the
slip a table's call prints at the counter.

A round's order (placed by edge/sync/downstream.py with its `table_session`) is 已下厨 once every
kitchen station it went to has a printed ticket (its first send, or a reprint of it): then, once,
`order.printed` goes into the outbox and upstream shows the guests' phones the ticket number.
`kitchen_printed_ms` marks it done in the same transaction, so a restart never sends it twice and
`unprinted_rounds` finds the ones a crash left between the printer's confirmation and this step.
"""

from __future__ import annotations

from typing import Any

import sqlite_utils

from edge.config import Config
from edge.ledger.clock import Instant
from edge.ledger.outbox import append_event
from edge.ledger.print_jobs import insert_job, report_printer
from edge.printer.call_slip import CALL_KINDS, CallSlip

CALL_STATION = "call"


def round_of_job(db: sqlite_utils.Database, job_id: str) -> str | None:
    """The table round a kitchen job printed for, while its `order.printed` is still to be told
    (None for every other job: the common case costs this one read)."""
    row = db.execute("SELECT o.id FROM print_jobs j JOIN orders o ON o.id = j.order_id WHERE j.id = ?"
                     " AND j.kind = 'kitchen' AND o.table_session IS NOT NULL AND o.kitchen_printed_ms IS NULL",
                     [job_id]).fetchone()
    return row[0] if row else None


def unprinted_rounds(db: sqlite_utils.Database) -> list[str]:
    """Round orders whose `order.printed` was not sent yet (the sweep at start-up looks at these)."""
    return [r[0] for r in db.execute(
        "SELECT id FROM orders WHERE table_session IS NOT NULL AND kitchen_printed_ms IS NULL").fetchall()]


def all_stations_printed(db: sqlite_utils.Database, order_id: str) -> bool:
    """True when the order has kitchen tickets and each of their stations has one printed."""
    rows = db.execute("SELECT coalesce(station_id, ''), max(state = 'printed') FROM print_jobs"
                      " WHERE order_id = ? AND kind = 'kitchen' GROUP BY coalesce(station_id, '')",
                      [order_id]).fetchall()
    return bool(rows) and all(printed for _, printed in rows)


def note_round_printed(db: sqlite_utils.Database, order_id: str, at: Instant) -> dict[str, Any] | None:
    """Call inside a business step: the `order.printed` payload when this order is a table round
    that has just finished printing (None when it is not a round, not done, or already told)."""
    row = db.execute("SELECT ticket_no, client_token, table_session, table_round FROM orders"
                     " WHERE id = ? AND table_session IS NOT NULL AND kitchen_printed_ms IS NULL",
                     [order_id]).fetchone()
    if row is None or not all_stations_printed(db, order_id):
        return None
    ticket_no, token, session, round_no = row
    payload = {"order_id": order_id, "ticket_no": ticket_no, "table_session": session, "round": round_no,
               "command_id": token[3:] if token.startswith("up-") else None, "printed_wall_ms": at.wall_ms}
    db.execute("UPDATE orders SET kitchen_printed_ms = ? WHERE id = ?", [at.wall_ms, order_id])
    append_event(db, "order.printed", payload, at)
    return payload


def queue_call_slip(db: sqlite_utils.Database, config: Config, kind: str, table: str, at: Instant) -> str | None:
    """Call inside a business step: a 呼叫服务员 / 请求结账 slip on the counter's printer (the day
    report's routing); None when the store has no printer for it (the cashier screen still shows it)."""
    if kind not in CALL_KINDS:
        raise ValueError(f"unknown call {kind!r}")
    printer = report_printer(config)
    if printer is None:
        return None
    slip = CallSlip(kind=kind, table=table, called_at=at.local.strftime("%Y-%m-%d %H:%M"))
    return insert_job(db, config, slip, printer, at_ms=at.wall_ms, order_id=None, station_id=CALL_STATION,
                      station_seq=None)
