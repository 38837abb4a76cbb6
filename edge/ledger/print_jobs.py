"""Print jobs in the ledger: written in the caller's transaction, routed, reprinted, read.

Every function that writes takes the caller's `db` inside its `db.atomic()` (and the core's
write lock, `Ledger.step()`): a print job is created in the same transaction as the business step it prints
(placing an order, adding or voiding lines, asking for a receipt). Each job stores its rendered
bytes (+ hash), the profile they were rendered for, and the ticket's data as JSON (`ticket`), so
the spool can render it again with 补打 REPRINT or for a backup printer (转自 …).

Routing: kitchen and change tickets go to the station's printer (`printer_for_station`);
customer receipts to the printer mapped to the pseudo-station `receipt` in `[stations]`
(`receipt = "counter"`), else a printer named `receipt`, else none (no receipt is printed).
A ticket with no printer is stored in state `attention` with the reason: never dropped.
"""

from __future__ import annotations

import json
import time
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

import sqlite_utils

from edge.config import Config
from edge.ledger.clock import Instant
from edge.ledger.voids import voided_amount, voided_quantities
from edge.menu import Menu
from edge.orders import new_id
from edge.printer.changes import ChangeTicket
from edge.printer.jobs import kind_of, render, ticket_json
from edge.printer.jobstore import Job, rerender, sha256
from edge.printer_profiles import DEFAULT_PROFILE, get_profile
from edge.printer.receipt import CustomerReceipt, ReceiptLine
from edge.printer.tickets import TicketLine

RECEIPT_STATION = "receipt"
REPORT_STATION = "report"  # the day report: defaults to the receipt printer
JOB_FIELDS = ("id", "order_id", "kind", "station_id", "printer", "origin_printer", "station_seq", "state",
              "reprint", "reprint_of", "attempts", "last_error", "unconfirmed", "profile", "payload_sha256",
              "created_wall_ms", "updated_wall_ms", "sent_wall_ms", "printed_wall_ms")


def printer_for_station(config: Config, station_id: str) -> str | None:
    """The printer of a station: the [stations] map, else a printer named like the station,
    else the only printer there is; None when the station has nowhere to print."""
    if station_id in config.stations:
        return config.stations[station_id]
    if station_id in config.printers:
        return station_id
    if len(config.printers) == 1:
        return next(iter(config.printers))
    return None


def receipt_printer(config: Config) -> str | None:
    if RECEIPT_STATION in config.stations:
        return config.stations[RECEIPT_STATION]
    return RECEIPT_STATION if RECEIPT_STATION in config.printers else None


def report_printer(config: Config) -> str | None:
    """Where the day report prints: `[stations] report`, else the counter's receipt printer, else
    the store's only printer; never one kitchen printer among several (None: say so)."""
    if REPORT_STATION in config.stations:
        return config.stations[REPORT_STATION]
    if receipt := receipt_printer(config):
        return receipt
    return next(iter(config.printers)) if len(config.printers) == 1 else None


def insert_job(db: sqlite_utils.Database, config: Config, ticket: object, printer: str | None, *, at_ms: int,
               order_id: str | None,
               station_id: str | None, station_seq: int | None, missing: str = "",
               reprint_of: str | None = None) -> str:
    """Render `ticket` for `printer`'s profile and store the job (in the caller's transaction)."""
    profile = get_profile(config.printers[printer].profile if printer else DEFAULT_PROFILE)
    payload = render(ticket, profile)
    job_id = new_id()
    db.table("print_jobs").insert({
        "id": job_id, "order_id": order_id, "kind": kind_of(ticket), "station_id": station_id, "printer": printer,
        "station_seq": station_seq, "state": "queued" if printer else "attention", "payload": payload,
        "payload_sha256": sha256(payload), "reprint": int(bool(getattr(ticket, "reprint", False))),
        "attempts": 0, "last_error": None if printer else (missing or "no printer configured"),
        "created_wall_ms": at_ms, "updated_wall_ms": at_ms, "ticket": ticket_json(ticket),
        "profile": profile.name, "reprint_of": reprint_of,
    })
    return job_id


def next_station_seq(db: sqlite_utils.Database, station_id: str, day: str) -> int:
    return int(db.execute(
        "INSERT INTO station_counters (station_id, business_day, last) VALUES (?, ?, 1) "
        "ON CONFLICT DO UPDATE SET last = last + 1 RETURNING last", [station_id, day]).fetchone()[0])


