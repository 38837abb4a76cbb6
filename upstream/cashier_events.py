"""Projections of the devices' cashier events (called by upstream/ingest.py in the ingest
transaction, once per stored event; replays are duplicates and never reach here):

    voucher.redeemed   offline redemptions claim the voucher (upstream/vouchers.py); a voucher
                       held by another redemption id is a double redemption: voucher_conflicts
                       + alarm, shown on the device at its next reconcile
    cashier.void       orders.voided += amount (status voided when the whole order is)
    cashier.refund     orders.refunded += amount (code payments too, once the gateway refunded them)
    pickup.collected   orders.collected_ms
    menu.sold_out      估清: the store's published menu gets the item's sold_out flag and a new
                       ETag, so every device pulls it and phone orders of the item are refused;
                       the latest change wins across devices, by device wall clock but never
                       later than the upstream received it (upstream/clock.py): a clock in the
                       future cannot make a change permanent
    cashier.reprint, day.closed: kept in cashier_events (audit, day closes) only

Every one of these events is also kept in cashier_events (who, what, when).
"""

from __future__ import annotations

import hashlib
import json

from edge.protocol.canonical import canonical_json
from upstream import clock, table_rounds
from upstream.errors import ApiError, now_ms
from upstream.sql import Database
from upstream.vouchers import claim

PREFIXES = ("voucher.", "cashier.", "pickup.", "menu.", "day.")


def handles(kind: str) -> bool:
    return kind.startswith(PREFIXES)


def _int(value) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else 0


def _text(value) -> str | None:
    return value[:64] if isinstance(value, str) else None


def project(db: Database, device: dict, ev: dict, received_ms: int) -> None:
    kind, p, at = ev["type"], ev["payload"], ev["occurred"]["wall_ms"]
    store, device_id = device["store_id"], device["device_id"]
    db.execute("INSERT INTO cashier_events (event_id, store_id, device_id, type, order_id, amount, staff_id,"
               " occurred_ms, payload) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (event_id) DO NOTHING",
               [ev["event_id"], store, device_id, kind, _text(p.get("order_id")), _int(p.get("amount")),
                _text(p.get("staff_id")), at, ev["_payload_text"]])
    if kind == "voucher.redeemed":
        _voucher(db, store, device_id, p, at)
    elif kind == "cashier.void" and _text(p.get("order_id")):
        db.execute("UPDATE orders SET voided = voided + ?, status = CASE WHEN ? THEN 'voided' ELSE status END"
                   " WHERE order_id = ? AND store_id = ? AND device_id = ?",
                   [_int(p.get("amount")), bool(p.get("full")), p["order_id"], store, device_id])
        table_rounds.touch_order(db, store, p["order_id"])  # a table round's phones show the 退菜
    elif kind == "cashier.refund" and _text(p.get("order_id")):
        db.execute("UPDATE orders SET refunded = refunded + ? WHERE order_id = ? AND store_id = ? AND device_id = ?",
                   [_int(p.get("amount")), p["order_id"], store, device_id])
    elif kind == "pickup.collected" and _text(p.get("order_id")):
        db.execute("UPDATE orders SET collected_ms = ? WHERE order_id = ? AND store_id = ? AND device_id = ?"
                   " AND collected_ms IS NULL", [at, p["order_id"], store, device_id])
    elif kind == "menu.sold_out" and _text(p.get("item_id")):
        _sold_out(db, store, device_id, p["item_id"], bool(p.get("sold_out")), clock.effective_ms(at, received_ms),
                  received_ms)


def _voucher(db: Database, store: str, device_id: str, p: dict, at: int) -> None:
    rid, voucher_id = _text(p.get("redemption_id")), _text(p.get("voucher_id"))
    if not rid or not voucher_id:
        return
    fields = {"voucher_id": voucher_id, "value": _int(p.get("value"))}
    try:
        ours, held = claim(db, store, device_id, fields, rid, _text(p.get("mode")) or "offline",
                           _text(p.get("staff_id")), _text(p.get("order_id")), at)
    except ApiError:
        ours, held = False, {"redemption_id": None, "device_id": None}
    if ours:
        return
    db.execute("INSERT INTO voucher_conflicts (redemption_id, store_id, voucher_id, device_id, winner_redemption_id,"
               " occurred_ms, detected_ms) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (redemption_id) DO NOTHING",
               [rid, store, voucher_id, device_id, held["redemption_id"], at, now_ms()])
    db.execute("INSERT INTO alarms (store_id, device_id, kind, detail, at_ms) VALUES (?, ?, 'voucher_double', ?, ?)",
               [store, device_id, f"voucher {voucher_id} redeemed offline on device {device_id} was redeemed before"
                f" on device {held['device_id']} (redemption {held['redemption_id']})", now_ms()])


def _sold_out(db: Database, store: str, device_id: str, item_id: str, sold_out: bool, at: int,
              received_ms: int) -> None:
    # a mark dated after its arrival (stored before times were clamped) never blocks a newer change
    cursor = db.execute(
        "INSERT INTO sold_out_marks (store_id, item_id, sold_out, occurred_ms, device_id) VALUES (?, ?, ?, ?, ?)"
        " ON CONFLICT (store_id, item_id) DO UPDATE SET sold_out = excluded.sold_out,"
        " occurred_ms = excluded.occurred_ms, device_id = excluded.device_id"
        " WHERE sold_out_marks.occurred_ms <= excluded.occurred_ms OR sold_out_marks.occurred_ms > ?",
        [store, item_id, int(sold_out), at, device_id, received_ms])
    if cursor.rowcount != 1:
        return  # an older change than the one upstream holds
    row = db.one("SELECT menu_doc FROM stores WHERE store_id = ?", [store])
    if not row or not row["menu_doc"]:
        return
    doc = json.loads(row["menu_doc"])
    items = [i for i in doc.get("items", []) if i.get("id") == item_id]
    if not items or bool(items[0].get("sold_out")) == sold_out:
        return
    items[0]["sold_out"] = sold_out
    text = canonical_json(doc)
    db.execute("UPDATE stores SET menu_doc = ?, menu_etag = ? WHERE store_id = ?",
               [text, hashlib.sha256(text.encode()).hexdigest()[:32], store])
