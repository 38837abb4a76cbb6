"""POST /v1/ingest: a batch of device events, stored exactly once, projections in the same
transaction.

- Each event is stored under its UNIQUE event_id with ON CONFLICT DO NOTHING. A second copy
  with the same body hash is a `duplicate`; with a different body it is a `conflict`: refused
  (`rejected`, code conflict), alarmed, the stored one never overwritten. Dedup is permanent.
- A batch that is malformed, or has any invalid event, is refused whole (4xx, nothing stored);
  a 422 names every invalid event in `error.rejected` so the device keeps those as dead and
  sends the rest again.
- Late events (occurred more than a day before arrival) are accepted and flagged.
- Sequence checks per device (device_seq): a gap or a regression (a device database restored
  from an old backup) raises an alarm and never blocks.
- Projections change only the sending device's own rows (upstream/ownership.py): an event that
  would change another store's or another device's order or payment is stored quarantined, not
  applied, answered `rejected` (code `foreign_row`; the device keeps it as dead, never retries it
  by itself) and alarmed (`foreign_row`). The same event sent again is answered the same way.
- The batch's newest event time tells the device's clock skew (upstream/clock.py): kept per
  device, alarmed when more than 5 minutes off, and returned in the answer.
"""

from __future__ import annotations

import hashlib
import re

from edge.protocol.canonical import canonical_json
from upstream import cashier_events, clock, ownership, table_rounds
from upstream.errors import ApiError
from upstream.sql import Database
from upstream.web import parse_json

MAX_EVENTS = 100
MAX_BODY = 256 * 1024
LATE_AFTER_MS = 24 * 3600 * 1000
ID_RE = re.compile(r"^[a-z2-7]{26}$")
TYPE_RE = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")
SHA_RE = re.compile(r"^[0-9a-f]{64}$")
MAX_INT = 2**63 - 1
MAX_FEN = 10**12  # ¥10 billion: any amount of one event; sums of them stay far inside 64 bits


def _int(value, low: int = 0, high: int = MAX_INT) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


class Invalid(ValueError):
    def __init__(self, code: str, reason: str, field: str):
        super().__init__(reason)
        self.code, self.reason, self.field = code, reason, field


def _check_envelope(ev: object, i: int) -> dict:
    f = f"events[{i}]"
    if not isinstance(ev, dict):
        raise Invalid("bad_event", "an event must be an object", f)
    if not (isinstance(ev.get("event_id"), str) and ID_RE.match(ev["event_id"])):
        raise Invalid("bad_event", "event_id must be a 26-character base32 id", f + ".event_id")
    if not _int(ev.get("device_seq"), 1):
        raise Invalid("bad_event", "device_seq must be a positive integer", f + ".device_seq")
    if not (isinstance(ev.get("type"), str) and len(ev["type"]) <= 64 and TYPE_RE.match(ev["type"])):
        raise Invalid("bad_event", "type must look like 'order.placed'", f + ".type")
    occ = ev.get("occurred")
    if not isinstance(occ, dict):
        raise Invalid("bad_event", "occurred must be an object", f + ".occurred")
    if not _int(occ.get("wall_ms")) or not _int(occ.get("monotonic_ns")):
        raise Invalid("bad_event", "occurred.wall_ms and occurred.monotonic_ns must be integers >= 0",
                      f + ".occurred")
    if not (isinstance(occ.get("boot_id"), str) and 0 < len(occ["boot_id"]) <= 64):
        raise Invalid("bad_event", "occurred.boot_id must be text", f + ".occurred.boot_id")
    if occ.get("clock_synced") not in (True, False, None):
        raise Invalid("bad_event", "occurred.clock_synced must be true, false or null", f + ".occurred.clock_synced")
    if not isinstance(ev.get("payload"), dict):
        raise Invalid("bad_event", "payload must be an object", f + ".payload")
    if not (isinstance(ev.get("payload_sha256"), str) and SHA_RE.match(ev["payload_sha256"])):
        raise Invalid("bad_event", "payload_sha256 must be 64 lower-case hex digits", f + ".payload_sha256")
    return ev


