"""A whole store in real processes for the table tests that kill, stop and cut things:
`edge-upstream serve` on SQLite or PostgreSQL, `edge core` enrolled as the store's cashier device and
printing to three printer-sims over TCP, and phones at tables (requests sessions holding the
table's cookie, retrying the way the phone page does).

Either process can be killed (-9), stopped and started again on the same database and port; the
device can reach the upstream through a fault proxy (tests/sync/faultproxy.py). `printed_once`
checks what came out of the printers against the rounds upstream holds.
"""

from __future__ import annotations

import os
import random
import re
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import requests

from edge.config import load_config
from edge.demo.setup import MENU_FILE
from edge.printer_sim.simulator import PrinterSimulator
from edge.sync.enroll import enroll
from tests.support import CoreProcess, free_port, kill9, stop_process, wait_for
from tests.support.upstream_trust import trust_section
from tests.sync.faultproxy import FaultProxy
from upstream import table_sessions
from upstream.enroll import add_store, make_token
from upstream.errors import now_ms
from upstream.schema import open_database
from upstream.store_settings import publish_menu_file, set_phone_limits

STORE = "s1"
STATIONS = {"dimsum": ("har_gow", "siu_mai", "char_siu_bao", "custard_bun", "spring_rolls", "turnip_cake"),
            "kitchen": ("fried_rice", "gai_lan", "char_siu_rice", "wonton_noodles"),
            "bar": ("milk_tea", "lemon_tea", "soy_milk", "pu_erh")}
STATION_OF = {item: station for station, items in STATIONS.items() for item in items}
ROUND_RE = re.compile(r"第(\d+)轮")
TABLE_RE = re.compile(r"桌 (\w+)")
DISH_RE = re.compile(r"^\s*(\S.*?)  ×(\d+)\s*$")


@dataclass
class Ticket:
    station: str
    text: str
    at: float  # monotonic time of the ticket's last byte (the cut)

    @property
    def table(self) -> str | None:
        found = TABLE_RE.search(self.text)
        return found.group(1) if found else None

    @property
    def round_no(self) -> int | None:
        found = ROUND_RE.search(self.text)
        return int(found.group(1)) if found else None

    @property
    def reprint(self) -> bool:
        return "补打" in self.text

    @property
    def dishes(self) -> list[tuple[str, int]]:
        return sorted((m.group(1), int(m.group(2))) for m in map(DISH_RE.match, self.text.splitlines()) if m)


class Printers:
    """One printer-sim per station; every ticket with its station and arrival time, in order."""

    def __init__(self) -> None:
        self.tickets: list[Ticket] = []
        self.changed = threading.Condition()
        self.sims = {name: PrinterSimulator(port=0, name=name, on_ticket=self._note(name)).start()
                     for name in STATIONS}

    def _note(self, station: str):
        def note(ticket, number, path) -> None:
            with self.changed:
                self.tickets.append(Ticket(station, ticket.text, time.monotonic()))
                self.changed.notify_all()
        return note

    def ports(self) -> dict[str, int]:
        return {name: sim.port for name, sim in self.sims.items()}

    def snapshot(self) -> list[Ticket]:
        with self.changed:
            return list(self.tickets)

    def stop(self) -> None:
        for sim in self.sims.values():
            sim.stop()


class UpstreamProcess:
    """A real `edge-upstream serve` on a database (SQLite file or PostgreSQL URL): start (waits for
    health), kill -9, stop."""

    def __init__(self, database: str, port: int, log: Path):
        self.database, self.port, self.log = database, port, log
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 60.0) -> None:
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen([sys.executable, "-m", "upstream", "serve", "--database",
                                             str(self.database), "--port", str(self.port)],
                                            stdout=log, stderr=log, stdin=subprocess.DEVNULL, env=dict(os.environ))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process.poll() is None, f"upstream exited ({self.process.returncode}); see {self.log}"
            try:
                if requests.get(f"http://127.0.0.1:{self.port}/v1/health", timeout=0.5).ok:
                    return
            except requests.RequestException:
                time.sleep(0.05)
        raise RuntimeError(f"upstream did not come up; see {self.log}")

    def kill(self) -> bool:
        return self.process is not None and kill9(self.process)

    def stop(self) -> None:
        if self.process is not None:
            stop_process(self.process)

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None