def _texts(values: Iterable[Any] | None) -> tuple[str, ...]:
    return tuple(v["zh"] if isinstance(v, dict) else str(v) for v in values or ())


def queue_change_tickets(db: sqlite_utils.Database, config: Config, menu: Menu | None, order_id: str, kind: str,
                         lines: list[dict[str, Any]],
                         at: Instant, day: str, reason: str = "") -> list[str]:
    """加菜 (`kind="add"`) / 退菜 (`"void"`) tickets for the changed `lines` of an order, one per
    station, each with the station's next sequence number. Call inside the transaction that
    changes the order. `lines`: dicts like the order's lines (`name_zh`, `station_id`, `qty`,
    `options` / `notes` as lists of {"zh": ...} or strings). Returns the job ids."""
    order = db.execute("SELECT ticket_no, service, table_no FROM orders WHERE id = ?", [order_id]).fetchone()
    if order is None:
        raise KeyError(f"no order {order_id}")
    by_station: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for line in lines:
        by_station[line["station_id"]].append(line)
    job_ids = []
    for station_id, station_lines in by_station.items():
        station_name = _station_name(menu, station_id)
        printer = printer_for_station(config, station_id)
        ticket = ChangeTicket(
            kind=kind, ticket_no=order[0], station_code=station_id, station_name=station_name, service=order[1],
            table=order[2], placed_at=at.local.strftime("%Y-%m-%d %H:%M"),
            lines=tuple(TicketLine(line.get("name_zh") or line["name"], int(line["qty"]), _texts(line.get("options")),
                                   _texts(line.get("notes"))) for line in station_lines),
            station_seq=next_station_seq(db, station_id, day), reason=reason)
        job_ids.append(insert_job(db, config, ticket, printer, at_ms=at.wall_ms, order_id=order_id,
                                  station_id=station_id, station_seq=ticket.station_seq,
                                  missing=f"station {station_name} has no printer configured"))
    return job_ids


def _station_name(menu: Menu | None, station_id: str) -> str:
    try:
        return menu.station(station_id).zh if menu else station_id
    except StopIteration:
        return station_id


def customer_receipt(db: sqlite_utils.Database, order_id: str, shop_name: str,
                     pickup_code: str = "") -> CustomerReceipt:
    """The receipt of a stored order (also inside the transaction that stored it)."""
    row = db.execute("SELECT ticket_no, service, table_no, created_local, total, payment, status FROM orders"
                     " WHERE id = ?", [order_id]).fetchone()
    if row is None:
        raise KeyError(f"no order {order_id}")
    voided = voided_quantities(db, order_id)
    lines = tuple(  # what the customer has (and pays for): voided dishes are left out
        ReceiptLine(name, qty - voided.get(line_no, 0), total // qty * (qty - voided.get(line_no, 0)),
                    _texts(json.loads(options)))
        for line_no, name, qty, total, options in db.execute(
            "SELECT line_no, name_zh, qty, total, options FROM order_lines WHERE order_id = ? ORDER BY line_no",
            [order_id])
        if qty > voided.get(line_no, 0))
    due = row[4] - voided_amount(db, order_id)
    return CustomerReceipt(shop_name=shop_name, ticket_no=row[0], service=row[1], table=row[2],
                           placed_at=row[3].replace("T", " ")[:16], lines=lines, total=due, payment=row[5],
                           paid=row[6] == "paid", pickup_code=pickup_code)


def queue_receipt(db: sqlite_utils.Database, config: Config, order_id: str, at_ms: int, pickup_code: str = "",
                  printer: str | None = None) -> str | None:
    """A customer receipt job for the order, on `printer` or the receipt printer; None when
    there is no receipt printer. Call inside a transaction."""
    printer = printer or receipt_printer(config)
    if printer is None:
        return None
    receipt = customer_receipt(db, order_id, config.device.name, pickup_code)
    return insert_job(db, config, receipt, printer, at_ms=at_ms, order_id=order_id, station_id=RECEIPT_STATION,
                      station_seq=None)


