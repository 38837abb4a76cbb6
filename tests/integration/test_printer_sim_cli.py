"""`printer-sim` as a process: listens, echoes decoded tickets, writes files, stops on Ctrl-C."""

import re
import signal
import subprocess
import sys

from edge.printer.tickets import KitchenTicket, TicketLine, render_kitchen_ticket
from edge.printer.transports.tcp import TcpTransport
from edge.printer_profiles import get_profile

LAUNCH = "from edge.printer_sim.cli import printer_sim; printer_sim()"


def test_printer_sim_command_prints_tickets_until_interrupted(tmp_path):
    proc = subprocess.Popen(
        [sys.executable, "-u", "-c", LAUNCH, "--port", "0", "--out", str(tmp_path), "--name", "dimsum"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding="utf-8")
    try:
        banner = proc.stdout.readline()
        port = int(re.search(r"listening on tcp://127\.0\.0\.1:(\d+)", banner).group(1))
        ticket = KitchenTicket("A017", "dimsum", "点心", "dine_in", "12", "2026-11-25 12:03",
                               (TicketLine("虾饺", 2),), (), 7)
        TcpTransport("127.0.0.1", port, timeout=2.0).send(render_kitchen_ticket(ticket, get_profile("80mm-gb18030")))
        echoed = [proc.stdout.readline() for _ in range(3)]
        assert echoed[0].startswith("──── ticket 0001 (cut,")
        assert echoed[1:] == ["点心\n", "桌 12               A017\n"]
    finally:
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert "stopping" in out
    assert (tmp_path / "0001-dimsum.txt").read_text(encoding="utf-8").startswith("点心\n桌 12")
