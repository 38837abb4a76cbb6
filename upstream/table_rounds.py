"""A table's shared cart, its rounds (加菜) and calls, the bill, and what the phones see.

Every phone of a table session edits ONE cart. Submitting makes the next round: in ONE transaction
the session's round counter moves (which also serialises two phones submitting at once), the cart
is priced by the server against the published menu, the round is stored (UNIQUE (session, round_no)
and (session, client_token): a retry or a double tap returns the same round), the cart lines it
took are deleted and, when the table pays at the end (pay_after), the round's `order.place` command
for the store's printing device is written. In pay_first the command is written when the round's
payment settles (`send_round`, guarded by `command_id IS NULL`, so a second notify sends nothing).

The device places the command through its normal path with the client token `up-<command_id>` and
prints exactly that round's lines once; its ack says accepted (ticket number) or rejected, and its
`order.printed` event (upstream/ingest.py) says the kitchen has it: 已下厨 on the phones.
"""

from __future__ import annotations

import json

from edge.cart import MAX_QTY, CartError, CartLine, price_cart
from edge.menu import Menu, menu_from_dict
from edge.orders import coupon_fields, new_id
from edge.protocol.canonical import canonical_json
from upstream import table_sessions
from upstream.errors import ApiError
from upstream.phone_guard import client_bucket, take_bucket
from upstream.phone_limits import check_cart
from upstream.printing_device import printing_device
from upstream.sql import Database
from upstream.store_settings import phone_limits, store_menu

MAX_CART_LINES = 40
ONLINE_WITHIN_MS = 60_000  # the printing device asked for commands this recently: it is online
SLOW_SEND_MS = 10_000  # a round still not taken by the device after this: tell the phones
COUNTED = ("sent", "accepted", "printed")  # rounds that are on the bill
CALL_KINDS = ("waiter", "bill")


# -- the menu ---------------------------------------------------------------------------------
def table_menu(db: Database, store_id: str) -> Menu:
    doc, _ = store_menu(db, store_id)
    if doc is None:
        raise ApiError(409, "no_menu", "this store has not published a menu yet")
    return menu_from_dict(doc)


def sold_out(db: Database, store_id: str, menu: Menu) -> list[str]:
    """Dishes not to be ordered now: marked sold out in the menu or by a device's 估清 since."""
    marks = {r["item_id"]: bool(r["sold_out"]) for r in db.query(
        "SELECT item_id, sold_out FROM sold_out_marks WHERE store_id = ?", [store_id])}
    return sorted(item.id for item in menu.items.values() if marks.get(item.id, item.sold_out))


def _price(menu: Menu, lines: list[CartLine]):
    try:
        return price_cart(menu, lines)
    except CartError as exc:
        raise ApiError(422, exc.code, exc.message, exc.field) from None


def _line_doc(priced) -> dict:
    return {"item_id": priced.item.id, "name_zh": priced.item.zh, "name_en": priced.item.en, "qty": priced.qty,
            "options": [{"id": o.id, "zh": o.zh, "en": o.en, "price_delta": o.price_delta} for o in priced.options],
            "notes": list(priced.notes), "unit_price": priced.unit_price, "total": priced.total}


# -- the shared cart --------------------------------------------------------------------------
def _cart_rows(db: Database, session_id: str) -> list[dict]:
    return db.query("SELECT * FROM table_cart WHERE session_id = ? ORDER BY added_ms, line_id", [session_id])


def _cart_line(row: dict) -> CartLine:
    return CartLine(row["item_id"], int(row["qty"]), tuple(json.loads(row["options"])), tuple(json.loads(row["notes"])))


def cart_view(db: Database, session_id: str, menu: Menu) -> dict:
    """The cart priced line by line; a line the menu no longer takes shows with its reason."""
    lines, total = [], 0
    for row in _cart_rows(db, session_id):
        try:
            priced = price_cart(menu, [_cart_line(row)]).lines[0]
        except CartError as exc:
            lines.append({"line_id": row["line_id"], "item_id": row["item_id"], "qty": row["qty"],
                          "problem": exc.message})
            continue
        lines.append({"line_id": row["line_id"], **_line_doc(priced)})
        total += priced.total
    return {"lines": lines, "total": total}


