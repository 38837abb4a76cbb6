"""Connections to printers on this machine: device files (/dev/usb/lp*, ttys), serial lines
(pyserial) and USB (pyusb / libusb). Same contract as `transport.TcpConnection`."""

from __future__ import annotations

import os
import select
import time

from edge.printer.errors import PrinterUnreachable
from edge.printer.transport import Connection, PrinterAddress


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


class SerialConnection(Connection):
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


class UsbConnection(Connection):
    """libusb through pyusb. The device is not reset (that would drop a job still printing)."""

    def __init__(self, address: PrinterAddress, timeout: float) -> None:
        super().__init__(f"printer at {address}", timeout)
        try:
            import usb.core
            import usb.util
        except ImportError:
            raise PrinterUnreachable("USB printers need pyusb (and libusb-1.0-0): pip install pyusb") from None
        self._usb = usb
        try:
            device = usb.core.find(idVendor=address.vendor, idProduct=address.product)
        except usb.core.NoBackendError:
            raise PrinterUnreachable("USB printing needs libusb: apt-get install libusb-1.0-0") from None
        if device is None:
            raise PrinterUnreachable(f"{self.where} is not connected (check the cable and `lsusb`)")
        self.device, self.interface = device, address.options.get("interface", 0)
        try:
            if device.is_kernel_driver_active(self.interface):
                device.detach_kernel_driver(self.interface)
        except (NotImplementedError, usb.core.USBError):
            pass
        try:
            try:
                device.get_active_configuration()
            except usb.core.USBError:
                device.set_configuration()
            usb.util.claim_interface(device, self.interface)
            intf = device.get_active_configuration()[(self.interface, 0)]
        except usb.core.USBError as error:
            raise PrinterUnreachable(f"{self.where} cannot be used: {error} (permissions: udev rule, group lp)") from None

        def endpoint(direction: int, given: int | None) -> int | None:
            if given is not None:
                return given
            for ep in intf:
                if usb.util.endpoint_direction(ep.bEndpointAddress) == direction:
                    return ep.bEndpointAddress
            return None

        self.out_ep = endpoint(usb.util.ENDPOINT_OUT, address.options.get("out_ep"))
        self.in_ep = endpoint(usb.util.ENDPOINT_IN, address.options.get("in_ep"))
        if self.out_ep is None:
            raise PrinterUnreachable(f"{self.where} has no output endpoint: is it a printer?")
        self.can_read = self.in_ep is not None

    def _write(self, data: bytes) -> None:
        try:
            self.device.write(self.out_ep, data, int((self.timeout + len(data) / 2000) * 1000))
        except self._usb.core.USBTimeoutError:
            raise PrinterUnreachable(
                f"{self.where} stopped taking data for {self.timeout:g} s (paper out or cover open?)") from None
        except self._usb.core.USBError as error:
            raise PrinterUnreachable(f"{self.where} failed while printing: {error}") from None

    def _read(self, timeout: float) -> bytes:
        try:
            return bytes(self.device.read(self.in_ep, 64, max(1, int(timeout * 1000))))
        except self._usb.core.USBTimeoutError:
            return b""
        except self._usb.core.USBError as error:
            raise PrinterUnreachable(f"{self.where} failed: {error}") from None

    def close(self) -> None:
        try:
            self._usb.util.release_interface(self.device, self.interface)
            self._usb.util.dispose_resources(self.device)
        except self._usb.core.USBError:
            pass
