"""Admitting a phone order inside the transaction that stores it: the per-table and per-client
rate buckets, the count of the table's open orders, and the refused orders per table and reason
that the merchant sees (`edge-upstream tables refusals`).

The buckets are rows of `rate_buckets` in the upstream's database, not memory: each is read
with an upsert that locks its row until the transaction ends (PostgreSQL; SQLite's BEGIN
IMMEDIATE runs one writer at a time anyway), so they hold across the server's worker threads
and across several server processes on one PostgreSQL database. The table's row is locked first
in every phone order's transaction, so one table's open-order count and insert are serialized.
"""

from __future__ import annotations

from upstream.errors import ApiError
from upstream.phone_limits import PhoneLimits, take_token
from upstream.sql import Database

OPEN_WINDOW_MS = 12 * 3600 * 1000  # a phone order older than this no longer counts as open
PRUNE_AFTER_MS = 10 * 60 * 1000  # an untouched bucket is full after a minute: its row can go
REASONS = ("too_large", "rate_table", "rate_client", "open_orders")

_LOCK = ("INSERT INTO rate_buckets (bucket, tokens, updated_ms) VALUES (?, ?, ?)"
         " ON CONFLICT (bucket) DO UPDATE SET bucket = excluded.bucket RETURNING tokens, updated_ms")


def table_bucket(store_id: str, table: str) -> str:
    return f"t:{store_id}:{table}"


def client_bucket(client: str) -> str:
    return f"c:{client}"


def _bucket(db: Database, name: str, per_minute: int, now: int) -> tuple[bool, float, int]:
    row = db.query(_LOCK, [name, float(per_minute), now])[0]
    return take_token(float(row["tokens"]), int(row["updated_ms"]), now, per_minute)


def take_bucket(db: Database, name: str, per_minute: int, now: int) -> tuple[bool, int]:
    """Call inside db.tx(): one token from bucket `name` (ok, seconds to wait when not ok)."""
    ok, left, wait = _bucket(db, name, per_minute, now)
    if ok:
        db.execute("UPDATE rate_buckets SET tokens = ?, updated_ms = ? WHERE bucket = ?", [left, now, name])
    return ok, wait


def open_orders(db: Database, store_id: str, table: str, now: int) -> int:
    """The table's phone orders of the last 12 h not yet rejected, paid, voided or collected."""
    return int(db.scalar(
        "SELECT count(*) AS n FROM phone_orders p LEFT JOIN orders o"
        " ON o.order_id = p.device_order_id AND o.store_id = p.store_id"
        " WHERE p.store_id = ? AND p.table_no = ? AND p.created_ms > ? AND (p.status = 'sent'"
        " OR (p.status = 'accepted' AND (o.order_id IS NULL"
        " OR (o.status NOT IN ('paid', 'voided') AND o.collected_ms IS NULL))))",
        [store_id, table, now - OPEN_WINDOW_MS]))


def admit(db: Database, store_id: str, table: str, client: str, limits: PhoneLimits, now: int) -> ApiError | None:
    """Call inside db.tx(). None: one token taken from each bucket, the order may be stored in
    this transaction. Else the refusal to raise once the transaction committed (a refused
    request takes no token; the refusal is counted here)."""
    t_ok, t_left, t_wait = _bucket(db, table_bucket(store_id, table), limits.table_per_minute, now)
    c_ok, c_left, c_wait = _bucket(db, client_bucket(client), limits.client_per_minute, now)
    if not t_ok:
        refusal = ApiError(429, "rate_limited", f"table {table} sent more than {limits.table_per_minute} phone orders"
                           f" a minute: try again in {t_wait} s", "table_code", retry_after=t_wait)
        reason = "rate_table"
    elif not c_ok:
        refusal = ApiError(429, "rate_limited", f"more than {limits.client_per_minute} phone orders a minute from"
                           f" this address: try again in {c_wait} s", None, retry_after=c_wait)
        reason = "rate_client"
    else:
        for name, left in ((table_bucket(store_id, table), t_left), (client_bucket(client), c_left)):
            db.execute("UPDATE rate_buckets SET tokens = ?, updated_ms = ? WHERE bucket = ?", [left, now, name])
        if open_orders(db, store_id, table, now) < limits.max_open_per_table:
            return None
        refusal = ApiError(409, "too_many_open_orders",
                           f"table {table} has {limits.max_open_per_table} phone orders not paid yet: pay or ask at"
                           " the counter before ordering more", "table_code", limit=limits.max_open_per_table)
        reason = "open_orders"
    count_refusal(db, store_id, table, reason, now)
    return refusal


def count_refusal(db: Database, store_id: str, table: str, reason: str, now: int) -> None:
    db.execute("INSERT INTO phone_refusals (store_id, table_no, reason, refused, first_ms, last_ms)"
               " VALUES (?, ?, ?, 1, ?, ?) ON CONFLICT (store_id, table_no, reason)"
               " DO UPDATE SET refused = phone_refusals.refused + 1, last_ms = excluded.last_ms",
               [store_id, table, reason, now, now])


def refusals(db: Database, store_id: str | None = None) -> list[dict[str, object]]:
    """Refused phone orders per store, table and reason, the latest first."""
    return db.query("SELECT store_id, table_no, reason, refused, first_ms, last_ms FROM phone_refusals"
                    + (" WHERE store_id = ?" if store_id else "") + " ORDER BY last_ms DESC, store_id, table_no, reason"
                    + " LIMIT 500", [store_id] if store_id else [])


def prune(db: Database, now: int) -> None:
    """Drop buckets untouched for 10 min (full again, the same as no row); never waits on a locked one."""
    if db.dialect == "postgresql":
        db.execute("DELETE FROM rate_buckets WHERE bucket IN (SELECT bucket FROM rate_buckets WHERE updated_ms < ?"
                   " FOR UPDATE SKIP LOCKED)", [now - PRUNE_AFTER_MS])
    else:
        db.execute("DELETE FROM rate_buckets WHERE updated_ms < ?", [now - PRUNE_AFTER_MS])