def _rate(db: Database, name: str, per_minute: int, now: int, what: str) -> None:
    ok, wait = take_bucket(db, name, per_minute, now)
    if not ok:
        raise ApiError(429, "rate_limited", f"too many {what} a minute: try again in {wait} s", retry_after=wait)


def change_cart(db: Database, session: dict, doc: object, client: str, now: int) -> None:
    """{"op": "add", item_id, qty, options, notes} or {"op": "set", line_id, qty} (qty 0 removes)."""
    table_sessions.require_open(session)
    if not isinstance(doc, dict) or doc.get("op") not in ("add", "set"):
        raise ApiError(422, "bad_request", "a cart change is {\"op\": \"add\" | \"set\", ...}", "op")
    sid, store_id = session["session_id"], session["store_id"]
    limits = phone_limits(db, store_id)
    if doc["op"] == "add":
        menu = table_menu(db, store_id)
        line = CartLine(doc.get("item_id") if isinstance(doc.get("item_id"), str) else "", doc.get("qty", 1),
                        _ids(doc.get("options"), "options"), _ids(doc.get("notes"), "notes"))
        priced = _price(menu, [line]).lines[0]
        if priced.item.id in sold_out(db, store_id, menu):
            raise ApiError(409, "sold_out", f"{priced.item.zh} is sold out", "item_id")
    else:
        qty = doc.get("qty")
        if not isinstance(qty, int) or isinstance(qty, bool) or not 0 <= qty <= MAX_QTY:
            raise ApiError(422, "bad_qty", f"qty must be a whole number 0-{MAX_QTY}", "qty")
    with db.tx():
        _rate(db, f"cart:{sid}", limits.client_per_minute * 6, now, "cart changes from this table")
        _rate(db, client_bucket(client) + ":cart", limits.client_per_minute * 6, now, "cart changes from this phone")
        if doc["op"] == "add":
            if int(db.scalar("SELECT count(*) AS n FROM table_cart WHERE session_id = ?", [sid])) >= MAX_CART_LINES:
                raise ApiError(409, "cart_full",
                               f"the cart holds at most {MAX_CART_LINES} lines: send this round first")
            db.execute("INSERT INTO table_cart (session_id, line_id, item_id, qty, options, notes, added_ms)"
                       " VALUES (?, ?, ?, ?, ?, ?, ?)",
                       [sid, new_id(), priced.item.id, priced.qty, json.dumps([o.id for o in priced.options]),
                        json.dumps(list(priced.notes)), now])
        elif doc["qty"] == 0:
            db.execute("DELETE FROM table_cart WHERE session_id = ? AND line_id = ?", [sid, str(doc.get("line_id"))])
        else:
            db.execute("UPDATE table_cart SET qty = ? WHERE session_id = ? AND line_id = ?",
                       [doc["qty"], sid, str(doc.get("line_id"))])
        table_sessions.touch(db, sid)


