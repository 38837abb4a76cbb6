"""file:///PATH: a device file (the kernel's usblp driver /dev/usb/lpN, a tty) or any writable file."""

from __future__ import annotations

import os
import select
import time

from edge.printer.errors import PrinterUnreachable
from edge.printer.transports.base import Connection, register
from edge.printer_urls import PrinterAddress


@register("file")
class FileConnection(Connection):
    """A device file (/dev/usb/lp0, a tty) or a plain file; replies only where the device has them."""

    def __init__(self, address: PrinterAddress, timeout: float) -> None:
        super().__init__(f"printer at {address.path}", timeout)
        try:
            self.fd = os.open(address.path, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK | os.O_APPEND)
        except FileNotFoundError:
            raise PrinterUnreachable(f"{self.where} is not there (unplugged? see `ls /dev/usb/`)") from None
        except PermissionError:
            raise PrinterUnreachable(f"{self.where}: permission denied (is this user in group lp?)") from None
        except OSError as error:
            raise PrinterUnreachable(f"{self.where} cannot be opened: {error.strerror or error}") from None
        import stat

        mode = os.fstat(self.fd).st_mode
        self.can_read = stat.S_ISCHR(mode) or stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode)
        if os.isatty(self.fd):  # a serial line behind a device file: raw bytes, no echo
            import termios
            import tty

            tty.setraw(self.fd, termios.TCSANOW)

    def _write(self, data: bytes) -> None:
        view, deadline = memoryview(data), time.monotonic() + self.timeout
        while view:
            try:
                _, ready, _ = select.select([], [self.fd], [], max(0.0, deadline - time.monotonic()))
                if not ready:
                    raise PrinterUnreachable(
                        f"{self.where} stopped taking data for {self.timeout:g} s (paper out or cover open?)")
                written = os.write(self.fd, view)
            except BlockingIOError:
                continue
            except OSError as error:
                raise PrinterUnreachable(f"{self.where} failed while printing: {error.strerror or error}") from None
            view = view[written:]
            deadline = time.monotonic() + self.timeout

    def _read(self, timeout: float) -> bytes:
        try:
            ready, _, _ = select.select([self.fd], [], [], timeout)
            return os.read(self.fd, 4096) if ready else b""
        except BlockingIOError:
            return b""
        except OSError as error:
            raise PrinterUnreachable(f"{self.where} failed: {error.strerror or error}") from None

    def close(self) -> None:
        os.close(self.fd)
