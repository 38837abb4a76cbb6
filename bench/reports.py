"""Dashboard queries on a year of orders for N stores on a real PostgreSQL.

    python bench/reports.py [--n 100] [--orders 50000] [--samples 60]

Generates, with COPY, a year of orders per store (default 50,000: `--n 100` is 5 million orders),
with their devices (a kiosk and a till), phone rounds (40% of orders, as the chain that orders by
scanning), table sessions, voids (3%), refunds and member payments (60% of paid orders, over 2,000
members a store). Then, for random stores, days, weeks and months, times each dashboard query and
a whole dashboard page (the period and the one before, the segments, the HTML), and prints p50 and
p95 per query. The baseline, in the same run: the same page with PostgreSQL's index scans switched
off (what the store-and-time index buys). Target: a dashboard page p95 < 500 ms at --n 100.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.benchlib import percentile  # noqa: E402
from upstream.dashboard import page  # noqa: E402
from upstream.reports import figures, segments  # noqa: E402
from upstream.reports.periods import period_of, previous  # noqa: E402
from upstream.schema import open_database  # noqa: E402

DISHES = [("har_gow", "水晶虾饺皇", 2800), ("siu_mai", "蟹籽烧卖", 2200), ("char_siu_bao", "蜜汁叉烧包", 1800),
          ("cheung_fun", "鲜虾肠粉", 2600), ("beef_chow_fun", "干炒牛河", 4800), ("congee", "皮蛋瘦肉粥", 1600),
          ("egg_tart", "葡式蛋挞", 1200), ("milk_tea", "港式奶茶", 1800), ("lemon_tea", "冻柠茶", 1600)]
YEAR_START = date(2026, 1, 1)
DAY_MS = 86_400_000


def _ms(day: date) -> int:
    return period_of("day", day).start_ms


def generate(db, stores: int, per_store: int, rng: random.Random) -> int:
    """Every store's year through COPY; returns the orders written."""
    conn = db.conn
    written = 0
    with conn.cursor() as cur:
        for s in range(stores):
            store = f"b{s:03d}"
            cur.execute("INSERT INTO stores (store_id, name, created_ms) VALUES (%s, %s, 0)", [store, f"分店{s}"])
            for role, dev in (("kiosk", "k"), ("cashier", "c")):
                cur.execute("INSERT INTO devices (device_id, store_id, role, name, public_key, enrolled_ms)"
                            " VALUES (%s, %s, %s, %s, %s, 0)",
                            [f"{store}-{dev}", store, role, dev, f"pk-{store}-{dev}"])
            members = [f"{store}m{n:05d}" for n in range(2000)]
            first_seen: dict[str, int] = {}
            orders, rounds, sessions, voids, payments = [], [], [], [], []
            session_no = 0
            for n in range(per_store):
                day = YEAR_START + timedelta(days=rng.randrange(365))
                hour = rng.choice((11, 12, 12, 13, 17, 18, 18, 19, 20))
                at = _ms(day) + hour * 3_600_000 + rng.randrange(3_600_000)
                lines = []
                for item_id, name, price in rng.sample(DISHES, rng.randint(1, 4)):
                    qty = rng.randint(1, 3)
                    lines.append({"item_id": item_id, "name_zh": name, "qty": qty, "unit_price": price,
                                  "total": qty * price})
                total = sum(line["total"] for line in lines)
                status = rng.choices(("paid", "placed", "voided"), (92, 5, 3))[0]
                phone = rng.random() < 0.4
                table = str(rng.randint(1, 30)) if phone or rng.random() < 0.3 else None
                voided = lines[0]["unit_price"] if status == "paid" and rng.random() < 0.03 else 0
                refunded = min(total - voided, 1000) if status == "paid" and rng.random() < 0.01 else 0
                order_id = f"{store}o{n:06d}"
                device = f"{store}-k" if rng.random() < 0.5 else f"{store}-c"
                payment = "table" if phone else rng.choice(("code", "code", "counter"))
                orders.append((order_id, store, device, f"e{order_id}", f"A{n % 1000:03d}", day.isoformat(),
                               "dine_in" if table else "takeaway", table, payment, total, status, 1,
                               json.dumps({"lines": lines}, ensure_ascii=False), '{"notes":[]}', at, 0, voided,
                               refunded))
                if phone:
                    if n % 3 == 0:
                        session_no += 1
                        sessions.append((f"{store}s{session_no}", store, table, "closed", None, "pay_after", at,
                                         "phone", at + 50 * 60_000))
                    rounds.append((f"{store}r{n}", f"{store}s{max(session_no, 1)}", store, table, n, f"t{n}", "[]",
                                   total, "printed", order_id, at, at))
                if voided:
                    payload = {"lines": [{"item_id": lines[0]["item_id"], "qty": 1, "amount": voided}]}
                    voids.append((f"v{order_id}", store, f"{store}-c", "cashier.void", order_id, voided, at,
                                  json.dumps(payload)))
                if status == "paid" and rng.random() < 0.6:
                    member = rng.choice(members[: 200 + n * 1800 // per_store])
                    first_seen[member] = min(first_seen.get(member, at), at)
                    payments.append((f"a{order_id}", store, member, order_id, "alipay", "code", total - voided,
                                     refunded, (total - voided) // 100, at))
            if not sessions:
                sessions.append((f"{store}s1", store, "1", "closed", None, "pay_after", 0, "phone", 1))
            with cur.copy("COPY orders (order_id, store_id, device_id, event_id, ticket_no, business_day, service,"
                          " table_no, payment, total, status, status_seq, lines, notes, occurred_wall_ms, late, voided,"
                          " refunded) FROM STDIN") as copy:
                for row in orders:
                    copy.write_row(row)
            with cur.copy("COPY table_sessions (session_id, store_id, table_no, state, open_key, mode, opened_ms,"
                          " opened_by, closed_ms) FROM STDIN") as copy:
                for row in sessions:
                    copy.write_row(row)
            with cur.copy("COPY table_rounds (round_id, session_id, store_id, table_no, round_no, client_token, lines,"
                          " total, state, device_order_id, created_ms, updated_ms) FROM STDIN") as copy:
                for row in rounds:
                    copy.write_row(row)
            with cur.copy("COPY cashier_events (event_id, store_id, device_id, type, order_id, amount, occurred_ms,"
                          " payload) FROM STDIN") as copy:
                for row in voids:
                    copy.write_row(row)
            with cur.copy("COPY members (member_id, store_id, visits, spend, points, first_visit_ms, last_visit_ms,"
                          " created_ms, updated_ms) FROM STDIN") as copy:
                spent: dict[str, list[int]] = {}
                for p in payments:
                    spent.setdefault(p[2], []).append(p[6] - p[7])
                last: dict[str, int] = {}
                for p in payments:
                    last[p[2]] = max(last.get(p[2], 0), p[9])
                for member, first in first_seen.items():
                    copy.write_row((member, store, len(spent[member]), sum(spent[member]), sum(spent[member]) // 100,
                                    first, last[member], first, last[member]))
            with cur.copy("COPY member_payments (attempt_id, store_id, member_id, order_id, channel, kind, amount,"
                          " refunded, points, paid_ms) FROM STDIN") as copy:
                for row in payments:
                    copy.write_row(row)
            written += len(orders)
    db.execute("ANALYZE")
    return written


def sample_periods(rng: random.Random, count: int):
    for _ in range(count):
        kind = rng.choice(("day", "day", "week", "month"))
        yield kind, period_of(kind, YEAR_START + timedelta(days=rng.randrange(30, 365)))


def timed(fn, *args) -> float:
    started = time.perf_counter()
    fn(*args)
    return (time.perf_counter() - started) * 1000


def whole_page(db, store: str, p) -> None:
    now_doc, before = figures.compute(db, store, p), figures.compute(db, store, previous(p))
    segs = segments.counts(db, store, p.end_ms)
    page.dashboard(store, f"/owner/{store}", now_doc, before, segs, [], "bench", p.first)


QUERIES = {
    "totals": lambda db, s, p: figures.totals(db, s, p),
    "hours": lambda db, s, p: figures.hours(db, s, p),
    "channels": lambda db, s, p: figures.mix(db, figures.CHANNELS, "channel", s, p),
    "payments": lambda db, s, p: figures.mix(db, figures.PAYMENTS, "method", s, p),
    "dishes": lambda db, s, p: figures.dishes(db, s, p),
    "tables": lambda db, s, p: figures.tables(db, s, p),
    "members": lambda db, s, p: figures.member_figures(db, s, p),
    "segments": lambda db, s, p: segments.counts(db, s, p.end_ms),
    "coupons": lambda db, s, p: figures.campaign_figures(db, s, p),
}


def measure(db, stores: int, samples: int, rng: random.Random, queries: bool = True) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {name: [] for name in [*(QUERIES if queries else ()), "page"]}
    for _kind, p in sample_periods(rng, samples):
        store = f"b{rng.randrange(stores):03d}"
        for name, fn in (QUERIES.items() if queries else ()):
            times[name].append(timed(fn, db, store, p))
        times["page"].append(timed(whole_page, db, store, p))
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100, help="stores (default 100: 5 million orders)")
    parser.add_argument("--orders", type=int, default=50_000, help="orders per store in the year")
    parser.add_argument("--samples", type=int, default=60, help="dashboard pages timed")
    parser.add_argument("--baseline-samples", type=int, default=3, help="pages timed without the index")
    args = parser.parse_args()
    from upstream.pgtemp import TempCluster

    rng = random.Random(20261205)
    cluster = TempCluster().start()
    try:
        db = open_database(cluster.url)
        started = time.perf_counter()
        total = generate(db, args.n, args.orders, rng)
        load_s = time.perf_counter() - started
        version = db.scalar("SHOW server_version")
        measure(db, args.n, 5, random.Random(1))  # warm the cache
        times = measure(db, args.n, args.samples, rng)
        db.close()
        plain = open_database(cluster.url)  # a new connection: no plan cached with the index
        plain.execute("SET enable_indexscan = off")
        plain.execute("SET enable_bitmapscan = off")
        base = measure(plain, args.n, args.baseline_samples, random.Random(2), queries=False)
        plain.close()
    finally:
        cluster.stop()
    print(f"reports: {args.n} stores x {args.orders} orders = {total:,} orders in one year on PostgreSQL {version}"
          f" (generated with COPY in {load_s:.1f} s); {args.samples} random day / week / month pages")
    print(f"{'query':<10}{'p50 ms':>9}{'p95 ms':>9}")
    for name, values in times.items():
        print(f"{name:<10}{statistics.median(values):>9.1f}{percentile(values, 95):>9.1f}")
    page_p95, base_p95 = percentile(times["page"], 95), percentile(base["page"], 95)
    ok = page_p95 < 500
    print(f"dashboard page: p95 {page_p95:.1f} ms; baseline, the same page with index scans off:"
          f" p95 {base_p95:.1f} ms ({args.baseline_samples} pages) = {base_p95 / page_p95:.1f}x baseline speed")
    print(f"target dashboard page p95 < 500 ms{' at --n 100' if args.n != 100 else ''}: p95 {page_p95:.1f} ms  "
          f"{'OK' if ok else 'MISSED'}")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
