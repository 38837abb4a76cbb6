"""What every printer transport provides: a `Connection` (one open channel to a printer),
`Transport` (how to reach one printer) and the registry of url scheme -> connection class.

A `Transport` opens one `Connection` per job: `write()`, `read(timeout)` (the printer's replies;
b"" when none came), `close()`. Every failure becomes `PrinterUnreachable` with a message staff
can act on. Each scheme's module (`tcp`, `usb`, `serial`, `file`) registers its connection
class with `@register(scheme)`; the package imports them all, so `Transport.open()` finds any
scheme `edge.printer_urls` accepts. This module imports none of them.
"""

from __future__ import annotations

from collections.abc import Callable

from edge.printer_urls import PrinterAddress, parse_printer_url

CONNECTIONS: dict[str, type[Connection]] = {}


def register(scheme: str) -> Callable[[type[Connection]], type[Connection]]:
    """Class decorator: `scheme://` urls are reached through this connection class."""

    def add(cls: type[Connection]) -> type[Connection]:
        CONNECTIONS[scheme] = cls
        return cls

    return add


class Connection:
    """One open channel to a printer. Subclasses implement `_write`, `_read`, `close`."""

    can_read = True  # False: the channel has no way back (a plain file): status is unknown

    def __init__(self, where: str, timeout: float) -> None:
        self.where, self.timeout = where, timeout

    @staticmethod
    def line_bytes_per_s(address: PrinterAddress) -> float | None:
        """How fast bytes can go out when the line sets the pace (None: the printer does)."""
        return None

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

    def finish_sending(self) -> None:
        """Our side is done (one-shot sends): channels that can say so tell the printer."""

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
        return CONNECTIONS[self.address.scheme].line_bytes_per_s(self.address)

    def open(self) -> Connection:
        return CONNECTIONS[self.address.scheme](self.address, self.timeout)

    def send(self, data: bytes) -> None:
        """Deliver `data` without asking anything back (tools and tests)."""
        with self.open() as conn:
            conn.write(data)
            conn.finish_sending()
