"""tcp://HOST:PORT: a network printer on raw TCP ("JetDirect", port 9100)."""

from __future__ import annotations

import select
import socket

from edge.printer.errors import PrinterUnreachable
from edge.printer.transports.base import Connection, Transport, register
from edge.printer_urls import DEFAULT_PORT, PrinterAddress


@register("tcp")
class TcpConnection(Connection):
    """A TCP socket to the printer; its replies come back on the same socket."""

    def __init__(self, address: PrinterAddress, timeout: float) -> None:
        super().__init__(f"printer at {address}", timeout)
        try:
            self.sock = socket.create_connection((address.host, address.port), timeout=timeout)
        except ConnectionRefusedError:
            raise PrinterUnreachable(f"{self.where} refused the connection"
                                     " (is it on, and is this the right port?)") from None
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


class TcpTransport(Transport):
    """A printer listening on raw TCP."""

    def __init__(self, host: str, port: int = DEFAULT_PORT, timeout: float = 4.0) -> None:
        super().__init__(PrinterAddress("tcp", host=host, port=port), timeout)
        self.host, self.port = host, port
