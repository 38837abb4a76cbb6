"""Incremental ESC/POS decoder: a byte stream in, printed tickets (as text) and status replies out.

Pure: no I/O. `EscPosDecoder.feed(data)` returns, in stream order, each `DecodedTicket`
completed by `data` and each `StatusReply` a printer would send back (the simulator writes
those to the socket). Command lengths come from `escpos_commands`; a command split across
chunks waits for its remaining bytes, image data is skipped without being buffered.

Where a ticket ends:
- at a cut (`GS V`, any form): the ticket, including the cut, with `cut=True`;
- at `ESC @` after printed content (a tear-off printer's ticket, see `edge.printer.builder`), `cut=False`;
  the `ESC @` is the last of that ticket's raw bytes, so our own tickets round-trip exactly;
- at `flush()` (end of stream, e.g. the connection closed) when content is pending, `cut=False`;
- when a ticket grows past `MAX_TICKET_BYTES` (hostile stream), with a warning.
Content is printable text or an image/barcode/QR; a cut with no content ends nothing.

Text: in Chinese mode (`FS &` ... `FS .`) bytes >= 0x81 start a GB18030 double- or four-byte
character (GBK is a subset); otherwise bytes are code page 437. Sizes, bold and inversion are
dropped (plain text); alignment is not reproduced. Images, barcodes and QR codes become
"[IMAGE 384x120]", "[BARCODE ...]", "[QR ...]". Unknown commands are skipped with a warning;
no input makes `feed` raise.
Status queries (`DLE EOT n`, `GS r n`, `GS ( H`, `ESC v`) are answered per `status_replies`.
"""

from __future__ import annotations

from dataclasses import dataclass

from edge.printer_sim.escpos_commands import ESC, FS, GS, PREFIXES, describe, measure
from edge.printer_sim.status_replies import status_reply

MAX_TICKET_BYTES = 1 << 20
MAX_WARNINGS = 50


@dataclass(frozen=True)
class DecodedTicket:
    text: str
    raw: bytes
    cut: bool
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class StatusReply:
    query: bytes
    reply: bytes


Event = DecodedTicket | StatusReply


