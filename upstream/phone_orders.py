"""Phone orders, and the downstream commands that carry them to the store's printing device.

POST /v1/stores/{store}/orders (what a mini-program or web page calls after the customer
scanned a table code): checked against the table code's HMAC and the published menu, priced,
checked against the store's phone-order limits (upstream/phone_limits.py: caps of one dish,
items and amount; rate buckets per table and per client; open orders per table, admitted by
upstream/phone_guard.py), stored with its client_token (a retry returns the same order and
counts against no limit) and turned into an `order.place` command for the store's printing
device, in one transaction. The device places
it through its normal path and prints it once; its ack (by command_id) says accepted with the
ticket number, or rejected with the reason.
"""

from __future__ import annotations

import hashlib
import json

from edge.cart import CartError
from edge.menu import menu_from_dict
from edge.orders import new_id, parse_order_request, price_order
from edge.protocol.canonical import canonical_json
from edge.tables import Keyring, unb64url, verify_table_url
from upstream.enroll import require_store
from upstream import phone_guard, table_rounds
from upstream.errors import ApiError, now_ms
from upstream.phone_limits import check_cart
from upstream.printing_device import printing_device
from upstream.sql import Database
from upstream.store_settings import phone_limits, store_menu

MAX_COMMANDS = 50
PRUNE_EVERY_MS = 60_000
_pruned = {"at": 0}


def place_phone_order(db: Database, store_id: str, doc: object, client: str = "unknown",
                      clock=now_ms) -> tuple[dict, bool]:
    """Store a phone order and its command: (view, created). `client` is the request's address
    (upstream/proxies.py) and `clock` the milliseconds clock the rate buckets run on."""
    require_store(db, store_id)
    if not isinstance(doc, dict):
        raise ApiError(422, "bad_request", "the order must be a JSON object")
    code = doc.get("table_code")
    if not isinstance(code, str) or not code:
        raise ApiError(403, "bad_table_code", "a phone order needs the table code (URL) the customer scanned",
                       "table_code")
    keys = Keyring({r["kid"]: unb64url(r["key"]) for r in db.query(
        "SELECT kid, key FROM table_keys WHERE store_id = ? AND active = 1", [store_id])})
    verdict = verify_table_url(code, keys, store_id)
    if not verdict.ok:
        raise ApiError(403, "bad_table_code", f"{verdict.reason}: scan the table's code again", "table_code")
    table = verdict.table
    menu_doc, _ = store_menu(db, store_id)
    if menu_doc is None:
        raise ApiError(409, "no_menu", "this store has not published a menu yet")
    request_doc = {k: doc[k] for k in ("client_token", "service", "lines", "notes") if doc.get(k) is not None}
    request_doc["table"] = table
    request_doc["payment"] = "counter"
    try:
        request = parse_order_request(request_doc)
        cart = price_order(menu_from_dict(menu_doc), request)
    except CartError as exc:
        raise ApiError(422, exc.code, exc.message, exc.field) from None
    fingerprint = hashlib.sha256(canonical_json(
        {k: request_doc.get(k) for k in ("service", "table", "lines", "notes")}).encode()).hexdigest()
    existing = _existing(db, store_id, request.client_token, fingerprint)
    if existing:
        return existing, False
    limits, now = phone_limits(db, store_id), clock()
    try:
        check_cart(cart, limits)
    except ApiError:
        with db.tx():
            phone_guard.count_refusal(db, store_id, table, "too_large", now)
        raise
    device = printing_device(db, store_id)
    if device is None:
        raise ApiError(503, "no_device", "this store has no enrolled device to print the order on", retry=False)
    order_id, command_id = new_id(), new_id()
    lines = [{"item_id": line.item.id, "name_zh": line.item.zh, "name_en": line.item.en, "qty": line.qty,
              "options": [o.id for o in line.options], "notes": list(line.notes), "unit_price": line.unit_price,
              "total": line.total} for line in cart.lines]
    payload = {"phone_order_id": order_id, "service": request.service, "table": request.table,
               "lines": [{"item_id": line.item.id, "qty": line.qty, "options": [o.id for o in line.options],
                          "notes": list(line.notes)} for line in cart.lines],
               "notes": list(request.notes), "total": cart.total}
    with db.tx():
        refusal = phone_guard.admit(db, store_id, table, client, limits, now)
        if refusal is None:
            cursor = db.execute(
                "INSERT INTO phone_orders (order_id, store_id, client_token, request_sha256, command_id, device_id,"
                " service, table_no, total, lines, status, created_ms, updated_ms)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'sent', ?, ?)"
                " ON CONFLICT (store_id, client_token) DO NOTHING",
                [order_id, store_id, request.client_token, fingerprint, command_id, device["device_id"],
                 request.service, request.table, cart.total, canonical_json({"lines": lines}), now, now])
            if cursor.rowcount == 1:
                db.execute("INSERT INTO commands (command_id, store_id, device_id, type, payload, created_ms)"
                           " VALUES (?, ?, ?, 'order.place', ?, ?)",
                           [command_id, store_id, device["device_id"], canonical_json(payload), now])
    if now - _pruned["at"] >= PRUNE_EVERY_MS:
        _pruned["at"] = now
        phone_guard.prune(db, now)
    if refusal is not None:
        raise refusal
    if cursor.rowcount == 0:  # the same token raced in from another request
        return _existing(db, store_id, request.client_token, fingerprint), False
    return phone_order_view(db, store_id, order_id), True


