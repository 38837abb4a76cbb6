"""Sending bytes to a network printer (raw TCP, "JetDirect", port 9100).

One connection per job: connect (with a timeout), send everything, shut down our side, close.
Every failure becomes `PrinterUnreachable` with a message a cashier or technician can act on.
USB and serial transports, status queries before sending and completion by `GS r 1` belong to
the spool's later work; they will sit beside `TcpTransport` with the same `send()`.
"""

from __future__ import annotations

import socket
from urllib.parse import urlsplit

from edge.printer.errors import PrinterUnreachable

DEFAULT_PORT = 9100
URL_HELP = "use tcp://HOST:PORT, e.g. tcp://192.168.1.50:9100 (the port defaults to 9100)"


def parse_printer_url(url: str) -> tuple[str, str, int]:
    """'tcp://host[:port]' -> ('tcp', host, port); ValueError saying what is accepted otherwise."""
    try:
        parts = urlsplit(url.strip())
        if parts.scheme != "tcp":
            raise ValueError(f"printer url {url!r}: scheme {parts.scheme or '(none)'!r} is not supported; {URL_HELP}")
        port = parts.port
    except ValueError as error:
        if URL_HELP in str(error):
            raise
        raise ValueError(f"printer url {url!r} is not valid ({error}); {URL_HELP}") from None
    if not parts.hostname:
        raise ValueError(f"printer url {url!r} has no host; {URL_HELP}")
    if parts.path not in ("", "/") or parts.query or parts.fragment or parts.username:
        raise ValueError(f"printer url {url!r} has parts a printer address cannot have; {URL_HELP}")
    if port == 0:
        raise ValueError(f"printer url {url!r}: port 0 is not a printer port; {URL_HELP}")
    return "tcp", parts.hostname, port or DEFAULT_PORT


class TcpTransport:
    """A printer listening on raw TCP."""

    def __init__(self, host: str, port: int = DEFAULT_PORT, timeout: float = 4.0) -> None:
        self.host = host
        self.port = port
        self.timeout = timeout

    @property
    def address(self) -> str:
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"

    def send(self, data: bytes) -> None:
        """Deliver `data` to the printer; PrinterUnreachable when it cannot be done."""
        where = f"printer at {self.address}"
        try:
            conn = socket.create_connection((self.host, self.port), timeout=self.timeout)
        except ConnectionRefusedError:
            raise PrinterUnreachable(f"{where} refused the connection (is it on, and is this the right port?)") from None
        except TimeoutError:
            raise PrinterUnreachable(f"{where} did not answer within {self.timeout:g} s") from None
        except socket.gaierror as error:
            raise PrinterUnreachable(f"printer host {self.host!r} could not be found ({error.strerror})") from None
        except OSError as error:
            raise PrinterUnreachable(f"{where} cannot be reached: {error.strerror or error}") from None
        with conn:
            try:
                conn.sendall(data)
                conn.shutdown(socket.SHUT_WR)
            except TimeoutError:
                raise PrinterUnreachable(
                    f"{where} stopped taking data for {self.timeout:g} s (paper out or cover open?)") from None
            except OSError as error:
                raise PrinterUnreachable(
                    f"{where} dropped the connection while printing: {error.strerror or error}") from None
