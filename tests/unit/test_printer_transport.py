"""Printer urls and profile lookup."""

import subprocess
import sys

import pytest

from edge.printer.transport import parse_printer_url


@pytest.mark.parametrize(("url", "parsed"), [
    ("tcp://192.168.1.50:9101", ("tcp", "192.168.1.50", 9101)),
    ("tcp://kitchen-printer", ("tcp", "kitchen-printer", 9100)),
    (" tcp://[::1]:9100/ ", ("tcp", "::1", 9100)),
])
def test_valid_urls(url, parsed):
    assert parse_printer_url(url) == parsed


@pytest.mark.parametrize(("url", "reason"), [
    ("usb://0x0416:0x5011", "scheme 'usb' is not supported"),
    ("192.168.1.50:9100", "is not supported"),
    ("tcp://:9100", "has no host"),
    ("tcp://printer:99999", "is not valid"),
    ("tcp://printer:0", "port 0"),
    ("tcp://printer:9100/queue?x=1", "cannot have"),
])
def test_invalid_urls_say_what_is_accepted(url, reason):
    with pytest.raises(ValueError, match=reason) as error:
        parse_printer_url(url)
    assert "tcp://HOST:PORT" in str(error.value)


def test_importing_the_printer_layer_does_not_import_escpos():
    code = ("import sys, edge.printer.tickets, edge.printer.sim, edge.printer.transport; "
            "sys.exit(1 if 'escpos' in sys.modules else 0)")
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0
