"""Fixtures for printing tests: printer-sims, emupos, a core with fast spool timing, checks."""

from __future__ import annotations

import re
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import pytest

from edge.core.app import create_app
from edge.core.service import EdgeService
from edge.printer.worker import Timing
from edge.printer_sim.simulator import PrinterSimulator
from tests.conftest import make_config
from tests.printer.emupos import Emupos, emupos_missing
from tests.support import AppServer

STATIONS = ("dimsum", "kitchen", "bar")
ITEMS = {"dimsum": "har_gow", "kitchen": "beef_chow_fun", "bar": "milk_tea"}
FAST = Timing(status_timeout_s=0.5, problem_poll_s=0.2, backoff_cap_s=0.5, idle_poll_s=0.0, failover_after_s=1.0,
              sent_after_s=0.2, poll_while_waiting_s=0.3, hold_cap_s=15.0)


@pytest.fixture
def sims(tmp_path):
    started: dict[str, PrinterSimulator] = {}

    def start(*names: str, **kwargs) -> dict[str, PrinterSimulator]:
        for name in names:
            started[name] = PrinterSimulator(port=0, name=name, **kwargs).start()
        return started

    yield start
    for sim in started.values():
        sim.stop()


class Core:
    """An EdgeService (fast spool timing) and, on request, its HTTP API."""

    def __init__(self, service: EdgeService) -> None:
        self.service = service
        self.server: AppServer | None = None
        self._n = 0

    def serve(self) -> str:
        app = create_app(self.service)
        self.server = AppServer(app, name="core-api").start()
        self.url = self.server.url
        return self.url

    def order(self, *stations: str, qty: int = 1, note: str | None = None) -> dict:
        self._n += 1
        lines = [{"item_id": ITEMS[s], "qty": qty} for s in stations]
        view, created = self.service.place_order({"client_token": f"t-{self._n}-{time.monotonic_ns()}",
                                                  "lines": lines})
        assert created
        return view

    def jobs(self) -> list[dict]:
        with self.service.ledger.reading():
            return [dict(r) for r in self.service.db.query("SELECT * FROM print_jobs ORDER BY created_wall_ms, rowid")]

    def all_printed(self) -> bool:
        return all(j["state"] == "printed" for j in self.jobs())

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()
        self.service.close()


@pytest.fixture
def core_factory(tmp_path):
    cores: list[Core] = []

    def make(printers: dict[str, str | dict], extra: str = "", timing: Timing = FAST, data: str = "data") -> Core:
        """printers: name -> url, or name -> {"url": ..., "profile": ..., "backup": ...}."""
        text = ""
        for name, spec in printers.items():
            spec = {"url": spec} if isinstance(spec, str) else spec
            text += f"[printers.{name}]\ntimeout = 2.0\n" + "".join(f'{k} = "{v}"\n' for k, v in spec.items())
        text += "[stations]\n" + "".join(f'{s} = "{s}"\n' for s in printers if s in STATIONS)
        config = make_config(tmp_path / data, None, extra=text + extra)
        service = EdgeService(config).open(start_printing=False)
        for worker in service.spool.workers.values():
            worker.timing = timing
        service.spool.start()
        core = Core(service)
        cores.append(core)
        return core

    yield make
    for core in cores:
        core.stop()


@pytest.fixture
def emupos(tmp_path):
    missing = emupos_missing()
    if missing:
        pytest.fail(missing)
    started: list[Emupos] = []

    def start(*devices: str) -> Emupos:
        instance = Emupos(tmp_path / f"emupos-{len(started)}", devices).start()
        started.append(instance)
        return instance

    yield start
    for instance in started:
        instance.stop()


# -- what came out of the printers ------------------------------------------------------------
SEQ = re.compile(r"#(\d{4})\b")


@dataclass(frozen=True)
class Paper:
    station: str
    seq: int
    reprint: bool
    transferred: str
    text: str


def read_paper(text: str) -> Paper | None:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    seq = SEQ.search(text)
    if not lines or not seq:
        return None
    transferred = next((line.split(" ", 1)[1] for line in lines if line.startswith("转自 ")), "")
    return Paper(lines[0], int(seq.group(1)), "补打 REPRINT" in text, transferred, text)


def check_tickets(texts: list[str], expected: dict[str, int]) -> dict[tuple[str, int], list[Paper]]:
    """Every (station, seq) 1..n printed at least once, complete; at most one copy unmarked."""
    seen: dict[tuple[str, int], list[Paper]] = defaultdict(list)
    for text in texts:
        paper = read_paper(text)
        assert paper is not None, f"unreadable ticket:\n{text}"
        seen[(paper.station, paper.seq)].append(paper)
    for station, count in expected.items():
        seqs = sorted(seq for (name, seq) in seen if name == station)
        assert seqs == list(range(1, count + 1)), f"{station}: sequence {seqs}, expected 1..{count}"
    for key, papers in seen.items():
        unmarked = [p for p in papers if not p.reprint]
        assert len(unmarked) <= 1, f"{key} printed {len(unmarked)} times without 补打 REPRINT"
    return seen


def complete_texts(sim: PrinterSimulator) -> list[str]:
    return [t.text for t in sim.tickets if t.cut]


def station_name(station: str) -> str:
    return {"dimsum": "点心", "kitchen": "厨房", "bar": "水吧"}[station]


__all__ = ["Path"]
