"""SQL for the gateway's attempts (upstream/sql.py: the same statements on SQLite and PostgreSQL)."""

from __future__ import annotations

import hashlib
import json

from upstream.gateway.states import FINAL, PAYING, QUERYING, RUNNING
from upstream.sql import Database

_PUBLIC = ("attempt_id", "order_id", "out_trade_no", "amount", "channel", "state", "detail", "reason",
           "provider_trade_no", "deadline_ms", "version", "updated_ms")


def fingerprint(order_id: str, out_trade_no: str, amount: int, channel: str) -> str:
    text = json.dumps([order_id, out_trade_no, amount, channel], separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def is_integrity_error(exc: BaseException) -> bool:
    import sqlite3

    if isinstance(exc, sqlite3.IntegrityError):
        return True
    try:
        import psycopg  # optional ([postgresql] extra): imported only to recognise its errors
    except ImportError:  # pragma: no cover
        return False
    return isinstance(exc, psycopg.IntegrityError)


def get(db: Database, attempt_id: str) -> dict | None:
    return db.one("SELECT * FROM gateway_attempts WHERE attempt_id = ?", [attempt_id])


def by_out_trade_no(db: Database, out_trade_no: str) -> dict | None:
    return db.one("SELECT * FROM gateway_attempts WHERE out_trade_no = ?", [out_trade_no])


def open_row(db: Database, store_id: str, order_id: str) -> dict | None:
    """The attempt that holds the order (or bill) open, locked for the caller's transaction."""
    suffix = " FOR UPDATE" if db.dialect == "postgresql" else ""
    return db.one("SELECT * FROM gateway_attempts WHERE store_id = ? AND open_order = ?" + suffix, [store_id, order_id])


def alarm(db: Database, store_id: str | None, kind: str, detail: str, now: int) -> None:
    """An alarm for the operator (`edge-upstream alarms`)."""
    db.execute("INSERT INTO alarms (store_id, device_id, kind, detail, at_ms) VALUES (?, NULL, ?, ?, ?)",
               [store_id, kind, detail[:300], now])


def lock(db: Database, attempt_id: str) -> dict | None:
    """The row, locked for the rest of the caller's transaction (SQLite: BEGIN IMMEDIATE did it)."""
    suffix = " FOR UPDATE" if db.dialect == "postgresql" else ""
    return db.one("SELECT * FROM gateway_attempts WHERE attempt_id = ?" + suffix, [attempt_id])


def insert(db: Database, row: dict) -> None:
    cols = list(row)
    db.execute(f"INSERT INTO gateway_attempts ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
               [row[c] for c in cols])


def update(db: Database, attempt_id: str, fields: dict, now: int) -> None:
    fields = dict(fields)
    fields["updated_ms"] = now
    if fields.get("state") in FINAL:
        fields["final_ms"] = now
        fields.setdefault("next_action_ms", None)
    sets = ", ".join(f"{k} = ?" for k in fields)
    db.execute(f"UPDATE gateway_attempts SET {sets}, version = version + 1 WHERE attempt_id = ?",
               [*fields.values(), attempt_id])


def log(db: Database, attempt_id: str, state: str, action: str, outcome: str | None, note: str, now: int) -> None:
    db.execute("INSERT INTO gateway_log (attempt_id, at_ms, state, action, outcome, note) VALUES (?, ?, ?, ?, ?, ?)",
               [attempt_id, now, state, action, outcome, note[:300]])


def history(db: Database, attempt_id: str) -> list[dict]:
    return db.query("SELECT at_ms, state, action, outcome, note FROM gateway_log WHERE attempt_id = ? ORDER BY id",
                    [attempt_id])


def lease(db: Database, attempt_id: str, owner: str, now: int, lease_ms: int) -> bool:
    with db.tx():
        cursor = db.execute("UPDATE gateway_attempts SET lease_owner = ?, lease_until_ms = ? WHERE attempt_id = ?"
                            " AND (lease_owner IS NULL OR lease_owner = ? OR lease_until_ms < ?)",
                            [owner, now + lease_ms, attempt_id, owner, now])
        return cursor.rowcount == 1


def release(db: Database, attempt_id: str, owner: str) -> None:
    with db.tx():
        db.execute("UPDATE gateway_attempts SET lease_owner = NULL, lease_until_ms = NULL"
                   " WHERE attempt_id = ? AND lease_owner = ?", [attempt_id, owner])


def due(db: Database, owner: str, now: int) -> list[str]:
    """Running attempts no live runner holds (their process died, or the lease ran out)."""
    marks = ", ".join("?" * len(RUNNING))
    return [r["attempt_id"] for r in db.query(
        f"SELECT attempt_id FROM gateway_attempts WHERE state IN ({marks})"
        " AND (lease_owner IS NULL OR lease_owner = ? OR lease_until_ms < ?) ORDER BY updated_ms LIMIT 200",
        [*RUNNING, owner, now])]


def order_total(db: Database, order_id: str) -> dict | None:
    """The order as upstream knows it from the device's synced events (None: not synced yet)."""
    return db.one("SELECT store_id, total FROM orders WHERE order_id = ?", [order_id])


def kept_success(db: Database, store_id: str, order_id: str) -> str | None:
    row = db.one("SELECT attempt_id FROM gateway_attempts WHERE store_id = ? AND order_id = ? AND state = 'succeeded'"
                 " AND abandoned = 0", [store_id, order_id])
    return row["attempt_id"] if row else None


def open_attempt(db: Database, store_id: str, order_id: str) -> str | None:
    row = db.one("SELECT attempt_id FROM gateway_attempts WHERE store_id = ? AND open_order = ?", [store_id, order_id])
    return row["attempt_id"] if row else None


def listing(db: Database, store_id: str | None = None, states: tuple[str, ...] = (), limit: int = 200) -> list[dict]:
    where, params = [], []
    if store_id:
        where.append("store_id = ?")
        params.append(store_id)
    if states:
        where.append(f"state IN ({', '.join('?' * len(states))})")
        params.extend(states)
    sql = "SELECT * FROM gateway_attempts" + (" WHERE " + " AND ".join(where) if where else "")
    return db.query(sql + " ORDER BY created_ms DESC LIMIT ?", [*params, limit])


def view(row: dict, now: int) -> dict:
    doc = {k: row.get(k) for k in _PUBLIC}
    doc["final"] = row["state"] in FINAL
    doc["abandoned"] = bool(row["abandoned"])
    doc["deadline_in_ms"] = (max(0, row["deadline_ms"] - now) if row["state"] in (PAYING, QUERYING)
                             and row.get("deadline_ms") else None)
    doc["server_time_ms"] = now
    return doc


# -- merchant refunds (gateway_refunds) ---------------------------------------------------------------
def get_refund(db: Database, refund_id: str) -> dict | None:
    return db.one("SELECT * FROM gateway_refunds WHERE refund_id = ?", [refund_id])


def insert_refund(db: Database, row: dict) -> None:
    cols = list(row)
    db.execute(f"INSERT INTO gateway_refunds ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
               [row[c] for c in cols])


def update_refund(db: Database, refund_id: str, fields: dict, now: int) -> None:
    fields = {**fields, "updated_ms": now}
    if fields.get("state") in ("succeeded", "failed"):
        fields["final_ms"] = now
    sets = ", ".join(f"{k} = ?" for k in fields)
    db.execute(f"UPDATE gateway_refunds SET {sets} WHERE refund_id = ?", [*fields.values(), refund_id])


def refund_sums(db: Database, attempt_id: str) -> tuple[int, int]:
    """(reserved: every refund not failed, refunded: the succeeded ones) of an attempt, in fen."""
    row = db.one("SELECT coalesce(sum(CASE WHEN state != 'failed' THEN amount ELSE 0 END), 0) AS reserved,"
                 " coalesce(sum(CASE WHEN state = 'succeeded' THEN amount ELSE 0 END), 0) AS refunded"
                 " FROM gateway_refunds WHERE attempt_id = ?", [attempt_id])
    return int(row["reserved"]), int(row["refunded"])
