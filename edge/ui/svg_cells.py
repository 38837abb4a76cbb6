"""Terminal screenshots (Rich/Textual SVG) that read right in a browser: each text run takes as many
cells as the terminal gave it, so a wide (CJK) glyph takes two cells' width.

Rich writes each run's `textLength` as one cell per character, also for wide characters, while it
places the next run after their two cells each: a browser then squeezes 水晶虾饺皇 into half its
width and the glyphs overlap. `fix_wide_text` places each character of a run with wide characters
on its own cell (an `x` per character, from `rich.cells.cell_len`; no `textLength`, which would
spread the slack over every glyph) and names monospace fonts that browsers on Debian and
Raspberry Pi OS have (DejaVu Sans Mono for Latin, fonts-noto-cjk for CJK) before the generic
fallback; the cells hold whatever font a browser picks. Pure: text in, text out."""

from __future__ import annotations

import html
import re

from rich.cells import cell_len

# Latin in a monospace font whose advance is about one cell (0.6 em), CJK in one whose is two
FONTS = '"DejaVu Sans Mono", "Noto Sans Mono CJK SC"'
_TEXT_RUN = re.compile(r'<text\b([^>]*?) x="([0-9.]+)"([^>]*?) textLength="([0-9.]+)"([^>]*)>([^<]*)</text>')
_FONT_FAMILY = re.compile(r"font-family: Fira Code, monospace;")


def _run_on_cells(match: re.Match[str]) -> str:
    before, x, between, length, after, content = match.groups()
    text = html.unescape(content)
    if not text or cell_len(text) == len(text):
        return match.group(0)  # all narrow: Rich's one cell per character is right
    cell_width = float(length) / len(text)  # Rich: one cell per character
    positions, cells = [], 0
    for char in text:
        positions.append(f"{float(x) + cells * cell_width:.2f}".rstrip("0").rstrip("."))
        cells += cell_len(char)
    # each glyph on its own cell (two for a wide one), whatever width the browser's font gives it
    return f'<text{before} x="{" ".join(positions)}"{between}{after}>{content}</text>'


def fix_wide_text(svg: str) -> str:
    """`svg` (a Rich terminal export) with each wide character on two cells and CJK-capable fonts."""
    svg = _FONT_FAMILY.sub(f"font-family: Fira Code, {FONTS}, monospace;", svg)
    return _TEXT_RUN.sub(_run_on_cells, svg)
