"""LAN printer scan: own subnet only, at most a /24, short timeouts, bounded concurrency.
Every target here is 127.0.0.1; refusals are checked with connecting forbidden."""

from __future__ import annotations

import ipaddress
import socket
import threading
import time

import pytest

from edge.technician import netscan
from edge.technician.netscan import ScanRefused, plan, scan, scan_subnet

LAN = [ipaddress.IPv4Interface("127.0.0.1/8"), ipaddress.IPv4Interface("192.168.7.23/24")]
BIG_LAN = [ipaddress.IPv4Interface("10.20.30.40/16")]


@pytest.fixture
def no_traffic(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError(f"a connection was attempted: {args}")

    monkeypatch.setattr(socket, "create_connection", refuse)


@pytest.mark.parametrize("subnet, why", [("10.20.0.0/16", "65536 addresses"), ("192.168.7.0/23", "512 addresses"),
                                         ("0.0.0.0/0", "addresses"), ("192.168.8.0/24", "not this device's network"),
                                         ("8.8.8.8/32", "not this device's network"), ("banana", "not an IPv4 range")])
def test_ranges_beyond_a_24_or_off_the_devices_network_are_refused_before_any_packet(no_traffic, subnet, why):
    with pytest.raises(ScanRefused, match=why):
        scan_subnet(subnet, own=LAN)


def test_the_default_range_is_the_devices_own_subnet_or_the_24_around_it(no_traffic):
    network, hosts = plan(None, LAN)
    assert str(network) == "192.168.7.0/24" and len(hosts) == 253 and "192.168.7.23" not in hosts
    network, hosts = plan(None, BIG_LAN)
    assert str(network) == "10.20.30.0/24"
    with pytest.raises(ScanRefused, match="no network address"):
        plan(None, [ipaddress.IPv4Interface("127.0.0.1/8")])


def test_scan_finds_printers_and_tells_a_non_printer_from_them(sims, not_a_printer):
    printer, paperless = sims(), sims()
    paperless.set_fault("paper-out")
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    closed_port = closed.getsockname()[1]
    closed.close()
    result = scan_subnet("127.0.0.1/32", (printer.port, paperless.port, not_a_printer.port, closed_port))
    found = {f["port"]: f for f in result["found"]}
    assert set(found) == {printer.port, paperless.port, not_a_printer.port}
    assert found[printer.port]["printer"] and found[printer.port]["state"] == "ok"
    assert found[paperless.port]["state"] == "problem" and "paper" in found[paperless.port]["detail"]
    assert not found[not_a_printer.port]["printer"] and "no ESC/POS status reply" in found[not_a_printer.port]["detail"]
    assert found[printer.port]["url"] == f"tcp://127.0.0.1:{printer.port}"


def test_concurrency_is_bounded(monkeypatch):
    running, peak, lock = 0, 0, threading.Lock()

    def fake_probe(host, port, connect_timeout=0.4):
        nonlocal running, peak
        with lock:
            running += 1
            peak = max(peak, running)
        time.sleep(0.02)
        with lock:
            running -= 1
        return None

    monkeypatch.setattr(netscan, "probe", fake_probe)
    assert scan([f"127.0.0.{n}" for n in range(1, 41)], (9100,), concurrency=4) == []
    assert 2 <= peak <= 4
