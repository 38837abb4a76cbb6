"""Printer transports, one module per url scheme (`tcp`, `usb`, `serial`, `file`; the url forms
are in `edge.printer_urls`). `base` holds the `Connection` contract, `Transport` and the scheme
registry; importing this package imports every scheme module, which registers itself there.
pyserial and pyusb are imported only when such a printer is used."""

from edge.printer.transports import base, file, serial, tcp, usb  # noqa: F401  (each registers its scheme)