def _ids(value: object, field: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or len(value) > 20 or not all(isinstance(v, str) for v in value):
        raise ApiError(422, "bad_request", f"'{field}' must be a list of ids", field)
    return tuple(value)


# -- rounds -----------------------------------------------------------------------------------
def _round_by_token(db: Database, session_id: str, token: str) -> dict | None:
    return db.one("SELECT * FROM table_rounds WHERE session_id = ? AND client_token = ?", [session_id, token])


def submit_round(db: Database, session: dict, doc: object, client: str, now: int) -> tuple[dict, bool]:
    """The whole shared cart as the table's next round: (round, created). A repeated client_token
    returns the round it made; two phones submitting at once make one round and one `empty_cart`."""
    try:
        return _submit(db, session, doc, client, now)
    except _Repeated as repeated:
        return repeated.row, False


def _submit(db: Database, session: dict, doc: object, client: str, now: int) -> tuple[dict, bool]:
    token = doc.get("client_token") if isinstance(doc, dict) else None
    if not isinstance(token, str) or not 8 <= len(token) <= 64 or not token.isprintable():
        raise ApiError(422, "bad_request", "a round needs a client_token of 8-64 characters", "client_token")
    sid, store_id = session["session_id"], session["store_id"]
    existing = _round_by_token(db, sid, token)
    if existing:
        return existing, False
    table_sessions.require_open(session)
    menu, limits = table_menu(db, store_id), phone_limits(db, store_id)
    device = printing_device(db, store_id)
    if device is None:
        raise ApiError(503, "no_device", "this store has no device to print the order on: please order at the"
                       " counter", retry=False)
    with db.tx():
        counter = db.one("UPDATE table_sessions SET next_round = next_round + 1, version = version + 1"
                         " WHERE session_id = ? AND state = 'open' RETURNING next_round, mode", [sid])
        if counter is None:
            raise ApiError(409, "session_closed", "this table has been cleared: scan the table's code again")
        again = _round_by_token(db, sid, token)  # the same token committed while this one waited
        if again is not None:
            raise _Repeated(again)
        rows = _cart_rows(db, sid)
        if not rows:
            raise ApiError(409, "empty_cart", "the cart is empty (someone at the table may have just sent it)")
        cart = _price(menu, [_cart_line(r) for r in rows])
        gone = set(sold_out(db, store_id, menu)) & {line.item.id for line in cart.lines}
        if gone:
            names = "、".join(line.item.zh for line in cart.lines if line.item.id in gone)
            raise ApiError(409, "sold_out", f"sold out now: {names}; remove it from the cart", "lines")
        check_cart(cart, limits)
        _rate(db, f"round:{sid}", limits.table_per_minute, now, "rounds from this table")
        _rate(db, client_bucket(client), limits.client_per_minute, now, "orders from this address")
        round_id = new_id()
        db.execute(
            "INSERT INTO table_rounds (round_id, session_id, store_id, table_no, round_no, client_token, lines, total,"
            " state, created_ms, updated_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [round_id, sid, store_id, session["table_no"], counter["next_round"], token,
             canonical_json({"lines": [_line_doc(line) for line in cart.lines]}), cart.total,
             "awaiting_payment" if counter["mode"] == "pay_first" else "new", now, now])
        db.executemany("DELETE FROM table_cart WHERE session_id = ? AND line_id = ?",
                       [(sid, r["line_id"]) for r in rows])
        if counter["mode"] != "pay_first":
            _send(db, round_id, device, "table", None, now)
    return db.one("SELECT * FROM table_rounds WHERE round_id = ?", [round_id]), True


class _Repeated(Exception):
    def __init__(self, row: dict):
        super().__init__("repeated")
        self.row = row


def _send(db: Database, round_id: str, device: dict, payment: str, prepaid: dict | None, now: int) -> bool:
    """Write the round's one `order.place` command (call inside a transaction); False when it has one."""
    command_id = new_id()
    cursor = db.execute("UPDATE table_rounds SET command_id = ?, state = 'sent', payment = ?, attempt_id = ?,"
                        " sent_ms = ?, updated_ms = ? WHERE round_id = ? AND command_id IS NULL",
                        [command_id, payment, prepaid["attempt_id"] if prepaid else None, now, now, round_id])
    if cursor.rowcount != 1:
        return False
    rnd = db.one("SELECT * FROM table_rounds WHERE round_id = ?", [round_id])
    lines = json.loads(rnd["lines"])["lines"]
    payload = {"round_id": round_id, "service": "dine_in", "table": rnd["table_no"],
               "lines": [{"item_id": x["item_id"], "qty": x["qty"], "options": [o["id"] for o in x["options"]],
                          "notes": x["notes"]} for x in lines],
               "notes": [], "total": rnd["total"], "payment": payment,
               "table_session": {"id": rnd["session_id"], "round": rnd["round_no"]},
               **({"prepaid": prepaid} if prepaid else {})}
    db.execute("INSERT INTO commands (command_id, store_id, device_id, type, payload, created_ms)"
               " VALUES (?, ?, ?, 'order.place', ?, ?)",
               [command_id, rnd["store_id"], device["device_id"], canonical_json(payload), now])
    table_sessions.touch(db, rnd["session_id"])
    return True


def send_paid_round(db: Database, round_id: str, attempt_id: str, channel: str, amount: int, now: int,
                    discount: int = 0, coupon_id: str | None = None) -> bool:
    """A pay_first round whose payment settled: its command, once (False when it was sent before).
    `discount`, `coupon_id`: a member's coupon applied on the phone (the device counts the round's
    total less it as collected)."""
    rnd = db.one("SELECT store_id FROM table_rounds WHERE round_id = ?", [round_id])
    if rnd is None:
        return False
    device = printing_device(db, rnd["store_id"])
    if device is None:
        raise ApiError(503, "no_device", "this store has no device to print the order on", retry=False)
    with db.tx():
        return _send(db, round_id, device, "prepaid",
                     {"attempt_id": attempt_id, "channel": channel, "amount": amount,
                      **coupon_fields(discount, coupon_id)}, now)


