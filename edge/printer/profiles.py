"""Printer profiles: paper width in columns, text encoding and what the hardware can do.

A profile is chosen per printer in the config (`[printers.NAME] profile = "..."`). Columns are
counted in half-width cells of font A (12x24 dots): 48 on 80 mm paper, 42 on 76 mm, 32 on 58 mm.
Chinese text is sent in Chinese mode (`FS &`) as GB18030 or GBK bytes; printers whose firmware
only knows GBK need a "-gbk" profile (GB18030 four-byte sequences would print as garbage there).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PrinterProfile:
    name: str
    columns: int
    encoding: str
    chinese_mode: bool
    cut: bool
    beep: bool


PROFILES: dict[str, PrinterProfile] = {
    p.name: p
    for p in (
        PrinterProfile("80mm-gb18030", columns=48, encoding="gb18030", chinese_mode=True, cut=True, beep=True),
        PrinterProfile("80mm-gbk", columns=48, encoding="gbk", chinese_mode=True, cut=True, beep=True),
        PrinterProfile("76mm-gb18030", columns=42, encoding="gb18030", chinese_mode=True, cut=True, beep=True),
        PrinterProfile("58mm-gb18030", columns=32, encoding="gb18030", chinese_mode=True, cut=False, beep=False),
        PrinterProfile("58mm-gbk", columns=32, encoding="gbk", chinese_mode=True, cut=False, beep=False),
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
