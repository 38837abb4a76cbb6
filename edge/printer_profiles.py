"""Printer profiles: paper width in columns, text encoding and what the hardware can do.

A profile is chosen per printer in the config (`[printers.NAME] profile = "..."`). Columns are
counted in half-width cells of font A (12x24 dots): 48 on 80 mm paper, 42 on 76 mm, 32 on 58 mm.
Chinese text is sent in Chinese mode (`FS &`) as GB18030 or GBK bytes; printers whose firmware
only knows GBK need a "-gbk" profile (GB18030 four-byte sequences would print as garbage there).
Printers with no Chinese font at all use a "-raster" profile: every text line is drawn with a
CJK font (fonts-noto-cjk) and sent as an image (`GS v 0`), which any ESC/POS printer prints.

`confirm` is how the spool asks the printer to confirm that a job was printed: `gs_r` (a
trailing `GS r 1`, answered once everything before it is processed) or `gs_paren_h` (Epson's
`GS ( H` process-id response, which also names the job).
"""

from __future__ import annotations

from dataclasses import dataclass

CONFIRM_METHODS = ("gs_r", "gs_paren_h")


@dataclass(frozen=True)
class PrinterProfile:
    name: str
    columns: int
    encoding: str
    chinese_mode: bool
    cut: bool
    beep: bool
    raster: bool = False
    dots: int = 576
    confirm: str = "gs_r"

    @property
    def cell_dots(self) -> int:
        """Dots per half-width cell (12 for font A on every profile here)."""
        return self.dots // self.columns


PROFILES: dict[str, PrinterProfile] = {
    p.name: p
    for p in (
        PrinterProfile("80mm-gb18030", columns=48, encoding="gb18030", chinese_mode=True, cut=True, beep=True),
        PrinterProfile("80mm-gbk", columns=48, encoding="gbk", chinese_mode=True, cut=True, beep=True),
        PrinterProfile("80mm-raster", columns=48, encoding="gb18030", chinese_mode=False, cut=True, beep=True,
                       raster=True),
        PrinterProfile("80mm-epson", columns=48, encoding="gb18030", chinese_mode=True, cut=True, beep=False,
                       confirm="gs_paren_h"),
        PrinterProfile("76mm-gb18030", columns=42, encoding="gb18030", chinese_mode=True, cut=True, beep=True,
                       dots=504),
        PrinterProfile("58mm-gb18030", columns=32, encoding="gb18030", chinese_mode=True, cut=False, beep=False,
                       dots=384),
        PrinterProfile("58mm-gbk", columns=32, encoding="gbk", chinese_mode=True, cut=False, beep=False, dots=384),
        PrinterProfile("58mm-raster", columns=32, encoding="gb18030", chinese_mode=False, cut=False, beep=False,
                       raster=True, dots=384),
    )
}

DEFAULT_PROFILE = "80mm-gb18030"


def get_profile(name: str) -> PrinterProfile:
    """The profile called `name`; a ValueError naming the valid profiles otherwise."""
    try:
        return PROFILES[name]
    except KeyError:
        valid = ", ".join(sorted(PROFILES))
        raise ValueError(f"unknown printer profile {name!r}; valid profiles: {valid}") from None
