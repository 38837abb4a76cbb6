"""A printed ticket as a PNG image: what the paper would look like (simulator, tests, docs).

Walks the ticket's raw bytes with the same command table as the decoder (`escpos_commands`):
text (GB18030 in Chinese mode, else code page 437) is drawn with the CJK font in printer cells
(`edge.printer.raster.draw_line`) with its size (`GS !`), bold (`ESC E`), inversion (`GS B`) and alignment
(`ESC a`); raster images (`GS v 0`) are drawn bit for bit; QR codes (`GS ( k`) are drawn with the
`qrcode` package; a cut is a dashed line. Unknown commands are skipped, as the decoder does.
"""

from __future__ import annotations

import io

from edge.printer.raster import Style, draw_line
from edge.printer_sim.escpos_commands import ESC, FS, GS, PREFIXES, measure


class _Paper:
    def __init__(self, dots: int, cell: int, chinese: bool) -> None:
        self.dots, self.cell, self.chinese_default = dots, cell, chinese
        self.blocks: list = []
        self.reset()
        self.text: list[str] = []

    def reset(self) -> None:
        self.width = self.height = 1
        self.bold = self.invert = False
        self.align = "left"
        self.chinese = self.chinese_default
        self.symbol = b""
        self.module = 3

    def style(self) -> Style:
        return Style(self.width, self.height, self.bold, self.invert, self.align)

    def newline(self) -> None:
        self.blocks.append(draw_line("".join(self.text), self.style(), self.dots, self.cell))
        self.text = []

    def image(self, image) -> None:
        from PIL import Image

        if self.text:
            self.newline()
        line = Image.new("L", (self.dots, image.height), 255)
        offset = {"center": (self.dots - image.width) // 2, "right": self.dots - image.width}.get(self.align, 0)
        line.paste(image, (max(0, offset), 0))
        self.blocks.append(line)

    def qr(self) -> None:
        import qrcode

        code = qrcode.QRCode(border=1, box_size=max(1, self.module))
        code.add_data(self.symbol.decode("utf-8", "replace"))
        code.make(fit=True)
        made = code.make_image()
        image = made.get_image() if hasattr(made, "get_image") else made
        self.image(image.convert("L"))

    def cut(self) -> None:
        from PIL import Image, ImageDraw

        if self.text:
            self.newline()
        line = Image.new("L", (self.dots, 12), 255)
        draw = ImageDraw.Draw(line)
        for x in range(0, self.dots, 12):
            draw.line((x, 6, x + 6, 6), fill=0)
        self.blocks.append(line)


def _raster(unit: bytes, bits: bytes):
    from PIL import Image

    x_bytes, rows = unit[4] + 256 * unit[5], unit[6] + 256 * unit[7]
    image = Image.frombytes("1", (x_bytes * 8, rows), bits[:x_bytes * rows].ljust(x_bytes * rows, b"\0"))
    return image.convert("L").point(lambda v: 0 if v else 255)


def _text(buf: bytes, pos: int, chinese: bool) -> tuple[int, str]:
    b = buf[pos]
    if not chinese or b < 0x80:
        return 1, bytes((b,)).decode("cp437")
    if pos + 1 < len(buf) and 0x30 <= buf[pos + 1] <= 0x39:
        return 4, buf[pos:pos + 4].decode("gb18030", "replace")
    return 2, buf[pos:pos + 2].decode("gb18030", "replace")


def _command(paper: _Paper, unit: bytes, bulk: bytes) -> None:
    prefix, cmd = unit[0], unit[1] if len(unit) > 1 else 0
    key = (prefix, cmd)
    if key == (ESC, ord("@")):
        paper.reset()
    elif key == (FS, ord("&")):
        paper.chinese = True
    elif key == (FS, ord(".")):
        paper.chinese = False
    elif key == (GS, ord("!")):
        paper.width, paper.height = (unit[2] >> 4) + 1, (unit[2] & 0x0F) + 1
    elif key == (ESC, ord("E")):
        paper.bold = bool(unit[2] & 1)
    elif key == (GS, ord("B")):
        paper.invert = bool(unit[2] & 1)
    elif key == (ESC, ord("a")):
        paper.align = {0: "left", 1: "center", 2: "right", 48: "left", 49: "center", 50: "right"}.get(unit[2], "left")
    elif key == (ESC, ord("d")):
        for _ in range(unit[2] if not paper.text else max(1, unit[2])):
            paper.newline()
    elif key == (GS, ord("v")):
        paper.image(_raster(unit, bulk))
    elif key == (GS, ord("V")):
        paper.cut()
    elif key == (GS, ord("(")) and len(unit) >= 7 and unit[2] == ord("k"):
        fn = unit[6]
        if fn == 80:
            paper.symbol = unit[8:]
        elif fn == 67:
            paper.module = unit[7]
        elif fn == 81:
            paper.qr()


def ticket_image(raw: bytes, dots: int = 576, columns: int = 48, chinese_mode: bool = False):
    """The paper of `raw` as a PIL "L" image."""
    from PIL import Image

    paper = _Paper(dots, dots // columns, chinese_mode)
    pos = 0
    while pos < len(raw):
        b = raw[pos]
        if b in PREFIXES:
            measured = measure(raw, pos)
            if measured is None:
                break
            end = pos + measured.length
            _command(paper, raw[pos:end], raw[end:end + measured.bulk])
            pos = end + measured.bulk
            continue
        if b == 0x0A:
            paper.newline()
            pos += 1
            continue
        if b < 0x20 or b == 0x7F:
            pos += 1
            continue
        used, text = _text(raw, pos, paper.chinese)
        paper.text.append(text)
        pos += used
    if paper.text:
        paper.newline()
    height = sum(block.height for block in paper.blocks) or 1
    out = Image.new("L", (dots, height), 255)
    y = 0
    for block in paper.blocks:
        out.paste(block, (0, y))
        y += block.height
    return out


def ticket_png(raw: bytes, dots: int = 576, columns: int = 48, chinese_mode: bool = False) -> bytes:
    buffer = io.BytesIO()
    ticket_image(raw, dots, columns, chinese_mode).save(buffer, format="PNG", optimize=False)
    return buffer.getvalue()
