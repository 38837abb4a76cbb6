"""usb://VID:PID: a USB printer through libusb (pyusb, imported only when used)."""

from __future__ import annotations

from edge.printer.errors import PrinterUnreachable
from edge.printer.transports.base import Connection, register
from edge.printer_urls import PrinterAddress


@register("usb")
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
            raise PrinterUnreachable(f"{self.where} cannot be used: {error}"
                                     " (permissions: udev rule, group lp)") from None

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