def on_ack(db: Database, payload: dict, status: str, result: dict, now: int) -> None:
    """The device's ack of a round's command (inside the ack's transaction)."""
    round_id = payload.get("round_id")
    if not isinstance(round_id, str):
        return
    if status == "applied":
        db.execute("UPDATE table_rounds SET state = CASE WHEN state = 'sent' THEN 'accepted' ELSE state END,"
                   " device_order_id = ?, ticket_no = ?, accepted_ms = ?, updated_ms = ? WHERE round_id = ?",
                   [_text(result.get("order_id")), _text(result.get("ticket_no")), now, now, round_id])
    else:
        reason = str(result.get("message") or result.get("code") or "refused")[:300]
        db.execute("UPDATE table_rounds SET state = 'rejected', reason = ?, updated_ms = ? WHERE round_id = ?",
                   [reason, now, round_id])
    session = db.one("SELECT session_id FROM table_rounds WHERE round_id = ?", [round_id])
    if session:
        table_sessions.touch(db, session["session_id"])


def on_printed(db: Database, device: dict, payload: dict, now: int) -> None:
    """The device's `order.printed` of a round (inside ingest's transaction): 已下厨."""
    command_id = payload.get("command_id")
    if not isinstance(command_id, str):
        return
    row = db.one("SELECT round_id, session_id FROM table_rounds WHERE command_id = ? AND store_id = ?",
                 [command_id, device["store_id"]])
    if row is None:
        return
    db.execute("UPDATE table_rounds SET state = 'printed', printed_ms = ?, updated_ms = ?,"
               " device_order_id = coalesce(device_order_id, ?), ticket_no = coalesce(ticket_no, ?)"
               " WHERE round_id = ? AND state IN ('sent', 'accepted')",
               [now, now, _text(payload.get("order_id")), _text(payload.get("ticket_no")), row["round_id"]])
    table_sessions.touch(db, row["session_id"])


def _text(value: object) -> str | None:
    return value[:64] if isinstance(value, str) else None


# -- calls ------------------------------------------------------------------------------------
def place_call(db: Database, session: dict, doc: object, now: int) -> tuple[dict, bool]:
    """呼叫服务员 / 请求结账: one open call of each kind per table (a second tap returns it)."""
    table_sessions.require_open(session)
    kind = doc.get("kind") if isinstance(doc, dict) else None
    if kind not in CALL_KINDS:
        raise ApiError(422, "bad_request", "a call is {\"kind\": \"waiter\" | \"bill\"}", "kind")
    sid, store_id = session["session_id"], session["store_id"]
    device = printing_device(db, store_id)
    if device is None:
        raise ApiError(503, "no_device", "this store has no device to take the call: please ask the staff",
                       retry=False)
    call_id, command_id = new_id(), new_id()
    with db.tx():
        cursor = db.execute(
            "INSERT INTO table_calls (call_id, session_id, store_id, table_no, kind, created_ms, command_id, open_key)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (open_key) DO NOTHING",
            [call_id, sid, store_id, session["table_no"], kind, now, command_id, f"{sid}/{kind}"])
        if cursor.rowcount == 1:
            db.execute("INSERT INTO commands (command_id, store_id, device_id, type, payload, created_ms)"
                       " VALUES (?, ?, ?, 'table.call', ?, ?)",
                       [command_id, store_id, device["device_id"],
                        canonical_json({"call_id": call_id, "kind": kind, "table": session["table_no"],
                                        "session_id": sid}), now])
            table_sessions.touch(db, sid)
    row = db.one("SELECT * FROM table_calls WHERE open_key = ?", [f"{sid}/{kind}"])
    return _call_view(row), cursor.rowcount == 1


