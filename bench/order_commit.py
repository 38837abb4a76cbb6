"""Benchmark: order placement latency through the core API, against a bare SQLite insert.

Runs a real core process (`edge core`) with three virtual printers (`edge printer-sim`), posts N
orders over HTTP one after another, and times each from request to answer (the answer comes
after the commit of order + lines + print jobs + outbox event). Baseline in the same run: a
bare sqlite3 INSERT of one row + COMMIT with the same pragmas (WAL, synchronous=FULL), i.e.
the floor that fsync sets on this disk. Issue #2 target: p99 < 25 ms.

    python bench/order_commit.py [--n 1000]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import requests

from edge.ledger.db import open_connection
from edge.demo.setup import start_demo
from edge.launcher import Processes
from benchlib import free_port, percentile

TARGET_P99_MS = 25.0


def bare_insert_ms(path: Path, n: int) -> list[float]:
    conn = open_connection(path)
    conn.isolation_level = None
    conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT)")
    times = []
    for i in range(n):
        start = time.perf_counter()
        conn.execute("BEGIN")
        conn.execute("INSERT INTO t (body) VALUES (?)", [f"order {i}"])
        conn.execute("COMMIT")
        times.append((time.perf_counter() - start) * 1000)
    conn.close()
    return times


def api_orders_ms(root: Path, n: int) -> list[float]:
    core_port, base = free_port(), free_port()
    while any(p in (core_port,) for p in range(base, base + 3)):
        base = free_port()
    with Processes(root / "logs") as processes:
        url, _ = start_demo(processes, root, core_port, base)
        session = requests.Session()
        items = ["har_gow", "milk_tea", "beef_chow_fun", "siu_mai", "char_siu_rice", "cheung_fun"]
        for i in range(20):  # warm-up, not timed
            session.post(f"{url}/v1/orders", json={"client_token": f"warm-{i}", "lines": [{"item_id": "har_gow"}]})
        times = []
        for i in range(n):
            body = {"client_token": f"bench-{i}", "service": "dine_in", "table": str(1 + i % 30), "lines": [
                {"item_id": items[i % 6], "qty": 1 + i % 3},
                {"item_id": items[(i + 1) % 6], "qty": 1, "notes": ["less_oil"]},
                {"item_id": "milk_tea", "qty": 1, "options": ["iced"]}]}
            start = time.perf_counter()
            answer = session.post(f"{url}/v1/orders", json=body, timeout=10)
            times.append((time.perf_counter() - start) * 1000)
            if answer.status_code != 201:
                raise SystemExit(f"order {i} failed: {answer.status_code} {answer.text}")
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000, help="orders to place (default 1000)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="matou-bench-", dir=Path.cwd()) as tmp:
        root = Path(tmp)
        floor = bare_insert_ms(root / "floor.sqlite", args.n)
        api = api_orders_ms(root, args.n)
    rows = [("bare sqlite3 insert + commit (baseline)", floor), ("order via core API (order+lines+jobs+outbox)", api)]
    print(f"order_commit: n={args.n}, Python {sys.version.split()[0]}")
    print(f"| {'what':<46} | {'p50 ms':>7} | {'p99 ms':>7} | {'max ms':>7} |")
    print(f"|{'-' * 48}|{'-' * 9}|{'-' * 9}|{'-' * 9}|")
    for name, values in rows:
        print(f"| {name:<46} | {statistics.median(values):7.2f} | {percentile(values, 99):7.2f} | {max(values):7.2f} |")
    p99 = percentile(api, 99)
    ratio = p99 / percentile(floor, 99)
    verdict = "meets" if p99 < TARGET_P99_MS else "MISSES"
    print(f"order commit p99 {p99:.1f} ms ({verdict} target < {TARGET_P99_MS:.0f} ms), "
          f"{ratio:.1f}× baseline p99; p50 {statistics.median(api):.1f} ms, "
          f"{statistics.median(api) / statistics.median(floor):.1f}× baseline p50")


if __name__ == "__main__":
    main()
