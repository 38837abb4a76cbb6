"""Printer urls: the forms `[printers.NAME] url = ...` may take, and the address each names (pure).

    tcp://192.168.1.50:9100            network printer, raw TCP ("JetDirect"); port defaults to 9100
    usb://04b8:0e15                    USB printer by vendor:product id (hex, as lsusb shows them),
                                       through libusb (pyusb); ?interface=0&in_ep=0x82&out_ep=0x01
    serial:///dev/ttyUSB0?baud=9600    serial or USB-serial printer (pyserial); &flow=rtscts|xonxoff
    file:///dev/usb/lp0                a device file: the kernel's usblp driver (/dev/usb/lpN,
                                       /dev/matou-printer-*) or any writable file

`parse_printer_url` turns a url into a `PrinterAddress`, or a ValueError saying what is accepted.
The configuration checks every printer url with it when it is loaded; the transports that
carry bytes to each kind of address are in `edge.printer.transports`, one module per scheme.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import parse_qs, unquote, urlsplit

DEFAULT_PORT = 9100
DEFAULT_BAUD = 9600
SCHEMES = ("tcp", "usb", "serial", "file")
URL_HELP = ("use tcp://HOST:PORT (e.g. tcp://192.168.1.50:9100, the port defaults to 9100), "
            "usb://VID:PID (e.g. usb://04b8:0e15), serial:///dev/ttyUSB0?baud=9600 or file:///dev/usb/lp0")
BAUDS = (1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200)


@dataclass(frozen=True)
class PrinterAddress:
    scheme: str
    host: str = ""
    port: int = 0
    path: str = ""
    vendor: int = 0
    product: int = 0
    baud: int = DEFAULT_BAUD
    options: dict = field(default_factory=dict, compare=False, hash=False)

    def __str__(self) -> str:
        if self.scheme == "tcp":
            host = f"[{self.host}]" if ":" in self.host else self.host
            return f"{host}:{self.port}"
        if self.scheme == "usb":
            return f"USB {self.vendor:04x}:{self.product:04x}"
        if self.scheme == "serial":
            return f"{self.path} at {self.baud} baud"
        return self.path


def _bad(url: str, problem: str) -> ValueError:
    return ValueError(f"printer url {url!r} {problem}; {URL_HELP}")


def _hex_id(url: str, text: str) -> int:
    try:
        value = int(text, 16)
    except ValueError:
        raise _bad(url, f"has {text!r} where a hexadecimal USB id belongs") from None
    if not 0 < value <= 0xFFFF:
        raise _bad(url, f"has USB id {text!r} outside 0001-ffff")
    return value


def parse_printer_url(url: str) -> PrinterAddress:
    """The address in `url`; a ValueError saying what is accepted otherwise."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port if parts.scheme == "tcp" else None
    except ValueError as error:
        raise _bad(url, f"is not valid ({error})") from None
    if parts.scheme not in SCHEMES:
        raise _bad(url, f"has scheme {parts.scheme or '(none)'!r}, which is not supported")
    if parts.fragment or parts.username or parts.password:
        raise _bad(url, "has parts a printer address cannot have")
    query = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
    if parts.scheme == "tcp":
        if not parts.hostname:
            raise _bad(url, "has no host")
        if parts.path not in ("", "/") or parts.query:
            raise _bad(url, "has parts a printer address cannot have")
        if port == 0:
            raise _bad(url, "has port 0, which is not a printer port")
        return PrinterAddress("tcp", host=parts.hostname, port=port or DEFAULT_PORT)
    if parts.scheme == "usb":
        ids = (parts.netloc + parts.path).strip("/")
        vendor, sep, product = ids.partition(":")
        if not sep or not vendor or not product:
            raise _bad(url, "needs the vendor and product id")
        unknown = set(query) - {"interface", "in_ep", "out_ep"}
        if unknown:
            raise _bad(url, f"has unknown option {sorted(unknown)[0]!r}")
        options = {k: int(v, 0) for k, v in query.items()}
        return PrinterAddress("usb", vendor=_hex_id(url, vendor.lower().removeprefix("0x")),
                              product=_hex_id(url, product.lower().removeprefix("0x")), options=options)
    path = unquote(parts.path)
    if parts.netloc or not path.startswith("/") or path == "/":
        raise _bad(url, "needs an absolute device path after three slashes")
    if parts.scheme == "file":
        if parts.query:
            raise _bad(url, "has parts a printer address cannot have")
        return PrinterAddress("file", path=path)
    unknown = set(query) - {"baud", "flow"}
    if unknown:
        raise _bad(url, f"has unknown option {sorted(unknown)[0]!r}")
    baud_text = query.get("baud", str(DEFAULT_BAUD))
    if not baud_text.isdigit() or int(baud_text) not in BAUDS:
        raise _bad(url, f"has baud {baud_text!r}; use one of {', '.join(map(str, BAUDS))}")
    flow = query.get("flow", "none")
    if flow not in ("none", "rtscts", "xonxoff"):
        raise _bad(url, f"has flow {flow!r}; use none, rtscts or xonxoff")
    return PrinterAddress("serial", path=path, baud=int(baud_text), options={"flow": flow})
