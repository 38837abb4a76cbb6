"""Fixtures for the technician tests: a real core over HTTP on 127.0.0.1 (config in a file, so
screen settings and restarts are real), printer simulators, a real upstream on loopback.

Safety: no test sends a packet beyond loopback. `edge.technician.netscan.own_interfaces` is
pinned to loopback for every test here, so even a scan of "the device's own subnet" is
refused instead of touching the machine's real network.
"""

from __future__ import annotations

import ipaddress

import pytest

from edge.printer_sim.simulator import PrinterSimulator
from tests.sync.fixtures import sqlite_upstream, sqlite_upstream_db  # noqa: F401 - fixtures
from tests.technician.helpers import Core, NotAPrinter, write_config


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch):
    import edge.technician.netscan as netscan

    monkeypatch.setattr(netscan, "own_interfaces", lambda: [ipaddress.IPv4Interface("127.0.0.1/8")])


@pytest.fixture
def core_at(tmp_path):
    made: list[Core] = []

    def start(extra: str = "", name: str = "dev", menu: bool = True) -> Core:
        made.append(Core(write_config(tmp_path / name, extra, menu)).start())
        return made[-1]

    yield start
    for core in made:
        core.stop()


@pytest.fixture
def sims():
    started: list[PrinterSimulator] = []

    def start(**kwargs) -> PrinterSimulator:
        started.append(PrinterSimulator(port=0, **kwargs).start())
        return started[-1]

    yield start
    for sim in started:
        sim.stop()


@pytest.fixture
def not_a_printer():
    server = NotAPrinter()
    yield server
    server.close()
