"""Printer addresses and the connections that carry bytes to printers and their replies back.

Printer urls (`[printers.NAME] url = ...`):

    tcp://192.168.1.50:9100            network printer, raw TCP ("JetDirect"); port defaults to 9100
    usb://04b8:0e15                    USB printer by vendor:product id (hex, as lsusb shows them),
                                       through libusb (pyusb); ?interface=0&in_ep=0x82&out_ep=0x01
    serial:///dev/ttyUSB0?baud=9600    serial or USB-serial printer (pyserial); &flow=rtscts|xonxoff
    file:///dev/usb/lp0                a device file: the kernel's usblp driver (/dev/usb/lpN,
                                       /dev/matou-printer-*) or any writable file

A `Transport` opens one `Connection` per job: `write()`, `read(timeout)` (the printer's replies;
b"" when none came), `close()`. Every failure becomes `PrinterUnreachable` with a message staff
can act on. TCP is here; device files, serial and USB are in `devices` (pyserial and pyusb are
imported only when such a printer is used).
"""

from __future__ import annotations

import select
import socket
from dataclasses import dataclass, field
from urllib.parse import parse_qs, unquote, urlsplit

from edge.printer.errors import PrinterUnreachable

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


class Connection:
    """One open channel to a printer. Subclasses implement `_write`, `_read`, `close`."""

    can_read = True  # False: the channel has no way back (a plain file): status is unknown

    def __init__(self, where: str, timeout: float) -> None:
        self.where, self.timeout = where, timeout

    def write(self, data: bytes) -> None:
        self._write(data)

    def read(self, timeout: float) -> bytes:
        """Whatever the printer sent within `timeout` s (returns as soon as something came)."""
        return self._read(max(0.0, timeout)) if self.can_read else b""

    def drain(self, grace: float = 0.0) -> bytes:
        """Read and drop stale bytes (replies meant for someone else, late status)."""
        stale = b""
        while self.can_read:
            chunk = self._read(grace)
            if not chunk:
                return stale
            stale += chunk
            grace = 0.0
        return stale

    def close(self) -> None:  # pragma: no cover - every subclass overrides
        pass

    def __enter__(self) -> Connection:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _write(self, data: bytes) -> None:  # pragma: no cover
        raise NotImplementedError

    def _read(self, timeout: float) -> bytes:  # pragma: no cover
        raise NotImplementedError


class TcpConnection(Connection):
    def __init__(self, address: PrinterAddress, timeout: float) -> None:
        super().__init__(f"printer at {address}", timeout)
        try:
            self.sock = socket.create_connection((address.host, address.port), timeout=timeout)
        except ConnectionRefusedError:
            raise PrinterUnreachable(f"{self.where} refused the connection (is it on, and is this the right port?)") from None
        except TimeoutError:
            raise PrinterUnreachable(f"{self.where} did not answer within {timeout:g} s") from None
        except socket.gaierror as error:
            raise PrinterUnreachable(f"printer host {address.host!r} could not be found ({error.strerror})") from None
        except OSError as error:
            raise PrinterUnreachable(f"{self.where} cannot be reached: {error.strerror or error}") from None
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def _write(self, data: bytes) -> None:
        try:
            self.sock.sendall(data)
        except TimeoutError:
            raise PrinterUnreachable(
                f"{self.where} stopped taking data for {self.timeout:g} s (paper out or cover open?)") from None
        except OSError as error:
            raise PrinterUnreachable(f"{self.where} dropped the connection: {error.strerror or error}") from None

    def _read(self, timeout: float) -> bytes:
        try:
            ready, _, _ = select.select([self.sock], [], [], timeout)
            if not ready:
                return b""
            data = self.sock.recv(4096)
        except OSError as error:
            raise PrinterUnreachable(f"{self.where} dropped the connection: {error.strerror or error}") from None
        if not data:
            raise PrinterUnreachable(f"{self.where} closed the connection")
        return data

    def finish_sending(self) -> None:
        """Our side is done (used by one-shot sends): the printer sees the end of the job."""
        try:
            self.sock.shutdown(socket.SHUT_WR)
        except OSError as error:
            raise PrinterUnreachable(f"{self.where} dropped the connection: {error.strerror or error}") from None

    def close(self) -> None:
        self.sock.close()


def _connection_class(scheme: str) -> type[Connection]:
    if scheme == "tcp":
        return TcpConnection
    from edge.printer import devices

    return {"file": devices.FileConnection, "serial": devices.SerialConnection, "usb": devices.UsbConnection}[scheme]


class Transport:
    """How to reach one printer; `open()` gives a fresh connection (one job at a time)."""

    def __init__(self, address: PrinterAddress, timeout: float = 4.0) -> None:
        self.address, self.timeout = address, timeout

    @classmethod
    def for_url(cls, url: str, timeout: float = 4.0) -> Transport:
        return cls(parse_printer_url(url), timeout)

    @property
    def bytes_per_s(self) -> float | None:
        """How fast bytes can go out, when the line sets the pace (serial: baud / 10)."""
        return self.address.baud / 10 * 0.9 if self.address.scheme == "serial" else None

    def open(self) -> Connection:
        return _connection_class(self.address.scheme)(self.address, self.timeout)

    def send(self, data: bytes) -> None:
        """Deliver `data` without asking anything back (tools and tests)."""
        with self.open() as conn:
            conn.write(data)
            if isinstance(conn, TcpConnection):
                conn.finish_sending()


class TcpTransport(Transport):
    """A printer listening on raw TCP."""

    def __init__(self, host: str, port: int = DEFAULT_PORT, timeout: float = 4.0) -> None:
        super().__init__(PrinterAddress("tcp", host=host, port=port), timeout)
        self.host, self.port = host, port