def reprint(db: sqlite_utils.Database, config: Config, job_id: str, at_ms: int) -> str:
    """A new job that prints `job_id` again with 补打 REPRINT, on the station's printer (its
    original printer when it had failed over). KeyError when there is no such job; ValueError
    when it has no printer."""
    row = db.execute("SELECT id, kind, coalesce(origin_printer, printer), station_id, station_seq, state, payload,"
                     " ticket, profile, reprint, attempts, NULL, last_error, order_id FROM print_jobs WHERE id = ?",
                     [job_id]).fetchone()
    if row is None:
        raise KeyError(f"no print job {job_id}")
    job = Job(*row[:13])
    if job.printer is None or job.printer not in config.printers:
        raise ValueError(f"print job {job_id} has no printer to print on: configure one for its station first")
    profile = get_profile(config.printers[job.printer].profile)
    payload = rerender(job, profile, reprint=True)
    new = new_id()
    db.table("print_jobs").insert({
        "id": new, "order_id": row[13], "kind": job.kind, "station_id": job.station_id, "printer": job.printer,
        "station_seq": job.station_seq, "state": "queued", "payload": payload, "payload_sha256": sha256(payload),
        "reprint": 1, "attempts": 0, "last_error": None, "created_wall_ms": at_ms, "updated_wall_ms": at_ms,
        "ticket": job.ticket, "profile": profile.name, "reprint_of": job_id,
    })
    return new


def job_view(row: dict[str, Any]) -> dict[str, Any]:
    view = {k: row.get(k) for k in JOB_FIELDS}
    view["reprint"], view["unconfirmed"] = bool(view["reprint"]), bool(view["unconfirmed"])
    return view


def list_jobs(db: sqlite_utils.Database, printer: str | None = None, state: str | None = None,
              limit: int = 50) -> list[dict[str, Any]]:
    where: list[str] = []
    args: list[object] = []
    if printer:
        where.append("(j.printer = ? OR j.origin_printer = ?)")
        args += [printer, printer]
    if state:
        where.append("j.state = ?")
        args.append(state)
    sql = (f"SELECT j.{', j.'.join(JOB_FIELDS)}, o.ticket_no FROM print_jobs j LEFT JOIN orders o ON o.id = j.order_id"
           f"{' WHERE ' + ' AND '.join(where) if where else ''} ORDER BY j.created_wall_ms DESC, j.rowid DESC LIMIT ?")
    return [{**job_view(r), "ticket_no": r["ticket_no"]} for r in db.query(sql, [*args, limit])]


def get_job(db: sqlite_utils.Database, job_id: str) -> dict[str, Any] | None:
    rows = list(db.query(f"SELECT j.{', j.'.join(JOB_FIELDS)}, o.ticket_no, j.ticket FROM print_jobs j "
                         "LEFT JOIN orders o ON o.id = j.order_id WHERE j.id = ?", [job_id]))
    if not rows:
        return None
    doc = rows[0]
    return {**job_view(doc), "ticket_no": doc["ticket_no"],
            "ticket": json.loads(doc["ticket"]) if doc["ticket"] else None}


def queue_counts(db: sqlite_utils.Database) -> dict[str, dict[str, int]]:
    counts: dict[str, dict[str, int]] = defaultdict(dict)
    for printer, state, n in db.execute("SELECT printer, state, count(*) FROM print_jobs "
                                        "WHERE state NOT IN ('printed') GROUP BY printer, state"):
        counts[printer or "(none)"][state] = n
    return dict(counts)


def route_waiting_jobs(db: sqlite_utils.Database, config: Config) -> list[str]:
    """At start-up: jobs kept in `attention` because their station had no printer go to the
    printer the config now gives them (rendered for its profile). Call in a transaction."""
    moved = []
    rows = db.execute("SELECT id, kind, station_id, ticket, payload FROM print_jobs WHERE state = 'attention'"
                      " AND printer IS NULL ORDER BY created_wall_ms, rowid").fetchall()
    for job_id, kind, station_id, ticket, payload in rows:
        if kind == "receipt":
            printer = receipt_printer(config)
        else:
            printer = printer_for_station(config, station_id) if station_id else None
        if printer is None:
            continue
        profile = get_profile(config.printers[printer].profile)
        job = Job(job_id, kind, printer, station_id, None, "attention", payload, ticket, profile.name, 0, 0, None,
                  None)
        data = rerender(job, profile, reprint=False)
        db.execute("UPDATE print_jobs SET printer = ?, profile = ?, payload = ?, payload_sha256 = ?, state = 'queued',"
                   " last_error = NULL, updated_wall_ms = ? WHERE id = ?",
                   [printer, profile.name, data, sha256(data), int(time.time() * 1000), job_id])
        moved.append(job_id)
    return moved
