"""Every dashboard figure of a store for one period, from SQL that runs the same on SQLite and
PostgreSQL (the orders index `orders_by_store (store_id, occurred_wall_ms)` bounds each to the
store's period: a month of a busy store is a few thousand rows, whatever the fleet holds).

Counting rules (docs/members-and-data.md says them to the owner):
- 营业额 revenue collected: paid orders' total minus what was voided and refunded, and minus what a
  member's coupon took off at the phone checkout (orders.discount). Unpaid orders (still 待付) and
  wholly voided orders never count; a refund takes its money out.
- 订单数: paid orders that still hold money; 客单价 = revenue / 订单数.
- 桌均: revenue of table orders / table sessions closed; 人均: that revenue / the guests who scanned
  the table code (each phone that joined the session: a lower bound of the covers).
- 翻台率: table sessions closed / the tables used / the days of the period.
- channel: 扫码 phone (a table round or a phone order), 自助 kiosk (a kiosk device), 收银 counter.
- members: from the payments providers named (member_payments): members seen, new (first visit in
  the period), returning (visited before, or twice in it), and their share of revenue.
"""

from __future__ import annotations

import json

from upstream import campaigns
from upstream.reports.periods import Period
from upstream.sql import Database

HOUR_MS, BEIJING_MS = 3_600_000, 8 * 3_600_000
_RANGE = "o.store_id = ? AND o.occurred_wall_ms >= ? AND o.occurred_wall_ms < ?"
_KEPT = "o.total - o.voided - o.refunded - o.discount"

TOTALS = (f"SELECT count(*) AS placed,"
          f" SUM(CASE WHEN o.status = 'paid' AND {_KEPT} > 0 THEN 1 ELSE 0 END) AS orders,"
          f" SUM(CASE WHEN o.status = 'paid' THEN {_KEPT} ELSE 0 END) AS revenue,"
          f" SUM(CASE WHEN o.status = 'paid' AND o.table_no IS NOT NULL THEN {_KEPT} ELSE 0 END) AS table_revenue,"
          f" SUM(CASE WHEN o.status NOT IN ('paid', 'voided') THEN 1 ELSE 0 END) AS unpaid_orders,"
          f" SUM(CASE WHEN o.status NOT IN ('paid', 'voided') THEN o.total - o.voided ELSE 0 END) AS unpaid,"
          f" SUM(CASE WHEN o.status = 'voided' THEN 1 ELSE 0 END) AS voided_orders,"
          f" SUM(o.voided) AS voided, SUM(o.refunded) AS refunded,"
          f" SUM(CASE WHEN o.status = 'paid' THEN o.discount ELSE 0 END) AS discounts"
          f" FROM orders o WHERE {_RANGE}")
HOURS = (f"SELECT ((o.occurred_wall_ms + {BEIJING_MS}) / {HOUR_MS}) % 24 AS hour, count(*) AS orders,"
         f" SUM({_KEPT}) AS revenue FROM orders o WHERE {_RANGE} AND o.status = 'paid' GROUP BY 1 ORDER BY 1")
CHANNELS = ("SELECT CASE WHEN r.round_id IS NOT NULL OR p.order_id IS NOT NULL THEN 'phone'"
            " WHEN d.role = 'kiosk' THEN 'kiosk' ELSE 'counter' END AS channel,"
            f" count(*) AS orders, SUM({_KEPT}) AS revenue FROM orders o"
            " LEFT JOIN devices d ON d.device_id = o.device_id"
            " LEFT JOIN table_rounds r ON r.store_id = o.store_id AND r.device_order_id = o.order_id"
            " LEFT JOIN phone_orders p ON p.store_id = o.store_id AND p.device_order_id = o.order_id"
            f" WHERE {_RANGE} AND o.status = 'paid' GROUP BY 1 ORDER BY 1")
PAYMENTS = (f"SELECT o.payment AS method, count(*) AS orders, SUM({_KEPT}) AS revenue FROM orders o"
            f" WHERE {_RANGE} AND o.status = 'paid' GROUP BY o.payment ORDER BY o.payment")
LINES = f"SELECT o.lines FROM orders o WHERE {_RANGE} AND o.status = 'paid'"
VOIDS = ("SELECT payload FROM cashier_events WHERE store_id = ? AND type = 'cashier.void'"
         " AND occurred_ms >= ? AND occurred_ms < ?")
TABLES = ("SELECT count(*) AS sessions, count(DISTINCT table_no) AS tables FROM table_sessions"
          " WHERE store_id = ? AND closed_ms >= ? AND closed_ms < ?")