def _money(value, field: str) -> None:
    if not _int(value, -MAX_INT):
        raise Invalid("bad_payload", f"{field} must be integer fen", field)
    if value < 0:
        raise Invalid("negative_money", f"{field} must not be negative (got {value})", field)


def _check_payload(kind: str, p: dict, f: str) -> None:
    if kind == "order.placed":
        if not (isinstance(p.get("order_id"), str) and ID_RE.match(p["order_id"])):
            raise Invalid("bad_payload", "order_id must be an id", f + ".order_id")
        for key in ("ticket_no", "business_day", "service", "payment"):
            if not isinstance(p.get(key), str):
                raise Invalid("bad_payload", f"{key} must be text", f"{f}.{key}")
        if p.get("table") is not None and not isinstance(p["table"], str):
            raise Invalid("bad_payload", "table must be text or null", f + ".table")
        _money(p.get("total"), f + ".total")
        lines = p.get("lines")
        if not isinstance(lines, list) or not lines:
            raise Invalid("bad_payload", "lines must be a non-empty list", f + ".lines")
        line_sum = 0
        for n, line in enumerate(lines):
            lf = f"{f}.lines[{n}]"
            if not isinstance(line, dict) or not isinstance(line.get("item_id"), str):
                raise Invalid("bad_payload", "a line needs an item_id", lf)
            if not _int(line.get("qty"), 1, 99):
                raise Invalid("bad_payload", "qty must be a whole number 1-99", lf + ".qty")
            _money(line.get("unit_price"), lf + ".unit_price")
            _money(line.get("total"), lf + ".total")
            if line["total"] != line["qty"] * line["unit_price"]:
                raise Invalid("bad_payload", "line total must be qty x unit_price", lf + ".total")
            line_sum += line["total"]
        if line_sum != p["total"]:
            raise Invalid("bad_payload", f"total {p['total']} is not the sum of the lines ({line_sum})", f + ".total")
        prepaid = p.get("prepaid")
        if prepaid is not None and not isinstance(prepaid, dict):
            raise Invalid("bad_payload", "prepaid must be an object", f + ".prepaid")
        if prepaid and prepaid.get("discount") is not None:
            _money(prepaid["discount"], f + ".prepaid.discount")
            if prepaid["discount"] > p["total"]:
                raise Invalid("bad_payload", "a coupon cannot take off more than the order's total",
                              f + ".prepaid.discount")
    elif kind.startswith("payment."):
        for key in ("attempt_id", "order_id"):
            if not (isinstance(p.get(key), str) and ID_RE.match(p[key])):
                raise Invalid("bad_payload", f"{key} must be an id", f"{f}.{key}")
        _money(p.get("amount"), f + ".amount")
    elif kind.startswith("order."):
        if not (isinstance(p.get("order_id"), str) and ID_RE.match(p["order_id"])):
            raise Invalid("bad_payload", "order_id must be an id", f + ".order_id")
        if kind == "order.paid" and p.get("discount") is not None:
            _money(p["discount"], f + ".discount")
    if cashier_events.handles(kind):
        for key in ("amount", "value"):
            if key in p and p[key] is not None and not _int(p[key], 0, MAX_FEN):
                raise Invalid("bad_payload", f"{key} must be integer fen 0-{MAX_FEN}", f"{f}.{key}")