def _existing(db: Database, store_id: str, token: str, fingerprint: str) -> dict | None:
    row = db.one("SELECT order_id, request_sha256 FROM phone_orders WHERE store_id = ? AND client_token = ?",
                 [store_id, token])
    if row is None:
        return None
    if row["request_sha256"] != fingerprint:
        raise ApiError(409, "token_reused", "this client_token was already used for a different order", "client_token")
    return phone_order_view(db, store_id, row["order_id"])


def phone_order_view(db: Database, store_id: str, order_id: str) -> dict | None:
    row = db.one("SELECT * FROM phone_orders WHERE store_id = ? AND order_id = ?", [store_id, order_id])
    if row is None:
        return None
    return {"id": row["order_id"], "store": row["store_id"], "client_token": row["client_token"],
            "status": row["status"], "reason": row["reason"], "ticket_no": row["ticket_no"],
            "service": row["service"], "table": row["table_no"], "total": row["total"],
            "lines": json.loads(row["lines"])["lines"], "device_order_id": row["device_order_id"]}


def pending_commands(db: Database, device_id: str, limit: int = MAX_COMMANDS) -> list[dict]:
    """The device's commands not acked yet; `waited_ms`: how long each has waited here so far."""
    now = now_ms()
    return [{"command_id": r["command_id"], "seq": r["seq"], "type": r["type"], "payload": json.loads(r["payload"]),
             "created_ms": r["created_ms"], "waited_ms": max(0, now - r["created_ms"])}
            for r in db.query("SELECT seq, command_id, type, payload, created_ms FROM commands WHERE device_id = ?"
                              " AND acked_ms IS NULL ORDER BY seq LIMIT ?", [device_id, limit])]


def ack_commands(db: Database, device: dict, doc: object) -> list[str]:
    if not isinstance(doc, dict) or not isinstance(doc.get("acks"), list) or len(doc["acks"]) > 500:
        raise ApiError(422, "bad_request", "the body must be {\"acks\": [...]} (at most 500)", "acks")
    for n, ack in enumerate(doc["acks"]):
        if not (isinstance(ack, dict) and isinstance(ack.get("command_id"), str)
                and ack.get("status") in ("applied", "rejected") and isinstance(ack.get("result", {}), dict)):
            raise ApiError(422, "bad_ack", "an ack is {command_id, status: applied|rejected, result: {}}", f"acks[{n}]")
    acked, now = [], now_ms()
    with db.tx():
        for ack in doc["acks"]:
            result = ack.get("result") or {}
            row = db.one("SELECT type, payload, acked_ms FROM commands WHERE command_id = ? AND device_id = ?",
                         [ack["command_id"], device["device_id"]])
            if row is None:
                continue
            acked.append(ack["command_id"])
            if row["acked_ms"] is not None:
                continue  # acked before: idempotent
            db.execute("UPDATE commands SET acked_ms = ?, ack_status = ?, ack_result = ? WHERE command_id = ?",
                       [now, ack["status"], canonical_json(result), ack["command_id"]])
            if row["type"] == "order.place" and "round_id" in json.loads(row["payload"]):
                table_rounds.on_ack(db, json.loads(row["payload"]), ack["status"], result, now)
            elif row["type"] == "order.place":
                phone_id = json.loads(row["payload"]).get("phone_order_id")
                accepted = ack["status"] == "applied"
                db.execute("UPDATE phone_orders SET status = ?, reason = ?, device_order_id = ?, ticket_no = ?,"
                           " updated_ms = ? WHERE order_id = ?",
                           ["accepted" if accepted else "rejected",
                            None if accepted else str(result.get("message") or result.get("code") or "refused")[:300],
                            result.get("order_id") if accepted and isinstance(result.get("order_id"), str) else None,
                            result.get("ticket_no") if accepted and isinstance(result.get("ticket_no"), str) else None,
                            now, phone_id])
    return acked


def list_orders(db: Database, store_id: str, limit: int = 200) -> list[dict]:
    """Orders of a store as upstream knows them: from device events, plus phone orders whose
    device order has not arrived yet (each order once)."""
    rows = db.query(
        "SELECT o.*, p.order_id AS phone_order_id FROM orders o LEFT JOIN phone_orders p"
        " ON p.device_order_id = o.order_id WHERE o.store_id = ? ORDER BY o.occurred_wall_ms DESC LIMIT ?",
        [store_id, limit])
    out = [{"id": r["order_id"], "source": "phone" if r["phone_order_id"] else "device",
            "phone_order_id": r["phone_order_id"], "device_id": r["device_id"], "ticket_no": r["ticket_no"],
            "business_day": r["business_day"], "service": r["service"], "table": r["table_no"],
            "payment": r["payment"], "total": r["total"], "status": r["status"], "late": bool(r["late"]),
            "occurred_ms": r["occurred_wall_ms"], "lines": json.loads(r["lines"])["lines"]} for r in rows]
    waiting = db.query(
        "SELECT * FROM phone_orders p WHERE p.store_id = ? AND NOT EXISTS"
        " (SELECT 1 FROM orders o WHERE o.order_id = p.device_order_id) ORDER BY p.created_ms DESC LIMIT ?",
        [store_id, limit])
    out += [{"id": r["order_id"], "source": "phone", "phone_order_id": r["order_id"], "device_id": r["device_id"],
             "ticket_no": r["ticket_no"], "business_day": None, "service": r["service"], "table": r["table_no"],
             "payment": "counter", "total": r["total"], "status": f"phone_{r['status']}", "late": False,
             "occurred_ms": r["created_ms"], "lines": json.loads(r["lines"])["lines"]} for r in waiting]
    return out
