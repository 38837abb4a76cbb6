"""printer-sim's control API (faults on command, tickets as text / PNG / bytes) and its CLI flags."""

from __future__ import annotations

import re
import signal
import socket
import subprocess
import sys

import pytest
import requests

from edge.printer.tickets import KitchenTicket, TicketLine, render_kitchen_ticket
from edge.printer.transports.tcp import TcpTransport
from edge.printer_profiles import get_profile
from edge.printer_sim.control import SimControl
from edge.printer_sim.simulator import PrinterSimulator

TICKET = KitchenTicket("A017", "dimsum", "点心", "dine_in", "12", "2026-11-25 12:03", (TicketLine("虾饺", 2),), (), 7)


def ask(port: int, query: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=2) as conn:
        conn.sendall(query)
        conn.settimeout(0.5)
        try:
            return conn.recv(16)
        except TimeoutError:
            return b""


@pytest.fixture
def controlled(tmp_path):
    sim = PrinterSimulator(port=0, out_dir=tmp_path, name="dimsum").start()
    control = SimControl(sim).start()
    yield sim, control.url
    control.stop()
    sim.stop()


def test_faults_on_command_change_status_replies(controlled):
    sim, url = controlled
    assert ask(sim.port, b"\x10\x04\x04") == b"\x12"
    assert requests.put(f"{url}/faults/paper-out", timeout=5).status_code == 204
    assert requests.get(f"{url}/status", timeout=5).json()["faults"] == ["paper-out"]
    assert ask(sim.port, b"\x10\x04\x04") == b"\x7e"
    assert ask(sim.port, b"\x1dr\x01") == b""  # held while out of paper
    requests.delete(f"{url}/faults/paper-out", timeout=5)
    requests.put(f"{url}/faults/no-reply", timeout=5)
    assert ask(sim.port, b"\x10\x04\x01") == b""
    requests.delete(f"{url}/faults/no-reply", timeout=5)
    assert ask(sim.port, b"\x10\x04\x01") == b"\x16"
    bad = requests.put(f"{url}/faults/on-fire", timeout=5)
    assert bad.status_code == 422 and "paper-out" in bad.json()["error"]["message"]


def test_tickets_as_text_png_and_bytes(controlled):
    sim, url = controlled
    data = render_kitchen_ticket(TICKET, get_profile("80mm-gb18030"))
    TcpTransport("127.0.0.1", sim.port).send(data)
    sim.wait_for_tickets(1)
    listing = requests.get(f"{url}/tickets", timeout=5).json()
    assert listing[0]["number"] == 1 and listing[0]["cut"] and "虾饺  ×2" in listing[0]["text"]
    assert requests.get(f"{url}/tickets/1.bin", timeout=5).content == data
    png = requests.get(f"{url}/tickets/last.png", timeout=5)
    assert png.headers["Content-Type"] == "image/png" and png.content.startswith(b"\x89PNG")
    assert requests.get(f"{url}/tickets/2.txt", timeout=5).status_code == 404


def test_power_off_refuses_and_restart_loses_what_was_held(controlled):
    sim, url = controlled
    requests.put(f"{url}/faults/power-off", timeout=5)
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", sim.port), timeout=1).close()
    requests.delete(f"{url}/faults/power-off", timeout=5)
    requests.put(f"{url}/faults/cover-open", timeout=5)
    TcpTransport("127.0.0.1", sim.port).send(render_kitchen_ticket(TICKET, get_profile("80mm-gb18030")))
    assert requests.get(f"{url}/status", timeout=5).json()["held"] >= 0
    assert requests.post(f"{url}/restart?down=0.1", timeout=5).status_code == 204
    requests.delete(f"{url}/faults/cover-open", timeout=5)
    assert sim.tickets == []


def test_printer_sim_command_with_control_port_and_a_starting_fault(tmp_path):
    launch = "from edge.printer_sim.cli import printer_sim; printer_sim()"
    proc = subprocess.Popen([sys.executable, "-u", "-c", launch, "--port", "0", "--control-port", "0",
                             "--fault", "cover-open", "--out", str(tmp_path)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding="utf-8")
    try:
        banner = proc.stdout.readline()
        port = int(re.search(r"tcp://127\.0\.0\.1:(\d+)", banner).group(1))
        control = re.search(r"control API (http://127\.0\.0\.1:\d+)", banner).group(1)
        assert requests.get(f"{control}/status", timeout=5).json()["faults"] == ["cover-open"]
        assert ask(port, b"\x10\x04\x02") == b"\x16"
    finally:
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=60)
    assert proc.returncode == 0
