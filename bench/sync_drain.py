"""Sync drain benchmark: N queued orders drained to a local upstream over loopback, on SQLite and
PostgreSQL, against a one-request-per-order baseline in the same run; p95 of 100-event ingest.

    python bench/sync_drain.py [--n 10000] [--baseline-n 1000] [--engines sqlite,postgresql]

The device's outbox is filled with N real `order.placed` events (one order placed through the
core, its payload copied with fresh ids), then `SyncWorker.run_once` drains it through the
real signed HTTP path. The baseline drains `--baseline-n` events with one request per event;
its events/s is the comparison. PostgreSQL runs in a throwaway cluster with fsync on.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from edge.config import parse_config  # noqa: E402
from edge.core.service import EdgeService  # noqa: E402
from edge.demo.setup import MENU_FILE  # noqa: E402
from edge.orders import new_id  # noqa: E402
from edge.protocol.canonical import canonical_json  # noqa: E402
from edge.sync.enroll import enroll  # noqa: E402
from edge.sync.worker import SyncWorker  # noqa: E402
from upstream.enroll import add_store, make_token  # noqa: E402
from upstream.schema import open_database
from upstream.server import BackgroundUpstream  # noqa: E402

ORDER = {"client_token": "bench-template", "table": "12", "lines": [
    {"item_id": "har_gow", "qty": 2}, {"item_id": "beef_chow_fun", "qty": 1, "options": ["large", "mild2"],
                                       "notes": ["no_scallion"]}, {"item_id": "milk_tea", "qty": 1}]}


def device_with_queue(root: Path, n: int, upstream: BackgroundUpstream):
    from upstream.code_signing import public_key

    trust = f'[upstream]\nallowed_urls = ["{upstream.url}"]\npublic_key = "{public_key(upstream.db)}"\n'
    config = parse_config(f'[device]\ndata_dir = "{root}"\n[menu]\nfile = "{MENU_FILE}"\n' + trust, "<bench>",
                          environ={})
    service = EdgeService(config).open(start_printing=False)
    service.place_order(ORDER)
    db = service.db
    row = db.execute("SELECT type, occurred_wall_ms, monotonic_ns, boot_id, clock_synced, payload"
                     " FROM outbox").fetchone()
    template = json.loads(row[5])
    rows = []
    for i in range(n - 1):
        payload = canonical_json({**template, "order_id": new_id(), "ticket_no": f"A{i + 2:03d}"})
        rows.append((new_id(), row[0], row[1] + i, row[2] + i, row[3], row[4], payload,
                     hashlib.sha256(payload.encode()).hexdigest()))
    with db.atomic():
        db.conn.executemany("INSERT INTO outbox (event_id, type, occurred_wall_ms, monotonic_ns, boot_id, clock_synced,"
                            " payload, payload_sha256) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
    service.close()
    enroll(config, make_token(upstream.db, "bench", "kiosk", upstream.url)[0])
    return config


def drain(config, max_events: int) -> tuple[float, list[float], int]:
    worker = SyncWorker(config, pull=False, max_events=max_events)
    latencies: list[float] = []
    from edge.sync import upstream_client as client_module

    original = client_module.UpstreamClient.ingest

    def timed(self, body):
        start = time.perf_counter()
        try:
            return original(self, body)
        finally:
            latencies.append(time.perf_counter() - start)

    client_module.UpstreamClient.ingest = timed
    try:
        start = time.perf_counter()
        result = worker.run_once(deadline_s=3600)
        seconds = time.perf_counter() - start
    finally:
        client_module.UpstreamClient.ingest = original
    if not result["ok"] or result["pending"]:
        raise SystemExit(f"drain failed: {result}")
    return seconds, latencies, result["sent"]


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1] if len(values) >= 20 else max(values)


def run_engine(engine: str, n: int, baseline_n: int, root: Path) -> dict:
    cluster = None
    if engine == "sqlite":
        url = str(root / engine / "upstream.sqlite")
    else:
        from upstream.pgtemp import TempCluster

        cluster = TempCluster(durable=True).start()
        url = cluster.url
    db = open_database(url)
    add_store(db, "bench", "Bench")
    server = BackgroundUpstream(db).start()
    try:
        batched = device_with_queue(root / engine / "batched", n, server)
        seconds, latencies, sent = drain(batched, 100)
        full = [lat for lat in latencies]  # every request but the last carries 100 events
        single = device_with_queue(root / engine / "single", baseline_n, server)
        base_seconds, base_lat, base_sent = drain(single, 1)
        held = db.scalar("SELECT count(*) FROM events")
        assert held == n + baseline_n, f"upstream holds {held} events, expected {n + baseline_n}"
    finally:
        server.stop()
        db.close()
        if cluster:
            cluster.stop()
    return {"engine": engine, "n": sent, "seconds": seconds, "rate": sent / seconds,
            "p50_ms": statistics.median(full[:-1] or full) * 1000, "p95_ms": p95(full[:-1] or full) * 1000,
            "base_n": base_sent, "base_seconds": base_seconds, "base_rate": base_sent / base_seconds,
            "base_p50_ms": statistics.median(base_lat) * 1000}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--baseline-n", type=int, default=None, help="events for the baseline (default min(n, 1000))")
    parser.add_argument("--engines", default="sqlite,postgresql")
    args = parser.parse_args()
    baseline_n = args.baseline_n or min(args.n, 1000)
    rows = []
    with tempfile.TemporaryDirectory(prefix="matou-bench-") as tmp:
        for engine in args.engines.split(","):
            rows.append(run_engine(engine, args.n, baseline_n, Path(tmp)))
    print(f"sync drain: {args.n} queued order.placed events over loopback (signed HTTP, batches of 100)")
    print(f"{'engine':<11}{'events':>8}{'seconds':>9}{'events/s':>10}{'p50 ms':>8}{'p95 ms':>8}"
          f"{'| baseline 1/req':>17}{'events/s':>10}{'ratio':>8}")
    for r in rows:
        print(f"{r['engine']:<11}{r['n']:>8}{r['seconds']:>9.2f}{r['rate']:>10.0f}{r['p50_ms']:>8.1f}{r['p95_ms']:>8.1f}"
              f"{'| ' + str(r['base_n']) + ' events':>17}{r['base_rate']:>10.0f}{r['rate'] / r['base_rate']:>7.1f}x")
    ok = True
    for r in rows:
        checks = [(f"{r['engine']}: ratio to one request per order >= 10x", r["rate"] / r["base_rate"] >= 10,
                   f"{r['rate'] / r['base_rate']:.1f}x"),
                  (f"{r['engine']}: ingest of a 100-event batch p95 < 100 ms", r["p95_ms"] < 100,
                   f"{r['p95_ms']:.1f} ms")]
        if r["engine"] == "sqlite":
            scaled = r["seconds"] * 10_000 / r["n"]
            checks.insert(0, ("sqlite: drain 10,000 events <= 15 s", scaled <= 15,
                              f"{r['seconds']:.2f} s"
                              + ("" if r["n"] == 10_000 else f" (x{10_000 / r['n']:.1f} = {scaled:.1f} s)")))
        for name, passed, value in checks:
            ok &= passed
            print(f"target {name}: {value}  {'OK' if passed else 'MISSED'}")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
