"""ESC/POS bytes for one ticket: python-escpos (`Dummy`) builds the commands, we add the text.

This is the only printer module that imports `escpos`, lazily. Text lines are already laid out
(`layout`) from sanitized fields; `line()` strips control characters once more, then encodes
strictly (`cjk.encode`) for the profile, inside Chinese mode (`FS &` ... `FS .`) when the
profile says so. Sizes use `GS !`, which scales both ASCII and Chinese characters.
Raster profiles (`profile.raster`) draw the lines as an image instead (`raster`): the lines
are collected and sent as `GS v 0` bands before a QR code, a feed and at the end.

Ticket framing, relied upon by the simulator's decoder (`edge.printer_sim.escpos_decode`):
- a ticket starts with `ESC @` (initialise), then `FS &` for Chinese-mode profiles;
- it ends with `FS .`, the beep `ESC B n t` when the profile has a buzzer (kitchen tickets
  only), then
  - cut profiles: `ESC d 6` (feed past the cutter) and `GS V 1` (partial cut): the cut ends it;
  - no-cut profiles (58 mm tear-off): `ESC d 4` and a trailing `ESC @`: a reset after printed
    content ends it, and leaves the printer in its initial state for whatever comes next.
"""

from __future__ import annotations

from collections.abc import Iterable

from edge.printer.cjk import encode
from edge.printer.sanitize import strip_controls
from edge.printer_profiles import PrinterProfile

FS = b"\x1c"
CHINESE_ON = FS + b"&"
CHINESE_OFF = FS + b"."
BEEP_TIMES, BEEP_DURATION = 2, 3  # ESC B n t: n beeps of t x 50 ms
TEAR_FEED_LINES = 4


class TicketBuilder:
    """Accumulates one ticket for `profile`; `finish()` returns its bytes."""

    def __init__(self, profile: PrinterProfile) -> None:
        from escpos.printer import Dummy

        from edge.printer.raster import Style

        self.profile = profile
        self._printer = Dummy()
        self._printer.hw("INIT")
        if profile.chinese_mode:
            self._printer._raw(CHINESE_ON)
        self._finished = False
        self._style = Style()
        self._pending: list[tuple[str, Style]] = []  # raster mode: lines not drawn yet

    def style(self, *, width: int = 1, height: int = 1, bold: bool = False, invert: bool = False,
              align: str = "left") -> None:
        """Set every text attribute explicitly (size multipliers 1-8, align left/center/right)."""
        from edge.printer.raster import Style

        self._style = Style(width, height, bold, invert, align)
        if not self.profile.raster:
            self._printer.set(custom_size=True, width=width, height=height, bold=bold, invert=invert,
                              align=align)

    def line(self, text: str) -> None:
        """Print one laid-out line and move to the next."""
        text = strip_controls(text)
        if self.profile.raster:
            self._pending.append((text, self._style))
        else:
            self._printer._raw(encode(text, self.profile.encoding) + b"\n")

    def lines(self, texts: Iterable[str]) -> None:
        for text in texts:
            self.line(text)

    def raw(self, data: bytes) -> None:
        """Bytes exactly as given (test pages); never text from outside."""
        self._flush_raster()
        self._printer._raw(data)

    def image_lines(self, lines: list[tuple[str, object]]) -> None:
        """Lines drawn as an image whatever the profile (test page, raster sample)."""
        from edge.printer.raster import draw_lines, raster_bands

        self._flush_raster()
        image = draw_lines([(strip_controls(t), s) for t, s in lines], self.profile.dots, self.profile.cell_dots)
        self._printer._raw(raster_bands(image))

    def feed(self, count: int = 1) -> None:
        self._flush_raster()
        self._printer.print_and_feed(count)

    def qr(self, data: str, module: int = 6) -> None:
        """A QR code (`GS ( k`, printed by the printer itself), centred, on its own line."""
        self._flush_raster()
        self._printer.set(align="center")
        self._printer.qr(strip_controls(data), native=True, size=module)
        self._printer._raw(b"\n")
        self._printer.set(align="left")

    def _flush_raster(self) -> None:
        if not self._pending:
            return
        from edge.printer.raster import draw_lines, raster_bands

        image = draw_lines(self._pending, self.profile.dots, self.profile.cell_dots)
        self._pending = []
        self._printer._raw(raster_bands(image))

    def partial(self) -> bytes:
        """The bytes so far, unfinished (a banner to put in front of stored bytes)."""
        self._flush_raster()
        return self._printer.output

    def finish(self, beep: bool = True) -> bytes:
        """Close the ticket (Chinese mode off, beep, cut or tear-off feed + reset): its bytes.

        `beep=False` keeps the buzzer quiet (customer receipts); kitchen tickets beep when the
        profile has a buzzer."""
        if self._finished:
            raise RuntimeError("ticket already finished")
        self._finished = True
        self._flush_raster()
        printer = self._printer
        self.style()
        if self.profile.chinese_mode:
            printer._raw(CHINESE_OFF)
        if self.profile.beep and beep:
            printer.buzzer(BEEP_TIMES, BEEP_DURATION)
        if self.profile.cut:
            printer.cut(mode="PART")  # ESC d 6, GS V 1
        else:
            printer.print_and_feed(TEAR_FEED_LINES)
            printer.hw("INIT")
        return printer.output