def handle_call(db: Database, store_id: str, call_id: str, now: int) -> dict:
    row = db.one("SELECT * FROM table_calls WHERE call_id = ? AND store_id = ?", [call_id, store_id])
    if row is None:
        raise ApiError(404, "no_such_call", f"no call {call_id}")
    with db.tx():
        db.execute("UPDATE table_calls SET handled_ms = ?, open_key = NULL WHERE call_id = ? AND handled_ms IS NULL",
                   [now, call_id])
        table_sessions.touch(db, row["session_id"])
    return _call_view(db.one("SELECT * FROM table_calls WHERE call_id = ?", [call_id]))


def _call_view(row: dict) -> dict:
    return {"call_id": row["call_id"], "kind": row["kind"], "table": row["table_no"], "created_ms": row["created_ms"],
            "handled_ms": row["handled_ms"]}


# -- the bill ---------------------------------------------------------------------------------
def bill(db: Database, session_id: str) -> dict:
    """What the table owes: its counted rounds less what the counter voided, less what was paid
    (rounds paid on the phone, and the bill's payments)."""
    rounds = db.query("SELECT r.total, r.payment, coalesce(o.voided, 0) AS voided FROM table_rounds r"
                      " LEFT JOIN orders o ON o.order_id = r.device_order_id AND o.store_id = r.store_id"
                      " WHERE r.session_id = ? AND r.state IN ('sent', 'accepted', 'printed')", [session_id])
    total = sum(max(0, r["total"] - r["voided"]) for r in rounds)
    prepaid = sum(max(0, r["total"] - r["voided"]) for r in rounds if r["payment"] == "prepaid")
    paid = int(db.scalar("SELECT coalesce(sum(amount), 0) AS n FROM table_payments WHERE session_id = ?",
                         [session_id]) or 0)
    due = max(0, total - prepaid - paid)
    return {"total": total, "paid": prepaid + paid, "due": due,
            "state": "paid" if total and not due else ("open" if total else "empty")}


COUPON_METHOD = "coupon"  # a table_payments row of what a member's coupon took off a phone payment


def record_payment(db: Database, session: dict, payment_id: str, amount: int, method: str, source: str,
                   staff_id: str | None, now: int, discount: int = 0, coupon_id: str | None = None) -> bool:
    """A payment of the table's bill (at the counter by the device, or on a phone): once per id.
    A phone's payment also goes to the store's printing device (command `table.bill_paid`, in the
    same transaction), so the counter's bill and day report count it as collected. `discount`: a
    member's coupon applied on the phone, recorded beside the money (method `coupon`, id
    `<payment_id>:coupon`) so the bill is covered, and told to the device (not money collected)."""
    device = printing_device(db, session["store_id"]) if source == "phone" else None
    insert = ("INSERT INTO table_payments (payment_id, session_id, store_id, amount, method, source, staff_id,"
              " created_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (payment_id) DO NOTHING")
    with db.tx():
        cursor = db.execute(insert, [payment_id, session["session_id"], session["store_id"], amount, method, source,
                                     staff_id, now])
        if cursor.rowcount == 1:
            if discount:
                db.execute(insert, [f"{payment_id}:coupon", session["session_id"], session["store_id"], discount,
                                    COUPON_METHOD, source, staff_id, now])
            table_sessions.touch(db, session["session_id"])
            if device is not None:
                db.execute("INSERT INTO commands (command_id, store_id, device_id, type, payload, created_ms)"
                           " VALUES (?, ?, ?, 'table.bill_paid', ?, ?)",
                           [new_id(), session["store_id"], device["device_id"],
                            canonical_json({"session_id": session["session_id"], "attempt_id": payment_id,
                                            "channel": method, "amount": amount,
                                            **coupon_fields(discount, coupon_id)}),
                            now])
    return cursor.rowcount == 1


# -- what the phones and the cashier see ------------------------------------------------------
def voided_at_counter(db: Database, store_id: str, order_id: str | None) -> dict[int, int]:
    """Quantities the counter voided of a round's device order, per line number (1-based, the
    round's line order), from the device's `cashier.void` events."""
    voided: dict[int, int] = {}
    if not order_id:
        return voided
    for row in db.query("SELECT payload FROM cashier_events WHERE store_id = ? AND type = 'cashier.void'"
                        " AND order_id = ?", [store_id, order_id]):
        for line in json.loads(row["payload"]).get("lines") or []:
            if isinstance(line, dict) and isinstance(line.get("line_no"), int) and isinstance(line.get("qty"), int):
                voided[line["line_no"]] = voided.get(line["line_no"], 0) + line["qty"]
    return voided