class Phone:
    """A guest's phone at a table: what a scan of the table's code gives (the session's cookie),
    and the page's habits: a lost answer is retried, a cart line only when the cart lacks it, a
    round with the same client token."""

    def __init__(self, store: Store, table: str):
        session = table_sessions.open_or_join(store.db, STORE, table, now_ms())
        self.table = table
        self.base = store.url
        self.http = requests.Session()
        self.http.cookies.set(table_sessions.COOKIE, table_sessions.issue_token(store.db, session, now_ms()))
        self.tokens: list[str] = []

    def _call(self, method: str, path: str, **kw) -> requests.Response | None:
        try:
            return self.http.request(method, self.base + path, timeout=30, **kw)
        except requests.RequestException:
            return None

    def state(self, **params) -> dict:
        answer = self._call("GET", "/v1/table/state", params=params)
        assert answer is not None and answer.status_code == 200, answer and answer.text
        return answer.json()

    def order(self, lines: list[tuple[str, int]], deadline_s: float = 90.0) -> dict:
        """Put `lines` in the table's cart and send them as the next round; returns the state body."""
        end = time.monotonic() + deadline_s
        for item, qty in lines:
            while True:
                assert time.monotonic() < end, f"table {self.table}: could not add {item}"
                answer = self._call("POST", "/v1/table/cart", json={"op": "add", "item_id": item, "qty": qty})
                if answer is not None and answer.status_code == 200:
                    break
                assert answer is None or answer.status_code >= 500, answer.text
                time.sleep(0.2)
                try:  # the add may have landed before the answer was lost
                    if any(x["item_id"] == item and x["qty"] == qty for x in self.state()["cart"]["lines"]):
                        break
                except AssertionError:
                    continue
        token = uuid.uuid4().hex
        self.tokens.append(token)
        while True:
            assert time.monotonic() < end, f"table {self.table}: round not taken"
            answer = self._call("POST", "/v1/table/rounds", json={"client_token": token})
            if answer is not None and answer.status_code in (200, 201):
                return answer.json()
            assert answer is None or answer.status_code >= 500, answer.text
            time.sleep(0.2)


@dataclass
class Store:
    """The store: upstream process, core process, printers, and the upstream database (read by the test)."""

    root: Path
    proxied: bool = False
    database: str | None = None  # the upstream's database URL (default: a SQLite file in `root`)
    phones: dict[str, Phone] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.db = self.upstream = self.proxy = self.printers = self.core = None
        try:
            self._start()
        except BaseException:
            self.close()
            raise

    def _start(self) -> None:
        self.db_path = self.database or str(self.root / "upstream.sqlite")
        self.db = open_database(self.db_path)
        add_store(self.db, STORE, "测试茶楼")
        publish_menu_file(self.db, STORE, str(MENU_FILE))
        # every phone of the test comes from 127.0.0.1: one address, many tables
        set_phone_limits(self.db, STORE, {"client_per_minute": 100_000, "table_per_minute": 1_000})
        self.upstream = UpstreamProcess(self.db_path, free_port(), self.root / "upstream.log")
        self.upstream.start()
        self.url = f"http://127.0.0.1:{self.upstream.port}"
        self.proxy = FaultProxy(self.upstream.port, seed=13).start() if self.proxied else None
        device_url = self.proxy.url if self.proxy else self.url
        self.printers = Printers()
        core_port = free_port()
        config_file = self.root / "edge.toml"
        text = (f'[device]\ndata_dir = "{self.root / "data"}"\nticket_prefix = "A"\n[core]\nport = {core_port}\n'
                f'[menu]\nfile = "{MENU_FILE}"\n' + trust_section(device_url, self.db))
        for station, port in self.printers.ports().items():
            text += f'[printers.{station}]\nurl = "tcp://127.0.0.1:{port}"\ntimeout = 2.0\n'
        text += "[stations]\n" + "".join(f'{s} = "{s}"\n' for s in STATIONS)
        config_file.write_text(text, encoding="utf-8")
        self.config = load_config(config_file)
        enroll(self.config, make_token(self.db, STORE, "cashier", device_url)[0])
        self.core = CoreProcess(config_file, core_port, open(self.root / "core.log", "ab"))
        self.core.start()
        self.core_url = f"http://127.0.0.1:{core_port}"

    def phone(self, table: str) -> Phone:
        if table not in self.phones:
            self.phones[table] = Phone(self, table)
        return self.phones[table]

    def rounds(self) -> list[dict]:
        return self.db.query("SELECT r.*, c.seq FROM table_rounds r LEFT JOIN commands c"
                             " ON c.command_id = r.command_id WHERE r.store_id = ? ORDER BY c.seq", [STORE])

    def wait_all_printed(self, n: int, timeout: float = 120.0) -> list[dict]:
        """Wait until upstream holds `n` rounds, each `printed` (已下厨) by the device's word."""
        try:
            wait_for(lambda: len(self.rounds()) == n and all(r["state"] == "printed" for r in self.rounds()),
                     timeout=timeout, interval=0.1, what=f"{n} rounds printed")
        except AssertionError as exc:
            states = [(r["table_no"], r["round_no"], r["state"]) for r in self.rounds()]
            raise AssertionError(f"{exc}; upstream holds {states}") from None
        return self.rounds()

    def close(self) -> None:
        for stop in (self.core and self.core.kill, self.upstream and self.upstream.kill,
                     self.proxy and self.proxy.stop, self.printers and self.printers.stop, self.db and self.db.close):
            if stop:
                stop()
        if self.core:
            self.core.log.close()


