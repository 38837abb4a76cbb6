"""The dashboard's SQL against a plain Python computation on the same random orders, on SQLite and
PostgreSQL: revenue (paid orders minus voids and refunds; unpaid and voided never count), order
counts, orders by hour in Beijing time, the channel and payment mixes, the dish ranking with 退菜,
and the members' figures."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from edge.protocol.canonical import canonical_json
from upstream.enroll import add_store
from upstream.reports import figures
from upstream.reports.periods import period_of, previous

DAY = period_of("day", date(2026, 11, 20))
WEEK = period_of("week", date(2026, 11, 20))
ITEMS = ("har_gow", "siu_mai", "milk_tea")
PRICES = {"har_gow": 2800, "siu_mai": 2200, "milk_tea": 1800}

order_st = st.fixed_dictionaries({
    "minute": st.integers(-24 * 60, 8 * 24 * 60),  # from the day before the week to after it
    "status": st.sampled_from(["paid", "paid", "paid", "placed", "voided"]),
    "device": st.sampled_from(["kiosk-1", "till-1"]),
    "payment": st.sampled_from(["counter", "code", "table"]),
    "phone": st.booleans(),
    "lines": st.lists(st.tuples(st.sampled_from(ITEMS), st.integers(1, 3)), min_size=1, max_size=3),
    "void": st.integers(0, 1), "refund": st.integers(0, 900), "coupon": st.sampled_from([0, 0, 300, 800, 5000]),
    "payer": st.sampled_from([None, "a", "b", "c"]),
})


def load(db, orders: list[dict]) -> None:
    with db.tx():
        for table in ("orders", "cashier_events", "table_rounds", "member_payments", "members", "devices",
                      "table_sessions"):
            db.execute(f"DELETE FROM {table}")
        db.execute("INSERT INTO devices (device_id, store_id, role, name, public_key, enrolled_ms) VALUES"
                   " ('kiosk-1', 's1', 'kiosk', 'k', 'pk1', 0), ('till-1', 's1', 'cashier', 'c', 'pk2', 0)")
        db.execute("INSERT INTO table_sessions (session_id, store_id, table_no, state, mode, opened_ms, opened_by)"
                   " VALUES ('ts', 's1', '1', 'open', 'pay_after', 0, 'x')")
        first_seen: dict[str, int] = {}
        payments: list[list] = []
        for n, o in enumerate(orders):
            at = WEEK.start_ms + o["minute"] * 60_000
            lines = [{"item_id": i, "name_zh": i, "qty": q, "unit_price": PRICES[i], "total": q * PRICES[i]}
                     for i, q in o["lines"]]
            total = sum(line["total"] for line in lines)
            voided = lines[0]["unit_price"] if o["void"] else 0
            # a member's coupon applied at the phone checkout: not money collected
            discount = min(o["coupon"], total - voided) if o["status"] == "paid" and o["phone"] else 0
            refunded = min(o["refund"], total - voided - discount) if o["status"] == "paid" else 0
            o.update(at=at, total=total, voided=voided, refunded=refunded, discount=discount, lines_doc=lines,
                     id=f"o{n:04d}")
            db.execute("INSERT INTO orders (order_id, store_id, device_id, event_id, total, status, status_seq, lines,"
                       " notes, occurred_wall_ms, late, voided, refunded, payment, table_no, discount) VALUES"
                       " (?, 's1', ?, ?, ?, ?, 1, ?, '{}', ?, 0, ?, ?, ?, ?, ?)",
                       [o["id"], o["device"], f"e{n}", total, o["status"], canonical_json({"lines": lines}), at,
                        voided, refunded, o["payment"], "1" if o["phone"] else None, discount])
            if o["void"]:
                db.execute("INSERT INTO cashier_events (event_id, store_id, device_id, type, order_id, amount,"
                           " occurred_ms, payload) VALUES (?, 's1', 'till-1', 'cashier.void', ?, ?, ?, ?)",
                           [f"v{n}", o["id"], voided, at, json.dumps({"lines": [
                               {"item_id": lines[0]["item_id"], "qty": 1, "amount": voided}]})])
            if o["phone"]:
                db.execute("INSERT INTO table_rounds (round_id, session_id, store_id, table_no, round_no, client_token,"
                           " lines, total, state, device_order_id, created_ms, updated_ms) VALUES"
                           " (?, 'ts', 's1', '1', ?, ?, '[]', ?, 'printed', ?, ?, ?)",
                           [f"r{n}", n, f"t{n}", total, o["id"], at, at])
            if o["payer"] and o["status"] == "paid":
                first_seen[o["payer"]] = min(first_seen.get(o["payer"], at), at)
                payments.append([f"a{n}", o["payer"], o["id"], total - voided - discount, refunded, at])
        for payer, at in first_seen.items():
            db.execute("INSERT INTO members (member_id, store_id, first_visit_ms, created_ms, updated_ms)"
                       " VALUES (?, 's1', ?, 0, 0)", [payer, at])
        for row in payments:
            db.execute("INSERT INTO member_payments (attempt_id, store_id, member_id, order_id, channel, kind,"
                       " amount, refunded, points, paid_ms) VALUES (?, 's1', ?, ?, 'alipay', 'code', ?, ?, 0, ?)", row)


def expected(orders: list[dict], period) -> dict:
    inside = [o for o in orders if period.start_ms <= o["at"] < period.end_ms]
    paid = [o for o in inside if o["status"] == "paid"]
    kept = lambda o: o["total"] - o["voided"] - o["refunded"] - o["discount"]  # noqa: E731
    hours: Counter = Counter(((o["at"] + 8 * 3_600_000) // 3_600_000) % 24 for o in paid)
    channels: Counter = Counter("phone" if o["phone"] else ("kiosk" if o["device"] == "kiosk-1" else "counter")
                                for o in paid)
    qty: defaultdict = defaultdict(int)
    for o in paid:
        for item, q in o["lines"]:
            qty[item] += q
    voids: defaultdict = defaultdict(int)
    for o in inside:
        if o["void"]:
            voids[o["lines"][0][0]] += 1
    seen: dict[str, list[dict]] = defaultdict(list)
    for o in paid:
        if o["payer"]:
            seen[o["payer"]].append(o)
    first = {p: min(o["at"] for o in orders if o["payer"] == p and o["status"] == "paid") for p in seen}
    return {"revenue": sum(kept(o) for o in paid), "orders": sum(1 for o in paid if kept(o) > 0),
            "unpaid_orders": sum(1 for o in inside if o["status"] == "placed"),
            "hours": {h: n for h, n in hours.items()}, "channels": dict(channels),
            "qty": {i: q for i, q in qty.items()}, "voids": {i: q for i, q in voids.items()},
            "members": len(seen), "new": sum(1 for p in seen if first[p] >= period.start_ms),
            "member_revenue": sum(kept(o) for ps in seen.values() for o in ps)}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(order_st, max_size=40))
def test_the_reports_sql_equals_a_plain_computation(upstream_db, orders):
    db = upstream_db
    if db.one("SELECT 1 AS x FROM stores WHERE store_id = 's1'") is None:
        add_store(db, "s1", "Store")
    load(db, orders)
    for period in (DAY, WEEK, previous(WEEK)):
        want = expected(orders, period)
        got = figures.compute(db, "s1", period)
        assert (got["revenue"], got["orders"], got["unpaid_orders"]) == (want["revenue"], want["orders"],
                                                                         want["unpaid_orders"])
        assert {h["hour"]: h["orders"] for h in got["hours"] if h["orders"]} == want["hours"]
        assert {c["channel"]: c["orders"] for c in got["channels"]} == want["channels"]
        assert {d["item_id"]: d["qty"] for d in got["dishes"] if d["qty"]} == want["qty"]
        assert {d["item_id"]: d["voided"] for d in got["dishes"] if d["voided"]} == want["voids"]
        assert (got["members_seen"], got["new_members"]) == (want["members"], want["new"])
        assert got["member_share"] == (want["member_revenue"] / want["revenue"] if want["revenue"] else None)