GUESTS = ("SELECT count(*) AS guests FROM table_tokens t JOIN table_sessions s ON s.session_id = t.session_id"
          " WHERE s.store_id = ? AND s.closed_ms >= ? AND s.closed_ms < ?")
MEMBERS = ("SELECT p.member_id, count(*) AS visits, SUM(p.amount - p.refunded) AS spend, MIN(m.first_visit_ms) AS"
           " first_ms FROM member_payments p JOIN members m ON m.member_id = p.member_id"
           " WHERE p.store_id = ? AND p.paid_ms >= ? AND p.paid_ms < ? GROUP BY p.member_id")
# each campaign of the store (the 20 newest): coupons issued and used in the period, and what they
# took off (a phone coupon's own discount; a counter's redemption: the voucher's face value)
COUPONS = ("SELECT g.campaign_id, g.name, g.kind, g.amount_off, g.percent_off, g.min_spend, g.max_off, g.quota,"
           " g.issued AS issued_all, g.state, g.delivery,"
           " SUM(CASE WHEN c.issued_ms >= ? AND c.issued_ms < ? THEN 1 ELSE 0 END) AS issued,"
           " SUM(CASE WHEN c.used_ms >= ? AND c.used_ms < ? THEN 1 ELSE 0 END) AS used,"
           " SUM(CASE WHEN c.used_ms >= ? AND c.used_ms < ? THEN coalesce(c.discount, r.value, 0) ELSE 0 END) AS off"
           " FROM campaigns g LEFT JOIN coupons c ON c.campaign_id = g.campaign_id"
           " AND ((c.issued_ms >= ? AND c.issued_ms < ?) OR (c.used_ms >= ? AND c.used_ms < ?))"
           " LEFT JOIN voucher_redemptions r ON r.store_id = c.store_id AND r.voucher_id = c.coupon_id"
           " WHERE g.store_id = ? GROUP BY g.campaign_id ORDER BY g.created_ms DESC, g.campaign_id LIMIT 20")

QUERIES = {"totals": TOTALS, "hours": HOURS, "channels": CHANNELS, "payments": PAYMENTS, "lines": LINES,
           "voids": VOIDS, "tables": TABLES, "guests": GUESTS, "members": MEMBERS, "coupons": COUPONS}


def _int(value) -> int:
    return int(value or 0)


def ratio(part: float, whole: float) -> float | None:
    return None if not whole else part / whole


def totals(db: Database, store_id: str, p: Period) -> dict:
    row = db.one(TOTALS, [store_id, p.start_ms, p.end_ms]) or {}
    return {k: _int(v) for k, v in row.items()}


def hours(db: Database, store_id: str, p: Period) -> list[dict]:
    found = {int(r["hour"]): r for r in db.query(HOURS, [store_id, p.start_ms, p.end_ms])}
    empty: dict = {}
    return [{"hour": h, "orders": _int(found.get(h, empty).get("orders")),
             "revenue": _int(found.get(h, empty).get("revenue"))} for h in range(24)]


def mix(db: Database, sql: str, key: str, store_id: str, p: Period) -> list[dict]:
    return [{key: r[key], "orders": _int(r["orders"]), "revenue": _int(r["revenue"])}
            for r in db.query(sql, [store_id, p.start_ms, p.end_ms])]


def dishes(db: Database, store_id: str, p: Period) -> list[dict]:
    """菜品销量排行: quantity on paid orders, and 退菜 (quantity voided) in the period, by dish."""
    by_item: dict[str, dict] = {}

    def item(line: dict) -> dict:
        item_id = str(line.get("item_id"))
        return by_item.setdefault(item_id, {"item_id": item_id, "name": str(line.get("name_zh") or item_id),
                                            "name_en": str(line.get("name_en") or line.get("name_zh") or item_id),
                                            "qty": 0, "voided": 0, "revenue": 0})

    for row in db.query(LINES, [store_id, p.start_ms, p.end_ms]):
        doc = json.loads(row["lines"])
        for line in doc.get("lines", []) if isinstance(doc, dict) else []:
            if isinstance(line, dict) and line.get("item_id"):
                entry = item(line)
                entry["qty"] += _int(line.get("qty"))
                entry["revenue"] += _int(line.get("total"))
    for row in db.query(VOIDS, [store_id, p.start_ms, p.end_ms]):
        try:
            doc = json.loads(row["payload"])
        except ValueError:
            continue
        for line in doc.get("lines", []) if isinstance(doc, dict) else []:
            if isinstance(line, dict) and line.get("item_id"):
                entry = item(line)
                entry["voided"] += _int(line.get("qty"))
                entry["revenue"] -= _int(line.get("amount"))
    ranked = sorted(by_item.values(), key=lambda d: (-(d["qty"] - d["voided"]), d["item_id"]))
    for d in ranked:
        if d["name"] == d["item_id"]:
            d["name"] = d["name_en"] = _menu_name(db, store_id, d["item_id"]) or d["item_id"]
    return ranked