class EscPosDecoder:
    """Decodes one printer's byte stream; keeps modes (Chinese mode) across `flush()`."""

    def __init__(self, chinese_mode: bool = False) -> None:
        self.chinese_default = chinese_mode
        self.chinese = chinese_mode
        self._buf = bytearray()
        self._bulk = 0
        self._offset = 0
        self._start_ticket()

    def _start_ticket(self) -> None:
        self._raw = bytearray()
        self._lines: list[str] = []
        self._line: list[str] = []
        self._content = False
        self._warnings: list[str] = []
        self._symbol = b""  # 2D-code data stored by GS ( k fn 80, printed by fn 81

    @property
    def buffered(self) -> int:
        """Bytes held back waiting for the rest of a command or character."""
        return len(self._buf)

    def feed(self, data: bytes) -> list[Event]:
        """Decode `data`; returns the tickets it completed and the replies it asked for."""
        buf = self._buf
        buf += data
        events: list[Event] = []
        pos = 0
        while pos < len(buf):
            if self._bulk:
                n = min(self._bulk, len(buf) - pos)
                self._bulk -= n
                self._take(bytes(buf[pos:pos + n]), events)
                pos += n
                continue
            used = self._step(buf, pos, events)
            if not used:
                break
            pos += used
        del buf[:pos]
        self._offset += pos
        return events

    def flush(self) -> DecodedTicket | None:
        """End of stream: pending content becomes a ticket (`cut=False`)."""
        if self._buf or self._bulk:
            self._warn(f"stream ended inside a command or character ({len(self._buf)} bytes pending)")
            if self._buf and self._buf[0] >= 0x80:
                self._text("\ufffd")
            self._raw += self._buf
            self._buf.clear()
            self._bulk = 0
        if not self._content:
            self._start_ticket()
            return None
        return self._ticket(cut=False)

    def _take(self, unit: bytes, events: list[Event]) -> None:
        self._raw += unit
        if len(self._raw) > MAX_TICKET_BYTES:
            self._warn(f"ticket longer than {MAX_TICKET_BYTES} bytes: split here")
            if self._content:
                events.append(self._ticket(cut=False))
            else:
                self._start_ticket()

    def _ticket(self, cut: bool) -> DecodedTicket:
        """The pending content as a ticket; starts the next one."""
        lines = [*self._lines, "".join(self._line)]
        text = "\n".join(line.rstrip() for line in lines).strip("\n")
        ticket = DecodedTicket(text, bytes(self._raw), cut, tuple(self._warnings))
        self._start_ticket()
        return ticket

    def _text(self, text: str) -> None:
        self._line.append(text)
        if not text.isspace():
            self._content = True

    def _newline(self, count: int = 1) -> None:
        for _ in range(count):
            self._lines.append("".join(self._line))
            self._line = []

    def _marker(self, text: str) -> None:
        if self._line:
            self._newline()
        self._text(text)
        self._newline()

    def _warn(self, message: str) -> None:
        if len(self._warnings) < MAX_WARNINGS:
            self._warnings.append(message)

    def _step(self, buf: bytearray, pos: int, events: list[Event]) -> int:
        b = buf[pos]
        if b in PREFIXES:
            measured = measure(buf, pos)
            if measured is None:
                return 0
            unit = bytes(buf[pos:pos + measured.length])
            self._command(unit, measured.known, events, self._offset + pos)
            self._bulk = measured.bulk
            return measured.length
        if b < 0x20 or b == 0x7F:
            self._take(bytes((b,)), events)
            if b == 0x0A or b == 0x0C:
                self._newline()
            elif b == 0x09:
                self._text(" ")
            return 1
        used, text = self._character(buf, pos)
        if used:
            self._take(bytes(buf[pos:pos + used]), events)
            self._text(text)
        return used

    def _character(self, buf: bytearray, pos: int) -> tuple[int, str]:
        """(bytes used, text) of the printable run or character at pos; (0, "") = need more."""
        b, end = buf[pos], len(buf)
        if not self.chinese or b < 0x80:
            top = 0x7E if self.chinese else 0xFF
            stop = pos
            while stop < end and 0x20 <= buf[stop] <= top and buf[stop] != 0x7F:
                stop += 1
            return stop - pos, bytes(buf[pos:stop]).decode("cp437")
        if not 0x81 <= b <= 0xFE:
            return 1, "\ufffd"
        if pos + 1 >= end:
            return 0, ""
        b2 = buf[pos + 1]
        if 0x30 <= b2 <= 0x39:
            if pos + 3 >= end:
                return 0, ""
            if 0x81 <= buf[pos + 2] <= 0xFE and 0x30 <= buf[pos + 3] <= 0x39:
                return 4, bytes(buf[pos:pos + 4]).decode("gb18030", "replace")
            return 1, "\ufffd"
        if 0x40 <= b2 <= 0xFE and b2 != 0x7F:
            return 2, bytes(buf[pos:pos + 2]).decode("gb18030", "replace")
        return 1, "\ufffd"

    def _command(self, unit: bytes, known: bool, events: list[Event], at: int) -> None:
        if len(unit) < 2:  # a lone DLE
            self._take(unit, events)
            return
        prefix, cmd = unit[0], unit[1]
        if not known:
            self._warn(f"unknown command {describe(unit)} at byte {at}: skipped")
        self._take(unit, events)
        if (prefix, cmd) == (ESC, ord("@")):
            self.chinese = self.chinese_default
            if self._content:
                events.append(self._ticket(cut=False))
        elif (prefix, cmd) == (GS, ord("V")):
            if self._content:
                events.append(self._ticket(cut=True))
            else:
                self._start_ticket()
        elif prefix == FS and cmd in (ord("&"), ord(".")):
            self.chinese = cmd == ord("&")
        elif prefix == ESC and cmd in (ord("d"), ord("J")):
            self._feed_lines(unit[2] if cmd == ord("d") else 0)
        elif known:
            self._symbol_or_reply(unit, events)

    def _feed_lines(self, count: int) -> None:
        if self._line:
            self._newline()
            count -= 1
        self._newline(max(0, count))

    def _symbol_or_reply(self, unit: bytes, events: list[Event]) -> None:
        key = (unit[0], unit[1])
        if key == (GS, ord("(")) and unit[2] == ord("k") and len(unit) >= 7:
            if unit[6] == 80:
                self._symbol = unit[8:]
            elif unit[6] == 81:
                kind = "QR" if unit[5] == 49 else "2D"
                self._marker(f"[{kind} {self._symbol.decode('utf-8', 'replace')}]")
        elif key == (GS, ord("k")):
            data = unit[3:-1] if unit[2] <= 6 else unit[4:]
            self._marker(f"[BARCODE {data.decode('latin-1')}]")
        elif key == (GS, ord("v")):
            self._marker(f"[IMAGE {8 * (unit[4] + 256 * unit[5])}x{unit[6] + 256 * unit[7]}]")
        elif key in ((ESC, ord("*")), (GS, ord("8"))):
            self._content = True
        reply = status_reply(unit)
        if reply is not None:
            events.append(StatusReply(unit, reply))

def decode(data: bytes, chinese_mode: bool = False) -> list[DecodedTicket]:
    """Every ticket in a complete stream (status replies dropped)."""
    decoder = EscPosDecoder(chinese_mode)
    tickets = [e for e in decoder.feed(data) if isinstance(e, DecodedTicket)]
    last = decoder.flush()
    return [*tickets, last] if last else tickets
