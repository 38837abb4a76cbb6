"""ESC/POS bytes for one ticket: python-escpos (`Dummy`) builds the commands, we add the text.

This is the only printer module that imports `escpos`, lazily. Text lines are already laid out
(`layout`) from sanitized fields; `line()` strips control characters once more, then encodes
strictly (`cjk.encode`) for the profile, inside Chinese mode (`FS &` ... `FS .`) when the
profile says so. Sizes use `GS !`, which scales both ASCII and Chinese characters.

Ticket framing, relied upon by the simulator's decoder (`escpos_decode`):
- a ticket starts with `ESC @` (initialise), then `FS &` for Chinese-mode profiles;
- it ends with `FS .`, the beep `ESC B n t` when the profile has a buzzer, then
  - cut profiles: `ESC d 6` (feed past the cutter) and `GS V 1` (partial cut): the cut ends it;
  - no-cut profiles (58 mm tear-off): `ESC d 4` and a trailing `ESC @`: a reset after printed
    content ends it, and leaves the printer in its initial state for whatever comes next.
"""

from __future__ import annotations

from collections.abc import Iterable

from edge.printer.cjk import encode
from edge.printer.profiles import PrinterProfile
from edge.printer.sanitize import strip_controls

FS = b"\x1c"
CHINESE_ON = FS + b"&"
CHINESE_OFF = FS + b"."
BEEP_TIMES, BEEP_DURATION = 2, 3  # ESC B n t: n beeps of t x 50 ms
TEAR_FEED_LINES = 4


class TicketBuilder:
    """Accumulates one ticket for `profile`; `finish()` returns its bytes."""

    def __init__(self, profile: PrinterProfile) -> None:
        from escpos.printer import Dummy

        self.profile = profile
        self._printer = Dummy()
        self._printer.hw("INIT")
        if profile.chinese_mode:
            self._printer._raw(CHINESE_ON)
        self._finished = False

    def style(self, *, width: int = 1, height: int = 1, bold: bool = False, invert: bool = False,
              align: str = "left") -> None:
        """Set every text attribute explicitly (size multipliers 1-8, align left/center/right)."""
        self._printer.set(custom_size=True, width=width, height=height, bold=bold, invert=invert,
                          align=align)

    def line(self, text: str) -> None:
        """Print one laid-out line and move to the next."""
        self._printer._raw(encode(strip_controls(text), self.profile.encoding) + b"\n")

    def lines(self, texts: Iterable[str]) -> None:
        for text in texts:
            self.line(text)

    def feed(self, count: int = 1) -> None:
        self._printer.print_and_feed(count)

    def finish(self) -> bytes:
        """Close the ticket (Chinese mode off, beep, cut or tear-off feed + reset): its bytes."""
        if self._finished:
            raise RuntimeError("ticket already finished")
        self._finished = True
        printer = self._printer
        self.style()
        if self.profile.chinese_mode:
            printer._raw(CHINESE_OFF)
        if self.profile.beep:
            printer.buzzer(BEEP_TIMES, BEEP_DURATION)
        if self.profile.cut:
            printer.cut(mode="PART")  # ESC d 6, GS V 1
        else:
            printer.print_and_feed(TEAR_FEED_LINES)
            printer.hw("INIT")
        return printer.output
