"""serial:///dev/ttyUSB0?baud=9600: a serial or USB-serial printer (pyserial, imported only when used)."""

from __future__ import annotations

from edge.printer.errors import PrinterUnreachable
from edge.printer.transports.base import Connection, register
from edge.printer_urls import PrinterAddress


@register("serial")
class SerialConnection(Connection):
    """A serial line through pyserial, at the url's baud rate and flow control."""

    def __init__(self, address: PrinterAddress, timeout: float) -> None:
        super().__init__(f"printer at {address}", timeout)
        try:
            import serial
        except ImportError:
            raise PrinterUnreachable("serial printers need pyserial: pip install pyserial") from None
        flow, self.baud = address.options.get("flow", "none"), address.baud
        try:
            self.port = serial.Serial(address.path, address.baud, timeout=0, write_timeout=timeout,
                                      rtscts=flow == "rtscts", xonxoff=flow == "xonxoff")
        except (serial.SerialException, OSError) as error:
            raise PrinterUnreachable(f"{self.where} cannot be opened: {error}") from None
        self._error = serial.SerialException

    @staticmethod
    def line_bytes_per_s(address: PrinterAddress) -> float | None:
        return address.baud / 10 * 0.9  # 10 bits a byte on the line, a little slack

    def _write(self, data: bytes) -> None:
        try:
            self.port.write_timeout = self.timeout + len(data) * 10 / self.baud  # the line sets the pace
            self.port.write(data)
            self.port.flush()
        except Exception as error:  # SerialTimeoutException, SerialException, OSError
            if "timeout" in type(error).__name__.lower():
                raise PrinterUnreachable(
                    f"{self.where} stopped taking data for {self.timeout:g} s (paper out or cover open?)") from None
            raise PrinterUnreachable(f"{self.where} failed while printing: {error}") from None

    def _read(self, timeout: float) -> bytes:
        try:
            self.port.timeout = timeout
            first = self.port.read(1)
            if not first:
                return b""
            self.port.timeout = 0
            return first + self.port.read(self.port.in_waiting or 0)
        except (self._error, OSError) as error:
            raise PrinterUnreachable(f"{self.where} failed: {error}") from None

    def close(self) -> None:
        self.port.close()