def _menu_name(db: Database, store_id: str, item_id: str) -> str | None:
    raw = db.scalar("SELECT menu_doc FROM stores WHERE store_id = ?", [store_id])
    try:
        for item in (json.loads(raw) or {}).get("items", []) if raw else []:
            if item.get("id") == item_id:
                return str(item.get("zh") or item_id)
    except (ValueError, AttributeError):
        return None
    return None


def tables(db: Database, store_id: str, p: Period) -> dict:
    row = db.one(TABLES, [store_id, p.start_ms, p.end_ms]) or {}
    guests = _int(db.scalar(GUESTS, [store_id, p.start_ms, p.end_ms]))
    return {"sessions": _int(row.get("sessions")), "tables": _int(row.get("tables")), "guests": guests}


def member_figures(db: Database, store_id: str, p: Period) -> dict:
    rows = db.query(MEMBERS, [store_id, p.start_ms, p.end_ms])
    new = [r for r in rows if r["first_ms"] is not None and r["first_ms"] >= p.start_ms]
    returning = [r for r in rows if (r["first_ms"] is not None and r["first_ms"] < p.start_ms) or r["visits"] >= 2]
    return {"members": len(rows), "new": len(new), "returning": len(returning),
            "revenue": sum(_int(r["spend"]) for r in rows)}


def campaign_figures(db: Database, store_id: str, p: Period) -> list[dict]:
    """优惠券: each campaign's coupons issued and used in the period, and what they took off."""
    span = [p.start_ms, p.end_ms]
    out = []
    for r in db.query(COUPONS, span * 5 + [store_id]):
        out.append({"campaign_id": r["campaign_id"], "name": r["name"], "terms": campaigns.terms(r, "zh"),
                    "terms_en": campaigns.terms(r, "en"), "delivery": r["delivery"], "state": r["state"],
                    "quota": _int(r["quota"]), "issued_all": _int(r["issued_all"]), "issued": _int(r["issued"]),
                    "used": _int(r["used"]), "off": _int(r["off"])})
    return out


def compute(db: Database, store_id: str, p: Period) -> dict:
    """The whole period: every figure the dashboard shows."""
    t = totals(db, store_id, p)
    tb = tables(db, store_id, p)
    m = member_figures(db, store_id, p)
    channels = mix(db, CHANNELS, "channel", store_id, p)
    phone = sum(c["orders"] for c in channels if c["channel"] == "phone")
    paid = sum(c["orders"] for c in channels)
    return {
        "period": {"kind": p.kind, "first": p.first.isoformat(), "last": p.last.isoformat(), "label": p.label},
        "revenue": t["revenue"], "orders": t["orders"], "placed": t["placed"],
        "avg_order": ratio(t["revenue"], t["orders"]),
        "per_table": ratio(t["table_revenue"], tb["sessions"]), "per_guest": ratio(t["table_revenue"], tb["guests"]),
        "table_turns": ratio(tb["sessions"], tb["tables"] * p.days), "table_sessions": tb["sessions"],
        "unpaid_orders": t["unpaid_orders"], "unpaid": t["unpaid"], "voided_orders": t["voided_orders"],
        "voided": t["voided"], "refunded": t["refunded"], "discounts": t["discounts"],
        "scan_share": ratio(phone, paid),
        "new_share": ratio(m["new"], m["members"]), "repeat_rate": ratio(m["returning"], m["members"]),
        "member_share": ratio(m["revenue"], t["revenue"]), "members_seen": m["members"], "new_members": m["new"],
        "hours": hours(db, store_id, p), "channels": channels,
        "payments": mix(db, PAYMENTS, "method", store_id, p), "dishes": dishes(db, store_id, p),
        "coupons": campaign_figures(db, store_id, p),
    }


def change(now: float | None, before: float | None) -> float | None:
    """The change against the previous period, as a fraction (+0.12 = +12%); None when it has none."""
    if now is None or before is None or before == 0:
        return None
    return (now - before) / abs(before)
