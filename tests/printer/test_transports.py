"""serial:// (pyserial) and file:// (a device file) transports against a printer on a pty, and a
plain file as the printer; USB without a device fails clearly."""

from __future__ import annotations

import pytest

from edge.printer.errors import PrinterUnreachable
from edge.printer.transports.base import Transport
from tests.support import wait_for as wait_until
from tests.printer.ptyprinter import PtyPrinter


@pytest.fixture
def pty_printer():
    printer = PtyPrinter().start()
    yield printer
    printer.stop()


@pytest.mark.parametrize("scheme", ["serial", "file"])
def test_a_printer_on_a_serial_line_or_device_file_confirms_jobs(pty_printer, core_factory, scheme):
    url = f"serial://{pty_printer.path}?baud=19200" if scheme == "serial" else f"file://{pty_printer.path}"
    core = core_factory({"dimsum": url})
    core.order("dimsum")
    core.order("dimsum")
    wait_until(core.all_printed, 10, f"printed over {scheme}")
    assert [t.cut for t in pty_printer.tickets] == [True, True]
    assert "水晶虾饺皇" in pty_printer.tickets[0].text
    assert core.service.spool.printer_states()["dimsum"]["state"] == "ok"


def test_a_plain_file_gets_the_bytes_but_is_never_called_printed(tmp_path, core_factory):
    target = tmp_path / "lp0"
    target.touch()
    core = core_factory({"dimsum": f"file://{target}"})
    core.order("dimsum")
    wait_until(lambda: core.jobs()[0]["unconfirmed"], 10, "job sent")
    job = core.jobs()[0]
    assert job["state"] == "sent" and "not confirmed" in job["last_error"]
    assert "水晶虾饺皇".encode("gb18030") in target.read_bytes()
    state = core.service.spool.printer_states()["dimsum"]
    assert state["state"] == "unknown" and state["confirms"] is False


def test_missing_device_files_and_usb_printers_are_unreachable_with_a_hint(tmp_path):
    with pytest.raises(PrinterUnreachable, match="is not there"):
        Transport.for_url(f"file://{tmp_path}/lp9").open()
    with pytest.raises(PrinterUnreachable, match="cannot be opened"):
        Transport.for_url(f"serial://{tmp_path}/ttyUSB9").open()
    with pytest.raises(PrinterUnreachable, match=r"USB 04b8:0e15 is not connected|libusb"):
        Transport.for_url("usb://04b8:0e15").open()


def test_stale_bytes_are_drained_before_the_status_query(pty_printer):
    import os

    os.write(pty_printer.master, b"\x00\x16stale")
    with Transport.for_url(f"file://{pty_printer.path}").open() as conn:
        assert conn.drain(0.2) == b"\x00\x16stale"
        conn.write(b"\x10\x04\x01")
        assert conn.read(1.0) == b"\x16"
