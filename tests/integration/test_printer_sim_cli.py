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


def run_once(out_dir, number: str) -> None:
    """Start `printer-sim --out out_dir`, print one kitchen ticket for order `number`, stop it."""
    proc = subprocess.Popen(
        [sys.executable, "-u", "-c", LAUNCH, "--port", "0", "--out", str(out_dir), "--name", "dimsum", "--no-png"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding="utf-8")
    try:
        port = int(re.search(r"listening on tcp://127\.0\.0\.1:(\d+)", proc.stdout.readline()).group(1))
        ticket = KitchenTicket(number, "dimsum", "点心", "dine_in", "12", "2026-11-25 12:03",
                               (TicketLine("虾饺", 1),), (), 7)
        TcpTransport("127.0.0.1", port, timeout=2.0).send(render_kitchen_ticket(ticket, get_profile("80mm-gb18030")))
        assert proc.stdout.readline().startswith("──── ticket")
    finally:
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err


def test_a_restarted_printer_sim_never_overwrites_a_ticket_it_received(tmp_path):
    run_once(tmp_path, "A001")
    run_once(tmp_path, "A008")  # the demo restarted: numbering continues after what is on disk
    texts = {f.name: f.read_text(encoding="utf-8") for f in sorted(tmp_path.glob("*.txt"))}
    assert list(texts) == ["0001-dimsum.txt", "0002-dimsum.txt"]
    assert "A001" in texts["0001-dimsum.txt"] and "A008" in texts["0002-dimsum.txt"]
    assert sorted(f.name for f in tmp_path.glob("*.bin")) == ["0001-dimsum.bin", "0002-dimsum.bin"]


def test_a_taken_ticket_number_is_skipped_not_overwritten(tmp_path):
    from edge.printer_sim.simulator import PrinterSimulator

    sim = PrinterSimulator("127.0.0.1", 0, tmp_path, "dimsum", png=False).start()
    try:
        (tmp_path / "0001-dimsum.txt").write_text("another simulator's ticket\n", encoding="utf-8")
        ticket = KitchenTicket("A002", "dimsum", "点心", "dine_in", "3", "2026-11-25 12:03",
                               (TicketLine("虾饺", 1),), (), 7)
        ticket_bytes = render_kitchen_ticket(ticket, get_profile("80mm-gb18030"))
        TcpTransport("127.0.0.1", sim.port, timeout=2.0).send(ticket_bytes)
        sim.wait_for_tickets(1, timeout=30)
    finally:
        sim.stop()
    assert (tmp_path / "0001-dimsum.txt").read_text(encoding="utf-8") == "another simulator's ticket\n"
    assert "A002" in (tmp_path / "0002-dimsum.txt").read_text(encoding="utf-8")
