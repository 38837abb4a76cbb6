"""Which of a store's devices prints what the phones order (phone orders, table rounds, calls)."""

from __future__ import annotations

from upstream.sql import Database


def printing_device(db: Database, store_id: str) -> dict | None:
    """The device that prints phone orders: the oldest active cashier, else the oldest active device."""
    return db.one("SELECT * FROM devices WHERE store_id = ? AND revoked_ms IS NULL"
                  " ORDER BY CASE WHEN role = 'cashier' THEN 0 ELSE 1 END, enrolled_ms, device_id LIMIT 1", [store_id])
