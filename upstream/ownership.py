"""Which device may change which rows: an event's projection touches only rows of the sending
device's store and of that device (orders it placed, payment attempts it made). `foreign` names
the first row of another store or device an event would change, so the ingest refuses to apply
it (the event is kept, quarantined, and alarmed: docs/protocol.md "Projections")."""

from __future__ import annotations

from upstream.sql import Database

ORDER_KINDS = ("cashier.void", "cashier.refund", "pickup.collected")


def order_owners(db: Database, order_ids: list[str]) -> dict[str, dict]:
    """{order_id: {store_id, device_id}} of the orders upstream holds among `order_ids` (one query)."""
    owners: dict[str, dict] = {}
    ids = sorted(set(order_ids))
    for start in range(0, len(ids), 100):
        chunk = ids[start:start + 100]
        rows = db.query("SELECT order_id, store_id, device_id FROM orders WHERE order_id IN"
                        f" ({', '.join('?' * len(chunk))})", chunk)
        owners.update({r["order_id"]: r for r in rows})
    return owners


def _mismatch(row: dict | None, device: dict, what: str) -> str | None:
    if row is None:
        return None
    if row["store_id"] != device["store_id"]:
        return f"{what} belongs to store {row['store_id']}, not to this device's store {device['store_id']}"
    if row["device_id"] != device["device_id"]:
        return f"{what} belongs to device {row['device_id']} of the store, not to this device"
    return None


def _order(db: Database, order_id: object) -> dict | None:
    if not isinstance(order_id, str):
        return None
    return db.one("SELECT store_id, device_id FROM orders WHERE order_id = ?", [order_id])


def foreign(db: Database, device: dict, ev: dict, owners: dict[str, dict]) -> str | None:
    """Why this event may not be applied (it would change another store's or device's row), or None.
    `owners`: order owners fetched before the batch (order.placed rows are written in bulk)."""
    kind, p = ev["type"], ev["payload"]
    if kind == "order.placed":
        return _mismatch(owners.get(p["order_id"]), device, f"order {p['order_id']}")
    if kind.startswith("payment."):
        held = db.one("SELECT store_id, device_id FROM payments WHERE attempt_id = ?", [p["attempt_id"]])
        order = _order(db, p["order_id"])
        return (_mismatch(held, device, f"payment attempt {p['attempt_id']}")
                or (f"order {p['order_id']} belongs to store {order['store_id']}"
                    if order and order["store_id"] != device["store_id"] else None))
    if kind.startswith("order.") or kind in ORDER_KINDS:
        return _mismatch(_order(db, p.get("order_id")), device, f"order {p.get('order_id')}")
    return None  # vouchers, 估清, reprints, day closes: keyed by the device's own store