def touch_order(db: Database, store_id: str, order_id: str) -> None:
    """A device changed a round's order (a void at the counter): wake the table's phones."""
    row = db.one("SELECT session_id FROM table_rounds WHERE store_id = ? AND device_order_id = ?", [store_id, order_id])
    if row:
        table_sessions.touch(db, row["session_id"])


def round_view(row: dict, device_online: bool, now: int, voided: dict[int, int] | None = None) -> dict:
    waiting = row["state"] == "sent" and (not device_online or now - (row["sent_ms"] or now) > SLOW_SEND_MS)
    lines = [{**line, "voided_qty": min(line["qty"], (voided or {}).get(n, 0))}
             for n, line in enumerate(json.loads(row["lines"])["lines"], 1)]
    return {"round": row["round_no"], "round_id": row["round_id"], "state": row["state"], "reason": row["reason"],
            "lines": lines, "total": row["total"], "ticket_no": row["ticket_no"],
            "voided": sum(line["voided_qty"] * line["unit_price"] for line in lines),
            "payment": row["payment"], "device_order_id": row["device_order_id"],
            "late": bool(row["sent_ms"] and row["accepted_ms"] and row["accepted_ms"] - row["sent_ms"] > 180_000),
            "waiting_for_device": waiting}


def device_online(db: Database, store_id: str, now: int) -> bool:
    device = printing_device(db, store_id)
    return bool(device and device["last_seen_ms"] and now - device["last_seen_ms"] < ONLINE_WITHIN_MS)


def rounds_of(db: Database, session_id: str) -> list[dict]:
    return db.query("SELECT * FROM table_rounds WHERE session_id = ? ORDER BY round_no", [session_id])


def rounds_seen(db: Database, session_id: str, online: bool, now: int) -> list[dict]:
    return [round_view(r, online, now, voided_at_counter(db, r["store_id"], r["device_order_id"]))
            for r in rounds_of(db, session_id)]


def calls_of(db: Database, session_id: str) -> list[dict]:
    return [_call_view(r) for r in db.query("SELECT * FROM table_calls WHERE session_id = ? ORDER BY created_ms",
                                            [session_id])]


def table_state(db: Database, session: dict, now: int) -> dict:
    """The phone's whole view of its table (the long poll's answer)."""
    store = db.one("SELECT store_id, name FROM stores WHERE store_id = ?", [session["store_id"]])
    menu = table_menu(db, session["store_id"])
    online = device_online(db, session["store_id"], now)
    gone = sold_out(db, session["store_id"], menu)
    return {"version": state_version(db, session["session_id"], now),
            "store": {"id": store["store_id"], "name": store["name"]}, "table": session["table_no"],
            "session": {"id": session["session_id"], "state": session["state"], "mode": session["mode"]},
            "cart": cart_view(db, session["session_id"], menu) if session["state"] == "open" else
            {"lines": [], "total": 0},
            "rounds": rounds_seen(db, session["session_id"], online, now),
            "calls": calls_of(db, session["session_id"]), "bill": bill(db, session["session_id"]),
            "sold_out": gone, "device_online": online}


def state_version(db: Database, session_id: str, now: int) -> str:
    """What moves when a phone should redraw: the session's version, the store's 估清 marks and
    whether the device is online (an opaque text the long poll compares)."""
    row = db.one("SELECT s.version, s.store_id, (SELECT max(occurred_ms) FROM sold_out_marks m"
                 " WHERE m.store_id = s.store_id) AS marks FROM table_sessions s WHERE s.session_id = ?", [session_id])
    if row is None:
        return "0"
    return f"{row['version']}.{row['marks'] or 0}.{int(device_online(db, row['store_id'], now))}"


def tables_for_device(db: Database, store_id: str, now: int) -> list[dict]:
    """The open sessions of the store, for the cashier's table view."""
    online = device_online(db, store_id, now)
    return [{"session_id": s["session_id"], "table": s["table_no"], "state": s["state"], "mode": s["mode"],
             "opened_ms": s["opened_ms"], "opened_by": s["opened_by"],
             "rounds": rounds_seen(db, s["session_id"], online, now),
             "bill": bill(db, s["session_id"]), "calls": calls_of(db, s["session_id"])}
            for s in table_sessions.open_sessions(db, store_id)]