def parse_batch(body: bytes) -> list[dict]:
    """Validate a whole batch; raises ApiError (4xx) and stores nothing when anything is wrong."""
    if len(body) > MAX_BODY:
        raise ApiError(413, "too_large", f"a batch must be at most {MAX_BODY // 1024} KiB (got {len(body)} bytes)")
    doc = parse_json(body)
    if not isinstance(doc, dict) or not isinstance(doc.get("events"), list):
        raise ApiError(422, "bad_request", "the body must be {\"events\": [...]}", "events")
    events = doc["events"]
    if not events:
        raise ApiError(422, "empty_batch", "a batch needs at least one event", "events")
    if len(events) > MAX_EVENTS:
        raise ApiError(413, "too_many_events", f"a batch holds at most {MAX_EVENTS} events (got {len(events)})",
                       "events")
    rejected, first = [], None
    for i, ev in enumerate(events):
        try:
            ev = _check_envelope(ev, i)
            payload_text = canonical_json(ev["payload"])
            if hashlib.sha256(payload_text.encode()).hexdigest() != ev["payload_sha256"]:
                raise Invalid("hash_mismatch", "payload_sha256 does not match the payload",
                              f"events[{i}].payload_sha256")
            _check_payload(ev["type"], ev["payload"], f"events[{i}].payload")
            ev["_payload_text"] = payload_text
        except Invalid as bad:
            event_id = ev.get("event_id") if isinstance(ev, dict) and isinstance(ev.get("event_id"), str) else None
            rejected.append({"index": i, "event_id": event_id, "code": bad.code, "reason": bad.reason,
                             "field": bad.field})
            first = first or bad
    if rejected:
        raise ApiError(422, first.code, f"{len(rejected)} event(s) refused, nothing stored; first: {first.reason}",
                       first.field, rejected=rejected)
    return events


def body_sha256(ev: dict) -> str:
    return hashlib.sha256(canonical_json({
        "event_id": ev["event_id"], "device_seq": ev["device_seq"], "type": ev["type"],
        "occurred": ev["occurred"], "payload_sha256": ev["payload_sha256"]}).encode()).hexdigest()


def _alarm(db: Database, device: dict, kind: str, detail: str, now: int) -> None:
    db.execute("INSERT INTO alarms (store_id, device_id, kind, detail, at_ms) VALUES (?, ?, ?, ?, ?)",
               [device["store_id"], device["device_id"], kind, detail, now])


ORDER_PLACED = (
    "INSERT INTO orders (order_id, store_id, device_id, event_id, ticket_no, business_day, service, table_no,"
    " payment, total, status, status_seq, lines, notes, menu_version, occurred_wall_ms, late, discount)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'placed', ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (order_id) DO NOTHING")


def _discount(p: dict) -> int:
    """What a member's coupon took off the order on the phone that paid it (a prepaid round's
    `prepaid.discount`, a bill's `order.paid` `discount`): not money collected."""
    prepaid = p.get("prepaid")
    return int((prepaid.get("discount") if isinstance(prepaid, dict) else p.get("discount")) or 0)


def _order_row(device: dict, ev: dict, late: bool) -> list:
    p = ev["payload"]
    return [p["order_id"], device["store_id"], device["device_id"], ev["event_id"], p["ticket_no"],
            p["business_day"], p["service"], p.get("table"), p["payment"], p["total"], ev["device_seq"],
            canonical_json({"lines": p["lines"]}), canonical_json({"notes": p.get("notes") or []}),
            p.get("menu_version"), ev["occurred"]["wall_ms"], int(late), _discount(p)]


class Projector:
    """Projections in event order; runs of order.placed go to the database as one executemany
    (pipelined on PostgreSQL), flushed before any other kind so the order per order is kept.
    An event that would change another store's or device's row is not applied: `add` says why."""

    def __init__(self, db: Database, device: dict, events: list[dict], now: int):
        self.db, self.device, self.now, self.placed = db, device, now, []
        self.owners = ownership.order_owners(db, [ev["payload"]["order_id"] for ev in events
                                                  if ev["type"] == "order.placed"])

    def add(self, ev: dict, late: bool) -> str | None:
        if ev["type"] == "order.placed":
            refusal = ownership.foreign(self.db, self.device, ev, self.owners)
            if refusal is None:
                self.placed.append(_order_row(self.device, ev, late))
                self.owners.setdefault(ev["payload"]["order_id"], self.device)
            return refusal
        self.flush()
        refusal = ownership.foreign(self.db, self.device, ev, self.owners)
        if refusal is None:
            _project(self.db, self.device, ev, late, self.now)
        return refusal

    def flush(self) -> None:
        if self.placed:
            self.db.executemany(ORDER_PLACED, self.placed)
            self.placed = []