class Restarts:
    """A thread that kill -9s a process (the core or the upstream) after a random pause and starts
    it again, `times` times; `kills` counts the kills that hit a running process."""

    def __init__(self, target, rng: random.Random, times: int, pause: tuple[float, float]):
        self.target, self.rng, self.times, self.pause = target, rng, times, pause
        self.kills = 0
        self.thread = threading.Thread(target=self._run, daemon=True, name="restarts")

    def _run(self) -> None:
        for _ in range(self.times):
            time.sleep(self.rng.uniform(*self.pause))
            if self.target.kill():
                self.kills += 1
            self.target.start()

    def start(self) -> Restarts:
        self.thread.start()
        return self

    def done(self) -> bool:
        return not self.thread.is_alive()


def send_rounds(store: Store, tables: tuple[str, ...], rng: random.Random, until, least: int,
                pause: tuple[float, float] = (0.05, 0.4)) -> int:
    """Rounds from the tables' phones, one after another with short pauses, until `until()` is true
    and at least `least` were sent; returns how many."""
    sent, counts = 0, dict.fromkeys(tables, 0)
    while sent < least or not until():
        table = rng.choice(tables)
        counts[table] += 1
        store.phone(table).order(round_plan(tables.index(table), counts[table]))
        sent += 1
        time.sleep(rng.uniform(*pause))
    return sent


def round_plan(table_index: int, round_no: int) -> list[tuple[str, int]]:
    """What a table orders in a round: different dishes (or quantities) from its other rounds, so
    a ticket holding another round's lines shows."""
    lines = [(STATIONS["dimsum"][(table_index + round_no) % len(STATIONS["dimsum"])], 1 + round_no % 5)]
    if round_no % 2 == 0:
        lines.append((STATIONS["kitchen"][(table_index + round_no) % len(STATIONS["kitchen"])], 1 + round_no % 7))
    if round_no % 3 == 0:
        lines.append((STATIONS["bar"][(table_index * 2 + round_no) % len(STATIONS["bar"])], 1 + table_index))
    return lines


def printed_once(rounds: list[dict], tickets: list[Ticket], copies_allowed: int = 0) -> None:
    """Every round upstream holds came out exactly once at each station it has lines for, with only
    its own lines, in round order per table and station; nothing else came out. A ticket whose
    sending a kill -9 interrupted is sent again marked 补打 REPRINT (the printer may or may not
    have printed it): at most `copies_allowed` of those, each a round's ticket with its lines."""
    import json

    expected: dict[tuple[str, str, int], list[tuple[str, int]]] = {}
    for r in rounds:
        for line in json.loads(r["lines"])["lines"]:
            key = (STATION_OF[line["item_id"]], r["table_no"], r["round_no"])
            expected.setdefault(key, []).append((line["name_zh"], line["qty"]))
    firsts: dict[tuple, Ticket] = {}
    for t in tickets:
        key = (t.station, t.table, t.round_no)
        assert key in expected, f"a ticket that belongs to no round: {key}\n{t.text}"
        assert t.dishes == sorted(expected[key]), f"{key}: printed {t.dishes}, the round holds {expected[key]}"
        if not t.reprint:
            assert key not in firsts, f"round printed twice at {t.station}: table {t.table} 第{t.round_no}轮\n{t.text}"
            firsts[key] = t
    missing = sorted(set(expected) - {(t.station, t.table, t.round_no) for t in tickets})
    assert not missing, f"rounds never printed at their station: {missing}"
    copies = [t for t in tickets if t.reprint]
    assert len(copies) <= copies_allowed, f"{len(copies)} 补打 copies for {copies_allowed} interrupted jobs"
    for station in STATIONS:
        for table in {r["table_no"] for r in rounds}:
            order = [t.round_no for t in tickets if t.station == station and t.table == table]
            order = [n for i, n in enumerate(order) if not i or order[i - 1] != n]  # a 补打 copy follows its own
            assert order == sorted(set(order)), f"table {table} at {station}: rounds came out as {order}"


def reprinted_jobs(config) -> int:
    """Kitchen jobs the core queued again as 补打 after a kill left them uncertain (its database)."""
    import sqlite3

    db = sqlite3.connect(f"file:{config.db_path}?mode=ro", uri=True)
    try:
        return db.execute("SELECT count(*) FROM print_jobs WHERE kind = 'kitchen' AND reprint = 1").fetchone()[0]
    finally:
        db.close()
