"""The printer simulator over real TCP on 127.0.0.1, fed by the real transport."""

import dataclasses
import socket
import time

import pytest

from edge.printer.errors import PrinterUnreachable
from edge.printer.tickets import KitchenTicket, TicketLine, render_kitchen_ticket
from edge.printer.transports.tcp import TcpTransport
from edge.printer_profiles import get_profile
from edge.printer_sim.simulator import PrinterSimulator
from edge.printer_urls import parse_printer_url
from tests.support import free_port

TICKET = KitchenTicket(
    ticket_no="A017", station_code="dimsum", station_name="点心", service="dine_in", table="12",
    placed_at="2026-11-25 12:03", lines=(TicketLine("虾饺", 2, ("大",), ("少辣",)),),
    order_notes=(), station_seq=7)
HOT = dataclasses.replace(TICKET, station_code="hot", station_name="热菜", ticket_no="A018", service="takeaway",
                          table=None, lines=(TicketLine("干炒牛河", 1, (), ("走葱",)),), station_seq=3)


@pytest.fixture
def sim(tmp_path):
    simulator = PrinterSimulator(port=0, out_dir=tmp_path / "out").start()
    yield simulator
    simulator.stop()


def test_two_tickets_over_tcp_are_decoded_and_written(sim, tmp_path):
    first = render_kitchen_ticket(TICKET, get_profile("80mm-gb18030"))
    second = render_kitchen_ticket(HOT, get_profile("58mm-gbk"))
    transport = TcpTransport("127.0.0.1", sim.port, timeout=2.0)
    transport.send(first)
    transport.send(second)

    one, two = sim.wait_for_tickets(2, timeout=5.0)
    assert "桌 12" in one.text and "A017" in one.text and "虾饺  ×2" in one.text and "  * 少辣" in one.text
    assert one.cut and one.raw == first
    assert two.text.splitlines()[1] == "外带        A018"  # 16 big cells on 58 mm paper
    assert "干炒牛河  ×1" in two.text and "  * 走葱" in two.text and "#0003" in two.text
    assert not two.cut and two.raw == second

    out = tmp_path / "out"
    assert sorted(p.name for p in out.iterdir()) == ["0001-点心.bin", "0001-点心.png", "0001-点心.txt",
                                                     "0002-热菜.bin", "0002-热菜.png", "0002-热菜.txt"]
    assert (out / "0001-点心.png").read_bytes().startswith(b"\x89PNG")
    assert (out / "0001-点心.txt").read_text(encoding="utf-8") == one.text + "\n"
    assert (out / "0002-热菜.bin").read_bytes() == second


def test_a_job_without_cut_or_reset_ends_when_the_connection_closes(tmp_path):
    with PrinterSimulator(port=0, out_dir=tmp_path, name="kitchen") as sim:
        TcpTransport("127.0.0.1", sim.port).send(b"\x1b@plain text job\n")
        (ticket,) = sim.wait_for_tickets(1, timeout=5.0)
    assert ticket.text == "plain text job" and not ticket.cut
    assert (tmp_path / "0001-kitchen.txt").exists()


@pytest.mark.parametrize(("query", "reply"), [
    (b"\x10\x04\x01", b"\x16"), (b"\x10\x04\x04", b"\x12"), (b"\x1dr\x01", b"\x00")])
def test_status_query_gets_a_one_byte_reply(sim, query, reply):
    with socket.create_connection(("127.0.0.1", sim.port), timeout=2.0) as conn:
        conn.sendall(query)
        assert conn.recv(16) == reply
    assert sim.tickets == []


def test_status_query_after_a_ticket_on_the_same_connection(sim):
    data = render_kitchen_ticket(TICKET, get_profile("80mm-gb18030"))
    with socket.create_connection(("127.0.0.1", sim.port), timeout=2.0) as conn:
        conn.sendall(data + b"\x1dr\x01")
        assert conn.recv(16) == b"\x00"
    assert len(sim.wait_for_tickets(1, timeout=2.0)) == 1


def test_unreachable_printer_fails_fast_with_a_clear_message():
    port = free_port()
    address = parse_printer_url(f"tcp://127.0.0.1:{port}")
    host, port = address.host, address.port
    started = time.monotonic()
    with pytest.raises(PrinterUnreachable, match=rf"printer at 127\.0\.0\.1:{port} refused the connection"):
        TcpTransport(host, port, timeout=4.0).send(b"\x1b@x\n")
    assert time.monotonic() - started < 1.0


def test_wait_for_tickets_times_out_with_the_count(sim):
    with pytest.raises(TimeoutError, match="got 0 of 1"):
        sim.wait_for_tickets(1, timeout=0.2)


def test_stopped_simulator_refuses_connections():
    sim = PrinterSimulator(port=0).start()
    port = sim.port
    sim.stop()
    with pytest.raises(PrinterUnreachable, match="refused"):
        TcpTransport("127.0.0.1", port, timeout=1.0).send(b"x")