def _project(db: Database, device: dict, ev: dict, late: bool, now: int) -> None:
    kind, p = ev["type"], ev["payload"]
    if kind == "order.placed":
        db.execute(ORDER_PLACED, _order_row(device, ev, late))
    elif kind.startswith("payment."):
        db.execute(
            "INSERT INTO payments (attempt_id, store_id, device_id, order_id, amount, channel, state, device_seq,"
            " event_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (attempt_id) DO UPDATE SET state = excluded.state,"
            " amount = excluded.amount, device_seq = excluded.device_seq, event_id = excluded.event_id"
            " WHERE payments.device_seq < excluded.device_seq AND payments.store_id = excluded.store_id"
            " AND payments.device_id = excluded.device_id",
            [p["attempt_id"], device["store_id"], device["device_id"], p["order_id"], p["amount"],
             p.get("channel") if isinstance(p.get("channel"), str) else None, kind.split(".", 1)[1],
             ev["device_seq"], ev["event_id"]])
    elif kind == "order.printed":  # a table round printed in every kitchen: 已下厨 on the phones
        table_rounds.on_printed(db, device, p, now)
    elif kind == "order.paid" and (discount := min(_discount(p), MAX_FEN)):  # a member's coupon on a phone
        db.execute("UPDATE orders SET status = ?, status_seq = ?, discount = CASE WHEN ? < total THEN ? ELSE total END"
                   " WHERE order_id = ? AND device_id = ? AND status_seq < ?",
                   ["paid", ev["device_seq"], discount, discount, p["order_id"], device["device_id"], ev["device_seq"]])
    elif kind.startswith("order."):
        db.execute("UPDATE orders SET status = ?, status_seq = ?"
                   " WHERE order_id = ? AND device_id = ? AND status_seq < ?",
                   [kind.split(".", 1)[1], ev["device_seq"], p["order_id"], device["device_id"], ev["device_seq"]])
    elif cashier_events.handles(kind):
        cashier_events.project(db, device, ev, now)  # vouchers, voids, refunds, pickups, 估清, day close


EVENT_COLUMNS = ("event_id, device_id, store_id, device_seq, type, occurred_wall_ms, monotonic_ns, boot_id,"
                 " clock_synced, payload, payload_sha256, body_sha256, received_ms, late")


def _insert_events(db: Database, device: dict, events: list[dict], now: int) -> set[str]:
    """Store the whole batch with ONE statement (a round trip per batch, not per event);
    returns the ids that were new. Already stored ids are left as they are (permanent dedup)."""
    rows = []
    for ev in events:
        occ = ev["occurred"]
        rows += [ev["event_id"], device["device_id"], device["store_id"], ev["device_seq"], ev["type"],
                 occ["wall_ms"], occ["monotonic_ns"], occ["boot_id"],
                 None if occ.get("clock_synced") is None else int(occ["clock_synced"]),
                 ev["_payload_text"], ev["payload_sha256"], body_sha256(ev), now,
                 int(occ["wall_ms"] < now - LATE_AFTER_MS)]
    values = ", ".join(["(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"] * len(events))
    cursor = db.execute(f"INSERT INTO events ({EVENT_COLUMNS}) VALUES {values}"
                        " ON CONFLICT (event_id) DO NOTHING RETURNING event_id", rows)
    return {row["event_id"] for row in cursor.fetchall()}


