"""The test page of `edge print-test`: which profile fits this printer?

It prints the same Chinese sample in both encodings (GB18030 and GBK, each in Chinese mode),
once as an image (raster), rulers for 32 / 42 / 48 columns, and a QR code, whatever profile is
being tried, so a technician can read the answer off the paper:

- sample 1 right (𠮷 included)                 -> a *-gb18030 profile
- sample 1 garbled at 𠮷 only, sample 2 right -> a *-gbk profile
- samples 1 and 2 garbled, sample 3 right      -> a *-raster profile (no Chinese font)
- the longest ruler that stays on one line     -> 48: 80mm, 42: 76mm, 32: 58mm
- no QR code                                   -> the printer cannot print QR codes itself
"""

from __future__ import annotations

from edge.printer.builder import CHINESE_OFF, CHINESE_ON, TicketBuilder
from edge.printer.layout import wrap
from edge.printer.raster import Style
from edge.printer_profiles import PrinterProfile

SAMPLE = "中文测试 点心 虾饺 ￥28.00 𠮷"
QR_TEXT = "MATOU-PRINT-TEST"
RULERS = (32, 42, 48)


def ruler(columns: int) -> str:
    """'32:-----…-|' exactly `columns` cells wide."""
    label = f"{columns}:"
    return label + "-" * (columns - len(label) - 1) + "|"


def render_test_page(profile: PrinterProfile, url: str = "", when: str = "") -> bytes:
    cols = profile.columns
    out = TicketBuilder(profile)
    out.style(width=2, height=2, bold=True, align="center")
    out.line("打印测试 TEST")
    out.style()
    out.lines(wrap(f"profile: {profile.name} ({cols} columns, {profile.encoding}"
                   f"{', raster' if profile.raster else ''})", cols))
    if url:
        out.lines(wrap(f"url: {url}", cols))
    if when:
        out.line(when)
    out.line("")
    for number, encoding in ((1, "gb18030"), (2, "gbk")):
        out.line(f"{number}. {encoding.upper()}:")
        text = (SAMPLE if encoding == "gb18030" else SAMPLE.replace("𠮷", "〓")).encode(encoding)
        reset = b"" if profile.chinese_mode else CHINESE_OFF
        out.raw(CHINESE_ON + text + b"\n" + reset)
    out.line("3. raster / image:")
    out.image_lines([(SAMPLE, Style())])
    out.line("")
    out.line("widths / 宽度:" if not profile.raster else "widths:")
    for columns in RULERS:
        out.line(ruler(columns))
    out.line("")
    out.line("QR:")
    out.qr(QR_TEXT, module=6 if cols >= 42 else 4)
    out.lines(wrap("1 ok -> *-gb18030; only 2 ok -> *-gbk; only 3 ok -> *-raster; "
                   "longest ruler on one line = columns", cols))
    return out.finish(beep=False)
