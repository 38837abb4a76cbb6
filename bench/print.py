"""Benchmark: kitchen printing, order commit -> last byte on the printer, through the real spool.

A real core process (`edge core`) prints to three printer-sims (one per station) running in this
process; each sim notes when the last byte of each ticket arrived (the cut). Three phases:

1. latency: N orders, each with one line per station (3 tickets), one after another, each
   timed from the order request (which returns after the commit) to the last byte of each of its
   tickets on its printer. Baseline in the same run: the same ticket bytes sent straight to a
   printer-sim over TCP with its GS r 1 confirmation (no database, no spool): the floor.
2. throughput: N more orders posted back to back; tickets/s from the first request to the last
   ticket.
3. outage: all printers off for --outage seconds while orders keep coming (2 per second), then
   back on: how long until the first and the last ticket of the backlog came out, and whether
   every ticket came out, in order. Target (issue #4): ticket p95 < 150 ms with healthy printers.

    python bench/print.py [--n 300] [--outage 60]
"""

from __future__ import annotations

import argparse
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

from edge.demo.setup import MENU_FILE
from edge.printer.tickets import KitchenTicket, TicketLine, render_kitchen_ticket
from edge.printer_profiles import get_profile
from edge.printer_sim.simulator import PrinterSimulator
from benchlib import free_port, percentile

TARGET_P95_MS = 150.0
STATIONS = {"dimsum": "har_gow", "kitchen": "beef_chow_fun", "bar": "milk_tea"}
TICKET_NO = re.compile(r"\b(A\d{3,})\b")


class Printers:
    """Three sims; `arrived[(station, ticket_no)]` = monotonic time of the ticket's last byte."""

    def __init__(self) -> None:
        self.arrived: dict[tuple[str, str], float] = {}
        self.order: dict[str, list[str]] = {s: [] for s in STATIONS}
        self.changed = threading.Condition()
        self.sims = {s: PrinterSimulator(port=0, name=s, on_ticket=self._note(s)).start() for s in STATIONS}

    def _note(self, station: str):
        def note(ticket, number, path) -> None:
            found = TICKET_NO.search(ticket.text)
            with self.changed:
                if found:
                    self.arrived.setdefault((station, found.group(1)), time.monotonic())
                    self.order[station].append(found.group(1))
                self.changed.notify_all()
        return note

    def wait(self, keys: list[tuple[str, str]], timeout: float) -> None:
        with self.changed:
            if not self.changed.wait_for(lambda: all(k in self.arrived for k in keys), timeout):
                missing = [k for k in keys if k not in self.arrived]
                raise SystemExit(f"tickets missing after {timeout:g} s: {missing[:5]} ({len(missing)} in all)")

    def stop(self) -> None:
        for sim in self.sims.values():
            sim.stop()


def baseline_ms(n: int) -> list[float]:
    """Bare TCP: a rendered ticket + GS r 1 to a printer-sim, until its confirmation byte."""
    sim = PrinterSimulator(port=0).start()
    data = render_kitchen_ticket(KitchenTicket("A001", "dimsum", "点心", "dine_in", "12", "2026-11-25 12:03",
                                               (TicketLine("水晶虾饺皇", 1),), (), 1),
                                 get_profile("80mm-gb18030")) + b"\x1dr\x01"
    times = []
    try:
        for _ in range(n):
            start = time.perf_counter()
            with socket.create_connection(("127.0.0.1", sim.port), timeout=5) as conn:
                conn.sendall(b"\x10\x04\x01\x10\x04\x02\x10\x04\x03\x10\x04\x04")
                got = b""
                while len(got) < 4:
                    got += conn.recv(16)
                conn.sendall(data)
                conn.recv(16)
            times.append((time.perf_counter() - start) * 1000)
    finally:
        sim.stop()
    return times


def start_core(root: Path, printers: Printers) -> tuple[subprocess.Popen, str]:
    port = free_port()
    config = root / "edge.toml"
    config.write_text(
        f'[device]\ndata_dir = "{root / "data"}"\n[core]\nport = {port}\n[menu]\nfile = "{MENU_FILE}"\n'
        + "".join(f'[printers.{s}]\nurl = "tcp://127.0.0.1:{sim.port}"\n' for s, sim in printers.sims.items())
        + "[stations]\n" + "".join(f'{s} = "{s}"\n' for s in STATIONS), encoding="utf-8")
    log = open(root / "core.log", "ab")
    process = subprocess.Popen([sys.executable, "-m", "edge", "core", "--config", str(config)], stdout=log,
                               stderr=log)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{url}/v1/health", timeout=0.5).ok:
                return process, url
        except requests.RequestException:
            time.sleep(0.1)
    raise SystemExit("core did not start; see core.log")