def ingest(db: Database, device: dict, events: list[dict], now: int) -> dict:
    """Store a validated batch in one transaction; per-event results."""
    results = []
    with db.tx():
        max_seq = db.scalar("SELECT max_seq FROM devices WHERE device_id = ?", [device["device_id"]])
        stored = 0
        regression = None
        inserted = _insert_events(db, device, events, now)
        projector = Projector(db, device, events, now)
        first_copy: set[str] = set()
        for ev in events:
            late = ev["occurred"]["wall_ms"] < now - LATE_AFTER_MS
            body_hash = body_sha256(ev)
            new = ev["event_id"] in inserted and ev["event_id"] not in first_copy
            first_copy.add(ev["event_id"])
            result = {"event_id": ev["event_id"], "device_seq": ev["device_seq"]}
            if new:
                refusal = projector.add(ev, late)
                seq = ev["device_seq"]
                if max_seq and seq > max_seq + 1:
                    _alarm(db, device, "seq_gap", f"events #{max_seq + 1}..#{seq - 1} of device {device['device_id']}"
                           " never arrived (dead on the device, or lost)", now)
                elif seq <= max_seq:
                    regression = seq
                max_seq = max(max_seq, seq)
                stored += 1
                if refusal is None:
                    result.update(status="stored", late=late)
                else:
                    _quarantine(db, device, ev, refusal, now)
                    result.update(_refused(refusal))
            else:
                held = db.one("SELECT body_sha256, device_id, quarantined FROM events WHERE event_id = ?",
                              [ev["event_id"]])
                if held["body_sha256"] == body_hash and held["device_id"] != device["device_id"]:
                    refusal = f"event {ev['event_id']} was sent by device {held['device_id']}, not by this device"
                    _alarm(db, device, "foreign_row", f"device {device['device_id']} ({device['store_id']}) sent"
                           f" {ev['type']} #{ev['device_seq']}: {refusal}; not applied", now)
                    result.update(_refused(refusal))
                elif held["body_sha256"] == body_hash:
                    result.update(_refused(held["quarantined"]) if held["quarantined"] else {"status": "duplicate"})
                else:
                    _alarm(db, device, "conflict", f"event {ev['event_id']} (#{ev['device_seq']}) arrived again with"
                           f" a different body ({body_hash[:12]} vs stored {held['body_sha256'][:12]});"
                           " kept the stored one",
                           now)
                    result.update(status="rejected", code="conflict",
                                  reason="this event_id is already stored with a different body;"
                                  " the stored one is kept")
            results.append(result)
        projector.flush()
        skew = clock.batch_skew(events, now)
        if skew is not None:
            clock.note(db, device["device_id"], skew, now)
        if regression is not None:
            _alarm(db, device, "seq_regression", f"device {device['device_id']} sent new event #{regression} below"
                   " numbers it sent before: its database was probably restored from an older backup", now)
        db.execute("UPDATE devices SET max_seq = ?, last_seen_ms = ?, events_stored = events_stored + ?"
                   " WHERE device_id = ?", [max_seq, now, stored, device["device_id"]])
    return {"results": results, "device": {"max_seq": max_seq, "clock_skew_ms": skew},
            "late": sum(1 for r in results if r.get("late")), "server_time_ms": now}


def _refused(reason: str) -> dict:
    return {"status": "rejected", "code": "foreign_row", "reason": f"{reason}: not applied (alarm raised upstream)"}


def _quarantine(db: Database, device: dict, ev: dict, reason: str, now: int) -> None:
    """Keep the event (evidence, permanent dedup) marked as never applied, and alarm."""
    db.execute("UPDATE events SET quarantined = ? WHERE event_id = ?", [reason[:500], ev["event_id"]])
    _alarm(db, device, "foreign_row", f"device {device['device_id']} ({device['store_id']}) sent {ev['type']}"
           f" #{ev['device_seq']} (event {ev['event_id']}): {reason}; not applied", now)
