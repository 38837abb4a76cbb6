"""Printer urls: every supported form, and clear errors for the rest."""

import subprocess
import sys

import pytest

from edge.config import ConfigError, parse_config
from edge.printer_urls import PrinterAddress, parse_printer_url


@pytest.mark.parametrize(("url", "parsed"), [
    ("tcp://192.168.1.50:9101", PrinterAddress("tcp", host="192.168.1.50", port=9101)),
    ("tcp://kitchen-printer", PrinterAddress("tcp", host="kitchen-printer", port=9100)),
    (" tcp://[::1]:9100/ ", PrinterAddress("tcp", host="::1", port=9100)),
    ("usb://04b8:0e15", PrinterAddress("usb", vendor=0x04B8, product=0x0E15)),
    ("usb://0x0416:0x5011?interface=0&out_ep=0x03", PrinterAddress("usb", vendor=0x0416, product=0x5011)),
    ("serial:///dev/ttyUSB0?baud=9600", PrinterAddress("serial", path="/dev/ttyUSB0", baud=9600)),
    ("serial:///dev/serial/by-id/usb-Prolific-if00?baud=115200&flow=rtscts",
     PrinterAddress("serial", path="/dev/serial/by-id/usb-Prolific-if00", baud=115200)),
    ("serial:///dev/ttyS0", PrinterAddress("serial", path="/dev/ttyS0", baud=9600)),
    ("file:///dev/usb/lp0", PrinterAddress("file", path="/dev/usb/lp0")),
])
def test_valid_urls(url, parsed):
    assert parse_printer_url(url) == parsed


def test_usb_and_serial_options_are_kept():
    assert parse_printer_url("usb://0416:5011?out_ep=0x03").options == {"out_ep": 3}
    assert parse_printer_url("serial:///dev/ttyUSB0?flow=xonxoff").options == {"flow": "xonxoff"}


@pytest.mark.parametrize(("url", "reason"), [
    ("lpt://1", "scheme 'lpt', which is not supported"),
    ("192.168.1.50:9100", "is not supported"),
    ("tcp://:9100", "has no host"),
    ("tcp://printer:99999", "is not valid"),
    ("tcp://printer:0", "port 0"),
    ("tcp://printer:9100/queue?x=1", "cannot have"),
    ("usb://04b8", "vendor and product"),
    ("usb://zz:0e15", "hexadecimal"),
    ("usb://04b8:0e15?speed=9", "unknown option"),
    ("serial://dev/ttyUSB0", "absolute device path"),
    ("serial:///dev/ttyUSB0?baud=9601", "baud '9601'"),
    ("serial:///dev/ttyUSB0?flow=cts", "flow 'cts'"),
    ("file://lp0", "absolute device path"),
    ("file:///", "absolute device path"),
])
def test_invalid_urls_say_what_is_accepted(url, reason):
    with pytest.raises(ValueError, match=reason) as error:
        parse_printer_url(url)
    assert "tcp://HOST:PORT" in str(error.value) and "serial:///dev/ttyUSB0?baud=9600" in str(error.value)


def test_bad_url_or_profile_is_a_config_error():
    with pytest.raises(ConfigError, match="scheme 'lpt'"):
        parse_config('[printers.k]\nurl = "lpt://1"\n', environ={})
    with pytest.raises(ConfigError, match="unknown printer profile '80mm'; valid profiles: 58mm-gb18030"):
        parse_config('[printers.k]\nurl = "tcp://a"\nprofile = "80mm"\n', environ={})
    config = parse_config('[printers.k]\nurl = "tcp://a"\nbackup = "b"\n[printers.b]\nurl = "file:///dev/usb/lp0"\n',
                          environ={})
    assert config.printers["k"].backup == "b"


def test_importing_the_printer_layer_does_not_import_escpos_serial_usb_or_pil():
    code = ("import sys, edge.printer.tickets, edge.printer_sim.simulator, edge.printer.transports,"
            " edge.printer.spool; sys.exit(1 if {'escpos', 'serial', 'usb', 'PIL'} & set(sys.modules) else 0)")
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0


def test_every_url_scheme_has_a_transport():
    from edge.printer.transports.base import CONNECTIONS
    from edge.printer_urls import SCHEMES

    assert sorted(CONNECTIONS) == sorted(SCHEMES)
