"""Raster mode: laid-out text lines drawn as a 1-bit image and sent as `GS v 0` bands.

For printers without a Chinese font. The image keeps the text layout's cell grid: a cell is
`profile.cell_dots` wide (12 dots, font A) and a line 24 dots high plus 6 dots of line spacing,
both multiplied by the line's size (`GS !` equivalents). Each character is drawn at its own cell
position, so columns line up exactly as in text mode; a character the font lacks shows as the
font's "missing glyph" box, never as nothing. Pillow is imported lazily (only raster profiles
and the simulator's PNGs need it).
"""

from __future__ import annotations

from dataclasses import dataclass

from edge.printer.fonts import cjk_font
from edge.printer.layout import char_width, display_width

GLYPH_DOTS, LINE_GAP = 24, 6
BAND_ROWS = 240  # rows per GS v 0 command: small enough for any printer's receive buffer


@dataclass(frozen=True)
class Style:
    width: int = 1
    height: int = 1
    bold: bool = False
    invert: bool = False
    align: str = "left"


def draw_line(text: str, style: Style, paper_dots: int, cell: int = 12):
    """One printed line as an "L" image (0 = black) `paper_dots` wide."""
    from PIL import Image, ImageDraw

    cells = display_width(text)
    base = Image.new("L", (max(1, cells) * cell, GLYPH_DOTS + LINE_GAP), 0 if style.invert else 255)
    draw = ImageDraw.Draw(base)
    font = cjk_font(GLYPH_DOTS - 2)
    ascent, descent = font.getmetrics()
    baseline = (GLYPH_DOTS + LINE_GAP - ascent - descent) // 2 + ascent
    ink = 255 if style.invert else 0
    x = 0
    for ch in text:
        w = char_width(ch)
        if not ch.isspace():
            left = x * cell + (w * cell - font.getlength(ch)) / 2
            for dx in ((0, 1) if style.bold else (0,)):
                draw.text((left + dx, baseline), ch, font=font, fill=ink, anchor="ls")
        x += w
    scaled = base.resize((base.width * style.width, base.height * style.height), Image.NEAREST)
    line = Image.new("L", (paper_dots, scaled.height), 255)
    room = paper_dots - scaled.width
    offset = {"center": room // 2, "right": room}.get(style.align, 0)
    line.paste(scaled.crop((0, 0, min(scaled.width, paper_dots), scaled.height)), (max(0, offset), 0))
    return line


def draw_lines(lines: list[tuple[str, Style]], paper_dots: int, cell: int = 12):
    """Stack the lines into one "L" image."""
    from PIL import Image

    images = [draw_line(text, style, paper_dots, cell) for text, style in lines]
    out = Image.new("L", (paper_dots, sum(i.height for i in images) or 1), 255)
    y = 0
    for image in images:
        out.paste(image, (0, y))
        y += image.height
    return out


def raster_bands(image, rows: int = BAND_ROWS) -> bytes:
    """`GS v 0 0 xL xH yL yH` + bits (1 = black dot), one command per band of `rows` rows."""
    mono = image.point(lambda v: 255 if v < 128 else 0).convert("1")
    if mono.width % 8:
        raise ValueError(f"raster width must be a multiple of 8 dots, got {mono.width}")
    x_bytes = mono.width // 8
    out = bytearray()
    for top in range(0, mono.height, rows):
        band = mono.crop((0, top, mono.width, min(mono.height, top + rows)))
        out += b"\x1dv0\x00" + x_bytes.to_bytes(2, "little") + band.height.to_bytes(2, "little")
        out += band.tobytes()
    return bytes(out)