def post(session: requests.Session, url: str, token: str) -> str:
    body = {"client_token": token, "lines": [{"item_id": item, "qty": 1} for item in STATIONS.values()]}
    answer = session.post(f"{url}/v1/orders", json=body, timeout=10)
    if answer.status_code != 201:
        raise SystemExit(f"order {token} failed: {answer.status_code} {answer.text}")
    return answer.json()["ticket_no"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=300, help="orders per phase, 3 tickets each (default 300)")
    parser.add_argument("--outage", type=float, default=60.0, help="printer outage in seconds (default 60)")
    args = parser.parse_args()
    floor = baseline_ms(args.n)
    printers = Printers()
    with tempfile.TemporaryDirectory(prefix="matou-bench-print-", dir=Path.cwd()) as tmp:
        process, url = start_core(Path(tmp), printers)
        session = requests.Session()
        try:
            for i in range(10):  # warm-up, not timed
                no = post(session, url, f"warm-{i}")
                printers.wait([(s, no) for s in STATIONS], 10)
            latency = []
            for i in range(args.n):
                start = time.monotonic()
                no = post(session, url, f"lat-{i}")
                keys = [(s, no) for s in STATIONS]
                printers.wait(keys, 10)
                latency += [(printers.arrived[k] - start) * 1000 for k in keys]
            start = time.monotonic()
            burst = [post(session, url, f"burst-{i}") for i in range(args.n)]
            keys = [(s, no) for no in burst for s in STATIONS]
            printers.wait(keys, 120)
            burst_s = max(printers.arrived[k] for k in keys) - start
            for sim in printers.sims.values():
                sim.set_fault("power-off")
            backlog, off_at = [], time.monotonic()
            while time.monotonic() - off_at < args.outage:
                backlog.append(post(session, url, f"out-{len(backlog)}"))
                time.sleep(0.5)
            on_at = time.monotonic()
            for sim in printers.sims.values():
                sim.clear_fault("power-off")
            keys = [(s, no) for no in backlog for s in STATIONS]
            printers.wait(keys, 120)
            first = min(printers.arrived[k] for k in keys) - on_at
            last = max(printers.arrived[k] for k in keys) - on_at
            in_order = all([no for no in printers.order[s] if no in set(backlog)] == backlog for s in STATIONS)
        finally:
            process.terminate()
            process.wait(10)
            printers.stop()
    p50, p95 = statistics.median(latency), percentile(latency, 95)
    print(f"print: {args.n} orders x 3 stations per phase, Python {sys.version.split()[0]}")
    print(f"| {'what':<56} | {'p50 ms':>7} | {'p95 ms':>7} | {'max ms':>7} |")
    print(f"|{'-' * 58}|{'-' * 9}|{'-' * 9}|{'-' * 9}|")
    for name, values in (("bare TCP: status + ticket + GS r 1 to a sim (baseline)", floor),
                         ("order request -> last byte on printer (via spool)", latency)):
        print(f"| {name:<56} | {statistics.median(values):7.1f} | {percentile(values, 95):7.1f} | "
              f"{max(values):7.1f} |")
    verdict = "meets" if p95 < TARGET_P95_MS else "MISSES"
    print(f"ticket p95 {p95:.0f} ms ({verdict} target < {TARGET_P95_MS:.0f} ms), p50 {p50:.0f} ms, "
          f"{p95 / percentile(floor, 95):.1f}x baseline p95")
    print(f"throughput {3 * args.n / burst_s:.0f} tickets/s ({3 * args.n} tickets from {args.n} orders "
          f"posted back to back in {burst_s:.1f} s)")
    print(f"outage {args.outage:.0f} s, backlog {3 * len(backlog)} tickets: first out {first:.1f} s and last out "
          f"{last:.1f} s after power-on; {'all printed, in order' if in_order else 'OUT OF ORDER'}")


if __name__ == "__main__":
    main()
